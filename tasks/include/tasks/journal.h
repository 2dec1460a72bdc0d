// The run journal: one JSON line per finished unit of work (an example of a
// task for a model), appended and flushed as soon as it is done. `--resume`
// reads it back and skips what is there; the report is computed from the
// journal's records, so a resumed run reports exactly what an uninterrupted
// one would. A last line cut short by a kill is dropped on reading.
//
// Under MPI every rank appends to its own file (journal.rank-K.jsonl; a
// plain run's is journal.jsonl) and a resume reads them all, whatever the
// world size that wrote them: rank 0 adopts the other ranks' new records
// from a gather (adopt_lines) instead of reading their files again.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

namespace tasks {

class journal {
public:
    // Opens (creating) the journal at `path`; with resume = false an existing
    // one is truncated. With resume, the records of `also_read` (other
    // journals of the run folder) are known too; this file's own torn last
    // line is dropped from it. Throws harness::input_error for an unwritable
    // path or a malformed line before the last.
    journal(const std::string& path, bool resume, const std::vector<std::string>& also_read = {});
    ~journal();
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;

    using key = std::tuple<std::string, std::string, std::string>;  // task, model, example id
    const nlohmann::json* find(const key& k) const;
    // The file a record was read from or written to ("" for none).
    std::string origin(const key& k) const;
    // Appends {"task", "model", "example", ...record} and flushes.
    void append(const key& k, const nlohmann::json& record);
    const std::map<key, nlohmann::json>& records() const { return records_; }

    // The lines appended since the last call (for a gather to rank 0).
    std::string take_new_lines();
    // Records another rank journaled (in `origin`, its file), as lines; a
    // key already known keeps its record. Throws input_error naming `origin`
    // and the line for a line that is not a journal record.
    void adopt_lines(const std::string& lines, const std::string& origin);
    // Called after every append (progress across ranks counts them).
    void on_append(std::function<void()> f) { on_append_ = std::move(f); }

private:
    void insert(const std::string& line, const std::string& file, std::uint64_t n);
    std::size_t file_index(const std::string& file);

    std::string path_;
    std::FILE* file_ = nullptr;
    std::map<key, nlohmann::json> records_;
    std::map<key, std::size_t> origin_;  // index into files_
    std::vector<std::string> files_;
    std::string new_lines_;
    std::function<void()> on_append_;
};

// Every journal of a run folder (journal.jsonl, journal.rank-K.jsonl), sorted.
std::vector<std::string> journal_files(const std::string& dir);

}  // namespace tasks
