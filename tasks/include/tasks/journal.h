// The run journal: one JSON line per finished unit of work (an example of a
// task for a model), appended and flushed as soon as it is done. `--resume`
// reads it back and skips what is there; the report is computed from the
// journal's records, so a resumed run reports exactly what an uninterrupted
// one would. A last line cut short by a kill is dropped on reading.
#pragma once

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

namespace tasks {

class journal {
public:
    // Opens (creating) the journal; with resume = false an existing one is
    // truncated. Throws harness::input_error for an unwritable path or a
    // malformed line before the last.
    journal(const std::string& path, bool resume);
    ~journal();
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;

    using key = std::tuple<std::string, std::string, std::string>;  // task, model, example id
    const nlohmann::json* find(const key& k) const;
    // Appends {"task", "model", "example", ...record} and flushes.
    void append(const key& k, const nlohmann::json& record);
    const std::map<key, nlohmann::json>& records() const { return records_; }

private:
    std::string path_;
    std::FILE* file_ = nullptr;
    std::map<key, nlohmann::json> records_;
};

}  // namespace tasks
