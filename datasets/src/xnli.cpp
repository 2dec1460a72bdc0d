#include <algorithm>

#include "datasets/choice_records.h"
#include "datasets/text_table.h"
#include "harness/errors.h"

namespace datasets {

std::vector<xnli_record> read_xnli(const std::string& path) {
    static const std::array<std::string, 3> labels = {"entailment", "neutral", "contradiction"};
    std::vector<xnli_record> out;
    for (const auto& row : read_tsv(path, {.columns = 3})) {
        const auto& f = row.fields;
        const auto bad = [&](const std::string& what) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(row.line), what);
        };
        if (f[0].empty() || f[1].empty()) bad("an empty sentence");
        const auto it = std::find(labels.begin(), labels.end(), f[2]);
        if (it == labels.end()) bad("label must be entailment, neutral or contradiction, got '" + f[2] + "'");
        out.push_back({{row.line, {{"premise", f[0]}, {"hypothesis", f[1]}, {"label", f[2]}}},
                       f[0],
                       f[1],
                       static_cast<int>(it - labels.begin())});
    }
    return out;
}

}  // namespace datasets
