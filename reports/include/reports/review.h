// The multilingual review page: a baseline run and a candidate run side by
// side, per language, for a native speaker to judge.
//
// Per language: each per-language metric of both runs with the evidence
// `compare` uses (paired tests on the examples both runs scored, Holm-
// adjusted; else z on the standard errors), regressions flagged; the items
// whose correctness flipped (prompt, choices, both runs' picks and margins)
// and the bits-per-byte lines that changed most (review_items.h); and the
// greedy continuations both runs recorded. Languages come most significant
// regression first, the pooled rows ("all", "macro") last.
//
// Verdicts: per language in verdicts.json ({"<lang>": {"verdict":
// "better|same|worse", "comment", "reviewer", "date"}}), per item in
// item_verdicts.jsonl (review_items.h), both edited on the page (offline:
// its buttons download the edited files) or by hand, and shown on the next
// render; the items judged data_error go to errata.jsonl.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/compare.h"
#include "reports/report.h"
#include "reports/review_items.h"

namespace reports {

struct language_verdict {
    std::string verdict, comment, reviewer, date;
    bool operator==(const language_verdict&) const = default;
};

// Throws harness::input_error "<file>: <lang>.<key>: <what>" for a malformed file.
std::map<std::string, language_verdict> load_verdicts(const std::string& path);
nlohmann::json verdicts_to_json(const std::map<std::string, language_verdict>& v);

struct review_sample {
    std::string task, model, prompt, base_continuation, new_continuation;
};

struct review_language {
    std::string language;
    std::vector<comparison_row> rows;  // its metrics, as compare_reports judged them
    std::vector<flipped_item> flipped;
    std::vector<changed_line> lines;
    std::vector<review_sample> samples;
    bool flagged() const;  // a regression in any of its metrics
    double min_p() const;  // the strongest evidence of a change in its rows (1 when none)
};

struct review {
    // Languages flagged first, then by min_p, then by name; then the pooled
    // rows ("all", "macro") and tasks without a language ("").
    std::vector<review_language> languages;
};

review build_review(const run_report& base, const run_report& now, const gate_config& gate = {});

// Writes OUT/index.html, OUT/review.json and OUT/errata.jsonl; verdicts from
// `verdicts_file` (default OUT/verdicts.json) and `item_verdicts_file`
// (default OUT/item_verdicts.jsonl), where they exist.
void write_review(const run_report& base, const run_report& now, const std::string& out_dir,
                  const std::string& verdicts_file = "", const std::string& item_verdicts_file = "");

// The page itself (review_page.cpp).
std::string review_page_html(const run_report& base, const run_report& now, const review& r,
                             const std::map<std::string, language_verdict>& verdicts, const item_verdicts& items,
                             const std::string& verdicts_path, const std::string& item_verdicts_path);

// "arb_Arab" → "arb-Arab" (BCP 47, for lang=""), and the writing direction
// of a language code: "rtl" for Arabic, Hebrew, Thaana, Syriac, N'Ko scripts
// and the usual codes of languages written in them, "ltr" for other known
// codes, "auto" for "" and pooled rows ("all", "macro").
std::string bcp47_tag(const std::string& code);
std::string text_direction(const std::string& code);

}  // namespace reports
