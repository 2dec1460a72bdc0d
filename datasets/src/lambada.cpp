#include "datasets/lambada.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/errors.h"

namespace datasets {

std::vector<lambada_example> load_lambada(const std::string& path, std::optional<std::size_t> limit) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw harness::input_error(path + ": cannot open");
    std::vector<lambada_example> out;
    std::string line;
    std::int64_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (limit && out.size() >= *limit) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::parse_error& e) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(n), std::string("malformed JSON: ") + e.what());
        }
        if (!j.is_object() || !j.contains("text") || !j.at("text").is_string())
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(n), "expected an object with a string \"text\"");
        const std::string text = j.at("text").get<std::string>();
        const std::size_t space = text.rfind(' ');
        if (space == std::string::npos || space == 0 || space + 1 >= text.size())
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(n),
                                       "\"text\" needs a context, a space and a last word");
        out.push_back({n, text.substr(0, space), text.substr(space)});
    }
    return out;
}

}  // namespace datasets
