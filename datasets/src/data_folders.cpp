#include "datasets/data_folders.h"

#include <algorithm>
#include <filesystem>

#include "datasets/language_files.h"
#include "harness/build_info.h"
#include "harness/errors.h"

namespace datasets {

namespace fs = std::filesystem;

data_folders::data_folders(const std::string& user_dir, const std::string& shipped_dir) {
    std::error_code ec;
    // A mistyped --data-dir must not fall back to the shipped data without a word.
    if (!user_dir.empty() && !fs::is_directory(user_dir, ec))
        throw harness::input_error(user_dir + ": not a folder (--data-dir names a folder laid out like datasets/)");
    if (!user_dir.empty()) folders_.push_back(user_dir);
    const bool same = !user_dir.empty() && fs::equivalent(user_dir, shipped_dir, ec);
    if (!same && user_dir != shipped_dir) folders_.push_back(shipped_dir);
}

data_folders data_folders::shipped() { return data_folders("", shipped_data_dir()); }

std::string data_folders::path(const std::string& relative) const {
    std::error_code ec;
    for (const auto& f : folders_)
        if (fs::exists(fs::path(f) / relative, ec)) return f + "/" + relative;
    return folders_.front() + "/" + relative;
}

std::string data_folders::path(const std::string& pattern, const std::string& language) const {
    std::string p = pattern;
    if (const std::size_t at = p.find("{lang}"); at != std::string::npos) p.replace(at, 6, language);
    return path(p);
}

std::vector<std::string> data_folders::languages(const std::string& pattern) const {
    std::vector<std::string> all;
    for (const auto& f : folders_) {
        const auto langs = languages_of_pattern(f, pattern);
        all.insert(all.end(), langs.begin(), langs.end());
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
}

std::string data_folders::describe() const {
    return folders_.size() == 1 ? folders_[0] : folders_[0] + " (over " + folders_[1] + ")";
}

std::string shipped_data_dir() { return harness::get_build_info().source_dir + "/datasets"; }

}  // namespace datasets
