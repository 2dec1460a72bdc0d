#include "rank_work.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <queue>
#include <random>
#include <sstream>
#include <stdexcept>

#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "harness/mpi_world.h"
#include "harness/timing.h"
#include "kernels/backend.h"

namespace tasks {

std::vector<int> assign_by_cost(const std::vector<std::uint64_t>& costs, int ranks) {
    std::vector<std::size_t> order(costs.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
    // (load, rank), least first.
    using slot = std::pair<std::uint64_t, int>;
    std::priority_queue<slot, std::vector<slot>, std::greater<>> loads;
    for (int r = 0; r < ranks; ++r) loads.push({0, r});
    std::vector<int> out(costs.size(), 0);
    for (const std::size_t i : order) {
        auto [load, rank] = loads.top();
        loads.pop();
        out[i] = rank;
        loads.push({load + costs[i], rank});
    }
    return out;
}

std::uint64_t request_tokens(const request& r, const engines::tokenizer& tok) {
    std::uint64_t n = 1;
    for (std::size_t i = 0; i < r.n_choices(); ++i) {
        if (!r.contexts.empty()) n += tok.encode(r.context(i)).size();
        if (!r.continuations.empty()) n += tok.encode(r.continuation(i)).size();
    }
    return n;
}

void check_shared_folder(const std::string& dir) {
    const harness::world_info& w = harness::world();
    if (w.size == 1) return;
    const std::string path = dir + "/.rank-check";
    std::string token;
    if (w.rank == 0) {
        token = w.host + ":" + std::to_string(std::random_device{}()) + ":" + std::to_string(std::random_device{}());
        std::ofstream(path, std::ios::binary) << token;
    }
    token = harness::broadcast_from_root(token);
    std::string seen;
    std::getline(std::ifstream(path, std::ios::binary), seen);
    const std::string verdict = seen == token ? "" : w.host + " (rank " + std::to_string(w.rank) + ")";
    std::string blind;
    for (const auto& v : harness::gather_to_root(verdict))
        if (!v.empty()) blind += (blind.empty() ? "" : ", ") + v;
    if (w.rank == 0) std::filesystem::remove(path);
    if (harness::broadcast_from_root(blind).empty()) return;
    if (w.rank == 0)
        throw harness::input_error(dir + ": the run folder is not shared with " + blind +
                                   ": ranks on several machines need the run folder (and the data) on a shared "
                                   "filesystem");
    // The other ranks wait for rank 0 to end the job with that error (MPI_Abort), so it is said once.
    harness::barrier();
    throw harness::input_error(dir + ": the run folder is not shared with every rank");
}

ranks_progress::ranks_progress(bool enabled, const std::string& what, std::size_t total,
                               std::vector<std::string> journals, std::vector<std::uintmax_t> ends)
    : line_(enabled, what, total), total_(total), journals_(std::move(journals)), read_to_(std::move(ends)) {}

void ranks_progress::own_done() {
    ++own_;
    update();
}

void ranks_progress::update() {
    if (finished_ || clock_.elapsed_seconds() - last_read_ < 0.5) return;
    last_read_ = clock_.elapsed_seconds();
    for (std::size_t k = 0; k < journals_.size(); ++k) {
        std::ifstream in(journals_[k], std::ios::binary);
        in.seekg(static_cast<std::streamoff>(read_to_[k]));
        char buffer[1 << 14];
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            others_ += static_cast<std::size_t>(std::count(buffer, buffer + in.gcount(), '\n'));
            read_to_[k] += static_cast<std::uintmax_t>(in.gcount());
        }
    }
    show(std::min(total_, own_ + others_));
}

namespace {

std::string rank_journal(const std::string& dir, int rank) {
    return dir + "/journal.rank-" + std::to_string(rank) + ".jsonl";
}

}  // namespace

rank_ledger::rank_ledger(const run_config& c, journal& j) : config_(c), journal_(j) {
    const harness::world_info& w = harness::world();
    device_ = c.device == "cuda" ? "cuda:" + std::to_string(w.size > 1 ? w.node_rank : 0) : c.device;
    if (w.size == 1) return;
    // Where each rank's journal ends once opened (a resumed one keeps its
    // lines): rank 0 counts the lines after it as the others' progress.
    const std::string own = rank_journal(c.out_dir, w.rank);
    const std::vector<std::string> sizes = harness::gather_to_root(std::to_string(std::filesystem::file_size(own)));
    harness::barrier();  // no rank appends before every rank has read the journals
    for (int k = 0; k < static_cast<int>(sizes.size()); ++k) {
        journals_.push_back(rank_journal(c.out_dir, k));
        ends_.push_back(std::stoull(sizes[static_cast<std::size_t>(k)]));
    }
    j.on_append([this] {
        if (!in_part_) return;
        ++examples_;
        if (progress_) progress_->own_done();
    });
}

rank_ledger::~rank_ledger() { journal_.on_append({}); }

std::vector<std::vector<request>> rank_ledger::my_part(const model_entry& m, const std::vector<task_work>& tasks) {
    const harness::world_info& w = harness::world();
    harness::stopwatch clock;
    const auto tok = engines::load_tokenizer(m.spec.tokenizer);
    // The unit of work is a scoring batch (request::batch) with an example no
    // journal holds: a rank scores the whole batch, as a plain run forms it,
    // and journals what was missing. Items: those missing examples.
    struct unit {
        std::size_t task;
        std::span<const request> batch;
    };
    std::vector<unit> units;
    std::vector<std::pair<std::size_t, const request*>> items;  // (unit, request)
    for (std::size_t t = 0; t < tasks.size(); ++t)
        for (const std::span<const request> batch : batch_runs(tasks[t].requests)) {
            if (!is_example(batch.front())) continue;
            for (const request& r : batch)
                if (!journal_.find({tasks[t].task, m.name, r.id})) items.emplace_back(units.size(), &r);
            if (!items.empty() && items.back().first == units.size()) units.push_back({t, batch});
        }
    // Each rank tokenizes every size-th item and rank 0 shares the costs:
    // tokenizing all of them on every rank would cost each rank as much as
    // its share of the scoring does on a fast GPU.
    std::string my_costs;
    for (std::size_t i = static_cast<std::size_t>(w.rank); i < items.size(); i += static_cast<std::size_t>(w.size))
        my_costs += std::to_string(request_tokens(*items[i].second, *tok)) + " ";
    std::string all_costs;
    const std::vector<std::string> parts = harness::gather_to_root(my_costs);
    if (w.rank == 0) {
        std::vector<std::istringstream> in;
        for (const auto& part : parts) in.emplace_back(part);
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::string cost;
            in[i % parts.size()] >> cost;
            all_costs += cost + " ";
        }
    }
    std::istringstream shared(harness::broadcast_from_root(all_costs));
    std::vector<std::uint64_t> costs(units.size(), 0);
    for (const auto& [u, r] : items) {
        std::uint64_t c = 0;
        if (!(shared >> c)) throw std::logic_error("rank_ledger: fewer costs than examples");
        costs[u] += c;
    }
    const std::vector<int> rank = assign_by_cost(costs, w.size);
    std::vector<std::vector<request>> mine(tasks.size());
    for (std::size_t u = 0; u < units.size(); ++u)
        if (rank[u] == w.rank)
            mine[units[u].task].insert(mine[units[u].task].end(), units[u].batch.begin(), units[u].batch.end());
    in_part_ = true;
    if (w.rank == 0) {
        split_s_ += clock.elapsed_seconds();
        std::vector<std::string> others(journals_.begin() + 1, journals_.end());
        std::vector<std::uintmax_t> ends(ends_.begin() + 1, ends_.end());
        progress_.emplace(config_.progress,
                          "examples [" + m.name + "] on " + std::to_string(w.size) + " ranks", items.size(),
                          std::move(others), std::move(ends));
    }
    return mine;
}

std::vector<std::string> rank_ledger::gather_new_lines(const std::string& trailer) {
    const harness::world_info& w = harness::world();
    harness::barrier([this] {
        if (progress_) progress_->update();
    });
    harness::stopwatch clock;
    // The new lines, then the trailer on a last line of its own.
    const std::vector<std::string> all = harness::gather_to_root(journal_.take_new_lines() + "\n" + trailer);
    std::vector<std::string> trailers;
    if (w.rank != 0) return trailers;
    for (std::size_t k = 0; k < all.size(); ++k) {
        const std::size_t cut = all[k].rfind('\n');
        const std::string lines = all[k].substr(0, cut);
        if (k > 0) journal_.adopt_lines(lines, journals_[k]);
        ends_[k] += lines.size();
        trailers.push_back(all[k].substr(cut + 1));
    }
    gather_s_ += clock.elapsed_seconds();
    return trailers;
}

std::vector<double> rank_ledger::gather_part(const std::vector<double>& seconds) {
    for (const double s : seconds) busy_s_ += s;
    const std::vector<std::string> trailers = gather_new_lines(nlohmann::json(seconds).dump());
    in_part_ = false;
    std::vector<double> longest(seconds.size(), 0.0);
    for (const std::string& t : trailers) {
        const auto times = nlohmann::json::parse(t).get<std::vector<double>>();
        for (std::size_t i = 0; i < longest.size(); ++i) longest[i] = std::max(longest[i], times.at(i));
    }
    if (progress_) progress_->finish();
    progress_.reset();
    return longest;
}

void rank_ledger::gather_cases() { (void)gather_new_lines(""); }

std::vector<int> rank_ledger::timing_ranks() {
    const harness::world_info& w = harness::world();
    // On CPU the first rank of each machine (the others wait, asleep); with
    // CUDA every rank, each on its own GPU.
    const std::vector<std::string> node_ranks = harness::gather_to_root(std::to_string(w.node_rank));
    std::string list;
    for (std::size_t k = 0; k < node_ranks.size(); ++k)
        if (config_.device == "cuda" || node_ranks[k] == "0") list += (list.empty() ? "" : " ") + std::to_string(k);
    std::istringstream in(harness::broadcast_from_root(list));
    std::vector<int> out;
    for (int k; in >> k;) out.push_back(k);
    return out;
}

reports::processes_record rank_ledger::gather_ranks(double wall_s, const std::vector<int>& timing) {
    const harness::world_info& w = harness::world();
    const reports::rank_record me{w.rank, w.host, device_, kernels::cpu_thread_count(), examples_, busy_s_, wall_s};
    const std::vector<std::string> all = harness::gather_to_root(nlohmann::json(me).dump());
    reports::processes_record p;
    if (w.rank != 0) return p;
    p.world_size = w.size;
    for (const auto& text : all) p.ranks.push_back(nlohmann::json::parse(text).get<reports::rank_record>());
    if (timing.size() == 1) {
        p.scaling = "rank 0 on " + w.host + ", the other ranks waiting";
    } else if (!timing.empty()) {
        std::string ranks;
        for (const int k : timing)
            ranks += (ranks.empty() ? "" : ", ") + std::to_string(k) + " (" + p.ranks.at(static_cast<std::size_t>(k)).host +
                     ")";
        p.scaling = "cases spread over ranks " + ranks +
                    (config_.device == "cuda" ? ", one GPU each" : ", one per machine, the others waiting");
    }
    p.split_s = split_s_, p.gather_s = gather_s_;
    return p;
}

void ranks_progress::finish() { show(total_); }

void ranks_progress::show(std::size_t done) {
    if (finished_) return;
    finished_ = done == total_;  // the line ends (with a newline) once
    line_.update(done);
}

}  // namespace tasks
