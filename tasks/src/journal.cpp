#include "tasks/journal.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "harness/atomic_file.h"
#include "harness/errors.h"
#include "harness/json_file.h"

namespace tasks {

journal::journal(const std::string& path, bool resume) : path_(path) {
    std::string keep;  // the valid lines, rewritten so a torn last line disappears
    if (resume) {
        std::ifstream in(path, std::ios::binary);
        std::string line;
        std::uint64_t n = 0;
        std::vector<std::string> lines;
        while (std::getline(in, line)) lines.push_back(line);
        for (const std::string& l : lines) {
            ++n;
            if (l.empty()) continue;
            nlohmann::json j;
            try {
                j = harness::parse_json_text(l);
            } catch (const nlohmann::json::exception&) {
                if (n == lines.size()) break;  // cut short by a kill: redo that example
                throw harness::input_error(path, "line", n, "malformed journal line");
            }
            if (!j.is_object() || !j.contains("task") || !j.contains("model") || !j.contains("example"))
                throw harness::input_error(path, "line", n, "journal line without task, model and example");
            harness::with_json_errors(path + ": line " + std::to_string(n), [&] {
                records_[{j.at("task").get<std::string>(), j.at("model").get<std::string>(),
                          j.at("example").get<std::string>()}] = j;
            });
            keep += l + "\n";
        }
    }
    // Replace the journal by its valid lines atomically, then append to it.
    harness::write_file_atomically(path, keep);
    file_ = std::fopen(path.c_str(), "ab");
    if (!file_) throw harness::input_error(path + ": cannot write: " + std::strerror(errno));
}

journal::~journal() {
    if (file_) std::fclose(file_);
}

const nlohmann::json* journal::find(const key& k) const {
    const auto it = records_.find(k);
    return it == records_.end() ? nullptr : &it->second;
}

void journal::append(const key& k, const nlohmann::json& record) {
    // A NaN would be written as null and make the journal unreadable on
    // resume: a model that produces one is stopped here, by name.
    if (const std::string at = harness::find_non_finite(record); !at.empty())
        throw harness::input_error("model '" + std::get<1>(k) + "' produced a non-finite " + at + " (NaN or inf) on task " +
                                   std::get<0>(k) + ", example " + std::get<2>(k) +
                                   ": its weights or its numerics are broken");
    nlohmann::json j = record;
    j["task"] = std::get<0>(k);
    j["model"] = std::get<1>(k);
    j["example"] = std::get<2>(k);
    const std::string line = j.dump() + "\n";
    // A failed or short write (no space, a file-size limit) leaves at most a
    // torn last line, which --resume drops; the run stops with exit 3.
    if (std::fputs(line.c_str(), file_) < 0 || std::fflush(file_) != 0) {
        const int err = errno;
        std::clearerr(file_);
        throw harness::io_error(path_, "write failed", err);
    }
    records_[k] = j;
}

}  // namespace tasks
