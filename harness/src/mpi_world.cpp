#include "harness/mpi_world.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <thread>

#ifdef RWKVBENCH_HAVE_MPI
#include <mpi.h>
#endif

namespace harness {
namespace {

world_info the_world;

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

}  // namespace

int default_rank_threads(std::string* note) {
    const int machine = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const int share = std::max(1, machine / std::max(1, the_world.node_size));
    cpu_set_t set;
    CPU_ZERO(&set);
    const int bound = ::sched_getaffinity(0, sizeof set, &set) == 0 ? std::max(1, CPU_COUNT(&set)) : share;
    if (bound < share && note)
        *note = "the launcher bound this rank to " + std::to_string(bound) + " of the " + std::to_string(share) +
                " cores it could use (" + std::to_string(machine) + " cores, " + std::to_string(the_world.node_size) +
                " ranks on " + the_world.host + "); mpirun --bind-to none lets it use them";
    return std::min(bound, share);
}

int launcher_world_size() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
        if (const char* x = std::getenv(v)) return std::max(1, std::atoi(x));
    return 1;
}

#ifdef RWKVBENCH_HAVE_MPI

namespace {

// Set by mpirun (Open MPI), PMIx launchers and Slurm's srun (PMI).
bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
        if (std::getenv(v)) return true;
    return false;
}

}  // namespace

void init_world(int& argc, char**& argv) {
    the_world = world_info{};
    the_world.host = host_name();
    if (!launched_by_mpi()) return;
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // only the main thread calls MPI
    // Errors come back as codes (and end the job through abort_world) instead of killing it silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    the_world.launched = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &the_world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &the_world.size);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, the_world.rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &the_world.node_rank);
    MPI_Comm_size(node, &the_world.node_size);
    MPI_Comm_free(&node);
}

void finalize_world() {
    if (the_world.launched) MPI_Finalize();
    the_world.launched = false;
}

std::vector<std::string> gather_to_root(const std::string& mine) {
    if (!the_world.launched || the_world.size == 1) return {mine};
    if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max() / the_world.size))
        throw std::length_error("gather_to_root: " + std::to_string(mine.size()) + " bytes from one rank is more than one gather takes");
    const int n = static_cast<int>(mine.size());
    std::vector<int> sizes(static_cast<std::size_t>(the_world.size));
    MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<int> offsets(sizes.size(), 0);
    std::string all;
    if (the_world.rank == 0) {
        int total = 0;
        for (std::size_t i = 0; i < sizes.size(); ++i) offsets[i] = total, total += sizes[i];
        all.resize(static_cast<std::size_t>(total));
    }
    MPI_Gatherv(mine.data(), n, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (the_world.rank != 0) return {};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < sizes.size(); ++i)
        out.push_back(all.substr(static_cast<std::size_t>(offsets[i]), static_cast<std::size_t>(sizes[i])));
    return out;
}

std::string broadcast_from_root(const std::string& text) {
    if (!the_world.launched || the_world.size == 1) return text;
    int n = static_cast<int>(text.size());
    MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::string out = the_world.rank == 0 ? text : std::string(static_cast<std::size_t>(n), '\0');
    MPI_Bcast(out.data(), n, MPI_CHAR, 0, MPI_COMM_WORLD);
    return out;
}

void barrier(const std::function<void()>& while_waiting) {
    if (!the_world.launched || the_world.size == 1) return;
    MPI_Request request;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    for (int done = 0, polls = 0;; ++polls) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (done) return;
        if (while_waiting && polls % 125 == 0) while_waiting();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

void abort_world(int exit_code) {
    if (the_world.launched) MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
}

std::string mpi_library_version() {
    char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
    int n = 0;
    MPI_Get_library_version(text, &n);
    std::string v(text, static_cast<std::size_t>(n));
    if (const std::size_t cut = v.find_first_of(",\n"); cut != std::string::npos) v.resize(cut);
    return v;
}

#else  // a build without MPI: a world of one

void init_world(int&, char**&) {
    the_world = world_info{};
    the_world.host = host_name();
}
void finalize_world() {}
std::vector<std::string> gather_to_root(const std::string& mine) { return {mine}; }
std::string broadcast_from_root(const std::string& text) { return text; }
void barrier(const std::function<void()>&) {}
void abort_world(int exit_code) { std::_Exit(exit_code); }
std::string mpi_library_version() { return ""; }

#endif

const world_info& world() { return the_world; }

}  // namespace harness
