#include "datasets/choice_records.h"
#include "datasets/text_table.h"
#include "harness/errors.h"

namespace datasets {

std::vector<pawsx_record> read_pawsx(const std::string& path) {
    std::vector<pawsx_record> out;
    for (const auto& row : read_tsv(path, {.columns = 3, .quoted = true})) {
        const auto& f = row.fields;
        const auto bad = [&](const std::string& what) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(row.line), what);
        };
        if (f[0].empty() || f[1].empty()) bad("an empty sentence");
        if (f[2] != "0" && f[2] != "1") bad("label must be 0 or 1, got '" + f[2] + "'");
        out.push_back({{row.line, {{"sentence1", f[0]}, {"sentence2", f[1]}, {"label", f[2]}}}, f[0], f[1], f[2] == "1"});
    }
    return out;
}

}  // namespace datasets
