// The processes of one run. Started by mpirun or Slurm's srun, every rank
// is a process of one job; started plainly, a run is a world of one. This
// is the only unit that calls MPI: the rest of the code asks for its rank,
// gathers records to rank 0 and aborts the job through it.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace harness {

struct world_info {
    int rank = 0, size = 1;            // in the job
    int node_rank = 0, node_size = 1;  // among the ranks on this machine (MPI_COMM_TYPE_SHARED)
    std::string host;
    bool launched = false;  // started by mpirun/srun and joined through MPI
};

// Joins the MPI job when the launcher's environment says this process is a
// rank of one (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE); otherwise, and
// in a build without MPI, a world of one. Call once from main, first.
void init_world(int& argc, char**& argv);
// Leaves the job (MPI_Finalize); call once before main returns.
void finalize_world();
const world_info& world();

// Every rank's `mine`, in rank order, on rank 0; other ranks get {}.
std::vector<std::string> gather_to_root(const std::string& mine);
// Rank 0's `text` on every rank.
std::string broadcast_from_root(const std::string& text);
// Waits for every rank, sleeping between polls rather than spinning a core
// (a rank with no work left waits for the others' long tasks); calls
// `while_waiting` about every 250 ms meanwhile (rank 0's progress line).
void barrier(const std::function<void()>& while_waiting = {});
// Ends the whole job with `exit_code` (MPI_Abort), or the process without MPI.
[[noreturn]] void abort_world(int exit_code);

// CPU threads for this rank when --threads is not given: the machine's
// cores shared among the ranks on it, and no more than the cores the
// launcher bound this process to. `note` says when the binding is the limit.
int default_rank_threads(std::string* note = nullptr);

// The number of ranks the launcher's environment declares (1 when none):
// a build without MPI started by mpirun tells the user instead of running
// the same work N times.
int launcher_world_size();

// "Open MPI v4.1.4, ..." (the library's own words); "" without MPI.
std::string mpi_library_version();

}  // namespace harness
