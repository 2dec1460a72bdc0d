#include "tasks/journal.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "harness/atomic_file.h"
#include "harness/errors.h"
#include "harness/json_file.h"

namespace tasks {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The valid lines of a journal file: a last line cut short by a kill is left
// out (that example is redone); a malformed line before it is an input_error.
std::vector<std::pair<std::uint64_t, std::string>> valid_lines(const std::string& path) {
    std::vector<std::string> lines = lines_of(path);
    std::vector<std::pair<std::uint64_t, std::string>> out;  // (line number, text)
    for (std::size_t n = 0; n < lines.size(); ++n) {
        if (lines[n].empty()) continue;
        try {
            (void)harness::parse_json_text(lines[n]);
        } catch (const nlohmann::json::exception&) {
            if (n + 1 == lines.size()) break;
            throw harness::input_error(path, "line", n + 1, "malformed journal line");
        }
        out.emplace_back(n + 1, std::move(lines[n]));
    }
    return out;
}

}  // namespace

std::vector<std::string> journal_files(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.starts_with("journal") && name.ends_with(".jsonl") && e.is_regular_file()) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t journal::file_index(const std::string& file) {
    const auto it = std::find(files_.begin(), files_.end(), file);
    if (it != files_.end()) return static_cast<std::size_t>(it - files_.begin());
    files_.push_back(file);
    return files_.size() - 1;
}

void journal::insert(const std::string& line, const std::string& file, std::uint64_t n) {
    nlohmann::json j;
    try {
        j = harness::parse_json_text(line);
    } catch (const nlohmann::json::exception&) {
        throw harness::input_error(file, "line", n, "malformed journal line");
    }
    if (!j.is_object() || !j.contains("task") || !j.contains("model") || !j.contains("example"))
        throw harness::input_error(file, "line", n, "journal line without task, model and example");
    harness::with_json_errors(file + ": line " + std::to_string(n), [&] {
        const key k{j.at("task").get<std::string>(), j.at("model").get<std::string>(),
                    j.at("example").get<std::string>()};
        if (records_.count(k)) return;  // the same example twice (two ranks' files): the first is kept
        origin_[k] = file_index(file);
        records_[k] = std::move(j);
    });
}

journal::journal(const std::string& path, bool resume, const std::vector<std::string>& also_read) : path_(path) {
    std::string keep;  // the valid lines, rewritten so a torn last line disappears
    if (resume) {
        for (const auto& [n, line] : valid_lines(path)) insert(line, path, n), keep += line + "\n";
        for (const std::string& other : also_read)
            if (other != path)
                for (const auto& [n, line] : valid_lines(other)) insert(line, other, n);
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

std::string journal::origin(const key& k) const {
    const auto it = origin_.find(k);
    return it == origin_.end() ? "" : files_[it->second];
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
    new_lines_ += line;
    origin_[k] = file_index(path_);
    records_[k] = std::move(j);
    if (on_append_) on_append_();
}

std::string journal::take_new_lines() { return std::exchange(new_lines_, std::string()); }

void journal::adopt_lines(const std::string& lines, const std::string& origin) {
    std::istringstream in(lines);
    std::uint64_t n = 0;
    for (std::string line; std::getline(in, line);)
        if (++n, !line.empty()) insert(line, origin, n);
}

}  // namespace tasks
