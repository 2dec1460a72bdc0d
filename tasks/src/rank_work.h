// How a run's quality work is spread over the ranks of an MPI job
// (harness/mpi_world.h). For each model, the examples not journaled yet are
// split among the ranks (tasks/rank_split.h). Each rank scores its part into
// its own journal; rank 0 gathers the new records and computes the metrics
// from the whole journal, as a plain run does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/report_model.h"
#include "task_context.h"
#include "tasks/journal.h"
#include "tasks/rank_split.h"
#include "tasks/request.h"
#include "tasks/runner.h"

namespace tasks {

// Every rank reads a token that rank 0 writes into `dir`: ranks on several
// machines need one shared folder. Throws input_error (exit 2) on rank 0
// naming each host that cannot see it. Collective: every rank calls it.
void check_shared_folder(const std::string& dir);

// Rank 0's progress line over the examples of all ranks: its own journal
// appends (own_done) and the lines the others add to their journal files
// after the byte offsets rank 0 knows them to end at.
class ranks_progress {
public:
    ranks_progress(bool enabled, const std::string& what, std::size_t total, std::vector<std::string> journals,
                   std::vector<std::uintmax_t> ends);
    void own_done();
    void update();  // reads the others' new lines; redraws at most twice a second
    void finish();  // every rank is done: the last line shows the total

private:
    void show(std::size_t done);

    progress_line line_;
    harness::stopwatch clock_;
    double last_read_ = -1;
    bool finished_ = false;
    std::size_t total_, own_ = 0, others_ = 0;
    std::vector<std::string> journals_;
    std::vector<std::uintmax_t> read_to_;
};

// A task's requests, as the ledger sees them.
struct task_work {
    const std::string& task;
    const std::vector<request>& requests;
};

// This rank's side of the quality work under MPI: which of a model's
// remaining examples are its own, handing its new records to rank 0 (which
// adopts them into its journal), and the ranks' summary for the report.
// Every call is collective but my_part: every rank makes it, in one order.
class rank_ledger {
public:
    rank_ledger(const run_config& c, journal& j);
    ~rank_ledger();
    rank_ledger(const rank_ledger&) = delete;
    rank_ledger& operator=(const rank_ledger&) = delete;

    // This rank's examples of each task (in the tasks' order): the scoring
    // batches (request::batch) holding examples of `m` no journal holds,
    // each costed by those examples' tokens with m's tokenizer and assigned
    // whole by assign_by_cost over all the tasks together. Rank 0 starts its
    // progress line over the examples.
    std::vector<std::vector<request>> my_part(const model_entry& m, const std::vector<task_work>& tasks);
    // After scoring them: waits for every rank (rank 0 showing progress),
    // gathers the new journal lines to rank 0, which adopts them. Returns,
    // on rank 0, per task the longest any rank spent on its part.
    std::vector<double> gather_part(const std::vector<double>& seconds);
    // The ranks that time scaling cases: on CPU the first rank of each
    // machine (ranks sharing one would disturb each other's timings), with
    // CUDA every rank (each its own GPU). Rank 0 is always one.
    std::vector<int> timing_ranks();
    // After a scaling task's cases: the new journal lines to rank 0.
    void gather_cases();
    // Every rank's summary, on rank 0 (other ranks get an empty record);
    // `timing`: the timing ranks when the run has scaling tasks, else empty.
    reports::processes_record gather_ranks(double wall_s, const std::vector<int>& timing);

private:
    // Waits for every rank, then sends this rank's new journal lines and
    // `trailer` to rank 0, which adopts the lines; returns the trailers (rank 0).
    std::vector<std::string> gather_new_lines(const std::string& trailer);

    const run_config& config_;
    journal& journal_;
    std::string device_;
    bool in_part_ = false;  // between my_part and gather_part: appends are this rank's examples
    std::int64_t examples_ = 0;
    double busy_s_ = 0, split_s_ = 0, gather_s_ = 0;
    std::vector<std::string> journals_;     // rank 0: every rank's journal file
    std::vector<std::uintmax_t> ends_;      // rank 0: where each rank's adopted lines end in it
    std::optional<ranks_progress> progress_;
};

}  // namespace tasks
