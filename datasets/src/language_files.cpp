#include "datasets/language_files.h"

#include <algorithm>
#include <filesystem>

namespace datasets {

std::vector<std::string> languages_of_pattern(const std::string& data_dir, const std::string& pattern) {
    namespace fs = std::filesystem;
    const fs::path full = fs::path(data_dir) / pattern;
    const std::string name = full.filename().string();
    const std::size_t at = name.find("{lang}");
    if (at == std::string::npos) return {};
    const std::string prefix = name.substr(0, at), suffix = name.substr(at + 6);
    std::vector<std::string> langs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(full.parent_path(), ec)) {
        const std::string f = entry.path().filename().string();
        if (f.size() > prefix.size() + suffix.size() && f.starts_with(prefix) && f.ends_with(suffix))
            langs.push_back(f.substr(prefix.size(), f.size() - prefix.size() - suffix.size()));
    }
    std::sort(langs.begin(), langs.end());
    return langs;
}

}  // namespace datasets
