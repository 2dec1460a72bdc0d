#include "datasets/choice_records.h"
#include "datasets/text_table.h"
#include "harness/errors.h"
#include "harness/json_file.h"

namespace datasets {

using json = nlohmann::json;

std::vector<xwinograd_record> read_xwinograd(const std::string& path) {
    std::vector<xwinograd_record> out;
    for (const auto& row : read_tsv(path, {.columns = 7})) {
        const auto& f = row.fields;
        const auto bad = [&](const std::string& what) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(row.line), what);
        };
        json tokens, pronoun, candidates;
        try {
            tokens = harness::parse_json_text(f[4]), pronoun = harness::parse_json_text(f[5]),
            candidates = harness::parse_json_text(f[6]);
        } catch (const json::exception& e) {
            bad(std::string("malformed JSON in columns 5-7: ") + e.what());
        }
        xwinograd_record r;
        r.src = {row.line,
                 {{"lang", f[0]},
                  {"source", f[1]},
                  {"id", f[2]},
                  {"text", f[3]},
                  {"tokens", f[4]},
                  {"pronoun", f[5]},
                  {"candidates", f[6]}}};
        r.language = f[0];
        r.text = f[3];
        // Tokens are found in the text in order, which gives their byte offsets.
        std::vector<std::pair<std::size_t, std::size_t>> spans;
        std::size_t at = 0;
        if (!tokens.is_array()) bad("column 5 must be a list of strings");
        for (const auto& t : tokens) {
            if (!t.is_string()) bad("column 5 must be a list of strings");
            std::string tok = t.get<std::string>();
            std::size_t pos = r.text.find(tok, at);
            if (pos == std::string::npos && (tok == "``" || tok == "''")) pos = r.text.find('"', at), tok = "\"";
            if (pos == std::string::npos) bad("token '" + tok + "' not found in the text");
            spans.emplace_back(pos, pos + tok.size());
            at = pos + tok.size();
        }
        const auto range = [&](const json& x) -> std::pair<std::size_t, std::size_t> {
            if (!x.is_array() || x.size() != 2 || !x[0].is_number_integer() || !x[1].is_number_integer() ||
                x[0].get<std::int64_t>() < 0 || x[0].get<std::int64_t>() >= x[1].get<std::int64_t>() ||
                x[1].get<std::int64_t>() > static_cast<std::int64_t>(spans.size()))
                bad("a token range [start, end) outside the tokens");
            return {spans[x[0].get<std::size_t>()].first, spans[x[1].get<std::size_t>() - 1].second};
        };
        if (!pronoun.is_array() || pronoun.size() != 3) bad("column 6 must be [text, [start, end), tokens]");
        std::tie(r.pronoun_begin, r.pronoun_end) = range(pronoun[1]);
        if (!candidates.is_array() || candidates.size() < 2) bad("column 7 must list at least 2 candidates");
        r.correct = -1;
        for (const auto& c : candidates) {
            if (!c.is_array() || c.size() != 4 || !c[0].is_string() || !c[3].is_boolean())
                bad("a candidate must be [text, [start, end), tokens, is_correct]");
            r.candidates.push_back(c[0].get<std::string>());
            if (c[3].get<bool>()) {
                if (r.correct >= 0) bad("more than one candidate is marked correct");
                r.correct = static_cast<int>(r.candidates.size() - 1);
            }
        }
        if (r.correct < 0) bad("no candidate is marked correct");
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace datasets
