#include "datasets/flores.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "harness/errors.h"
#include "harness/utf8.h"

namespace datasets {

std::vector<flores_sentence> load_flores(const std::string& dir, const std::string& lang, std::optional<std::size_t> limit) {
    const std::string path = dir + "/" + lang + ".devtest";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw harness::input_error(path + ": cannot open (no FLORES file for language '" + lang + "')");
    std::vector<flores_sentence> out;
    std::string line;
    std::int64_t n = 0;
    while (std::getline(in, line) && (!limit || out.size() < *limit)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (const std::size_t bad = harness::find_invalid_utf8(line); bad != std::string::npos)
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(n),
                                       "invalid UTF-8 at byte " + std::to_string(bad) + " of the line");
        if (line.empty()) throw harness::input_error(path, "line", static_cast<std::uint64_t>(n), "empty sentence");
        out.push_back({n, line});
    }
    return out;
}

std::vector<std::string> flores_languages(const std::string& dir) {
    std::vector<std::string> langs;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().extension() == ".devtest") langs.push_back(entry.path().stem().string());
    if (ec) throw harness::input_error(dir + ": cannot list FLORES files: " + ec.message());
    std::sort(langs.begin(), langs.end());
    return langs;
}

}  // namespace datasets
