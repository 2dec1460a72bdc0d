#include "datasets/lambada.h"

#include "datasets/text_table.h"
#include "harness/errors.h"

namespace datasets {

std::vector<lambada_example> load_lambada(const std::string& path) {
    std::vector<lambada_example> out;
    for (json_line& row : read_jsonl(path)) {
        const std::string text = string_field(row, "text", path);
        const std::size_t space = text.rfind(' ');
        if (space == std::string::npos || space == 0 || space + 1 >= text.size())
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(row.line),
                                       "\"text\" needs a context, a space and a last word");
        out.push_back({row.line, text.substr(0, space), text.substr(space), std::move(row.value)});
    }
    return out;
}

}  // namespace datasets
