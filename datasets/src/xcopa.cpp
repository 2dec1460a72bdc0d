#include "datasets/choice_records.h"
#include "datasets/text_table.h"
#include "harness/errors.h"

namespace datasets {

std::vector<xcopa_record> read_xcopa(const std::string& path) {
    std::vector<xcopa_record> out;
    for (auto& row : read_jsonl(path)) {
        const auto bad = [&](const std::string& what) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(row.line), what);
        };
        const std::string q = string_field(row, "question", path);
        if (q != "cause" && q != "effect") bad("\"question\" must be \"cause\" or \"effect\"");
        const std::int64_t label = int_field(row, "label", path);
        if (label != 0 && label != 1) bad("\"label\" must be 0 or 1");
        xcopa_record r;
        r.premise = string_field(row, "premise", path);
        r.choice1 = string_field(row, "choice1", path);
        r.choice2 = string_field(row, "choice2", path);
        r.effect = q == "effect";
        r.label = static_cast<int>(label);
        r.src = {row.line, std::move(row.value)};
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace datasets
