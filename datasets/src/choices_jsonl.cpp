#include <set>

#include "datasets/choice_records.h"
#include "datasets/text_table.h"
#include "harness/errors.h"

namespace datasets {

std::vector<choices_record> read_choices_jsonl(const std::string& path) {
    std::vector<choices_record> out;
    std::set<std::string> ids;
    for (auto& row : read_jsonl(path)) {
        const auto bad = [&](const std::string& what) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(row.line), what);
        };
        choices_record r;
        r.id = string_field(row, "id", path);
        if (!ids.insert(r.id).second) bad("id '" + r.id + "' appears twice");
        r.context = string_field(row, "context", path, true);
        const nlohmann::json* choices = row.value.contains("choices") ? &row.value.at("choices") : nullptr;
        if (!choices || !choices->is_array() || choices->size() < 2)
            bad("\"choices\" must be a list of at least 2 strings");
        for (const auto& c : *choices) {
            if (!c.is_string() || c.get<std::string>().empty()) bad("\"choices\" must be a list of non-empty strings");
            r.choices.push_back(c.get<std::string>());
        }
        const std::int64_t gold = int_field(row, "gold", path);
        if (gold < 0 || gold >= static_cast<std::int64_t>(r.choices.size()))
            bad("\"gold\" must index \"choices\" (0 to " + std::to_string(r.choices.size() - 1) + ")");
        r.gold = static_cast<int>(gold);
        r.src = {row.line, std::move(row.value)};
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace datasets
