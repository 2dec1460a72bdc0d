#include "datasets/choice_records.h"
#include "datasets/text_table.h"
#include "harness/errors.h"

namespace datasets {

std::vector<xstorycloze_record> read_xstorycloze(const std::string& path) {
    static const std::array<const char*, 8> columns = {
        "InputStoryid",          "InputSentence1", "InputSentence2", "InputSentence3", "InputSentence4",
        "RandomFifthSentenceQuiz1", "RandomFifthSentenceQuiz2", "AnswerRightEnding"};
    std::vector<xstorycloze_record> out;
    for (const auto& row : read_tsv(path, {.columns = 8, .header = true})) {
        const auto& f = row.fields;
        const auto bad = [&](const std::string& what) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(row.line), what);
        };
        for (std::size_t i = 1; i < 7; ++i)
            if (f[i].empty()) bad("column " + std::to_string(i + 1) + " is empty");
        if (f[7] != "1" && f[7] != "2") bad("AnswerRightEnding must be 1 or 2, got '" + f[7] + "'");
        xstorycloze_record r;
        r.src.line = row.line;
        r.src.doc = nlohmann::json::object();
        for (std::size_t i = 0; i < columns.size(); ++i) r.src.doc[columns[i]] = f[i];
        r.story_id = f[0];
        r.sentences = {f[1], f[2], f[3], f[4]};
        r.endings = {f[5], f[6]};
        r.right_ending = f[7] == "1" ? 0 : 1;
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace datasets
