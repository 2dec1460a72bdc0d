// The multilingual review page: a baseline run and a candidate run side by
// side, per language: each per-language metric of both (value ± standard
// error), the delta with its z score, regressions flagged (bad direction,
// beyond z standard errors and the relative threshold), and the greedy
// continuations both runs recorded in samples/, so a native speaker can judge
// the language itself. A reviewer's verdict per language lives in
// verdicts.json ({"<lang>": {"verdict": "better|same|worse", "comment",
// "reviewer", "date"}}), edited by hand or with the page's form (which
// downloads the edited file), and shown on the next render.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/report.h"

namespace reports {

struct language_verdict {
    std::string verdict, comment, reviewer, date;
    bool operator==(const language_verdict&) const = default;
};

// Throws harness::input_error "<file>: <lang>.<key>: <what>" for a malformed file.
std::map<std::string, language_verdict> load_verdicts(const std::string& path);
nlohmann::json verdicts_to_json(const std::map<std::string, language_verdict>& v);

struct review_row {
    std::string task, model, metric;
    bool higher_is_better = false;
    double base = 0, base_stderr = 0, now = 0, now_stderr = 0, z = 0;
    bool regression = false, improvement = false;
};

struct review_sample {
    std::string task, model, prompt, base_continuation, new_continuation;
};

struct review_language {
    std::string language;
    std::vector<review_row> rows;
    std::vector<review_sample> samples;
    bool flagged() const;
};

// Per language, sorted with flagged languages first.
std::vector<review_language> build_review(const run_report& base, const run_report& now, double z = 2.0,
                                          double threshold = 0.01);

// Writes OUT/index.html and OUT/review.json; verdicts from `verdicts_file`
// (default OUT/verdicts.json, when it exists).
void write_review(const run_report& base, const run_report& now, const std::string& out_dir,
                  const std::string& verdicts_file = "");

}  // namespace reports
