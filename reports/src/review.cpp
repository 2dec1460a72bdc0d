#include "reports/review.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/atomic_file.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "reports/render.h"

namespace reports {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// continuations/<task>/<file>.jsonl of a run (samples/ in runs made before
// samples/ held per-example records): (task, model, language) -> {prompt, continuation}.
std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::string, std::string>> read_samples(
    const run_report& r) {
    std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::string, std::string>> out;
    fs::path root = fs::path(r.dir) / "continuations";
    const bool old_layout = !fs::exists(root);
    if (old_layout) root = fs::path(r.dir) / "samples";
    if (!fs::exists(root)) return out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || e.path().extension() != ".jsonl") continue;
        const std::string task = e.path().parent_path().filename().string();
        std::ifstream in(e.path());
        std::int64_t n = 0;
        for (std::string line; std::getline(in, line);) {
            ++n;
            if (line.empty()) continue;
            try {
                const json j = harness::parse_json_text(line);
                if (old_layout && !j.contains("continuation")) continue;  // a per-example sample, not a continuation
                out[{task, j.at("model").get<std::string>(), j.at("language").get<std::string>()}] = {
                    j.at("prompt").get<std::string>(), j.at("continuation").get<std::string>()};
            } catch (const json::exception& ex) {
                throw harness::input_error(e.path().string(), "line", static_cast<std::uint64_t>(n),
                                           std::string("malformed sample: ") + ex.what());
            }
        }
    }
    return out;
}

bool per_language(const metric_result& m) { return !m.language.empty() && !m.is_timing(); }

}  // namespace

bool review_language::flagged() const {
    return std::any_of(rows.begin(), rows.end(), [](const review_row& r) { return r.regression; });
}

std::map<std::string, language_verdict> load_verdicts(const std::string& path) {
    return harness::with_json_errors(path, [&] {
        const json j = harness::read_json_file(path);
        if (!j.is_object())
            throw harness::input_error(path +
                                       ": expected {\"<lang>\": {\"verdict\", \"comment\", \"reviewer\", \"date\"}}");
        std::map<std::string, language_verdict> out;
        for (const auto& [lang, v] : j.items()) {
            if (!v.is_object()) throw harness::input_error(path + ": " + lang + ": expected an object");
            for (const auto& [k, x] : v.items()) {
                if (k != "verdict" && k != "comment" && k != "reviewer" && k != "date")
                    throw harness::input_error(path + ": " + lang + "." + k +
                                               ": unknown key (expected verdict, comment, reviewer, date)");
                if (!x.is_string()) throw harness::input_error(path + ": " + lang + "." + k + ": expected a string");
            }
            language_verdict d{v.value("verdict", ""), v.value("comment", ""), v.value("reviewer", ""),
                               v.value("date", "")};
            if (d.verdict != "better" && d.verdict != "same" && d.verdict != "worse")
                throw harness::input_error(
                    path + ": " + lang + ".verdict: expected \"better\", \"same\" or \"worse\", got \"" + d.verdict + "\"");
            out[lang] = d;
        }
        return out;
    });
}

json verdicts_to_json(const std::map<std::string, language_verdict>& v) {
    json j = json::object();
    for (const auto& [lang, d] : v)
        j[lang] = {{"verdict", d.verdict}, {"comment", d.comment}, {"reviewer", d.reviewer}, {"date", d.date}};
    return j;
}

std::vector<review_language> build_review(const run_report& base, const run_report& now, double z, double threshold) {
    std::map<std::string, const metric_result*> in_new;  // by key; the first of repeated keys, as compare
    for (const auto& x : now.results)
        if (per_language(x)) in_new.emplace(x.key(), &x);
    std::map<std::string, review_language> langs;
    for (const auto& b : base.results) {
        if (!per_language(b)) continue;
        const auto found = in_new.find(b.key());
        if (found == in_new.end()) continue;
        const metric_result* n = found->second;
        review_row row{b.task, b.model, b.metric, b.higher_is_better, b.value, b.stderr_, n->value, n->stderr_,
                       0,      false,   false};
        const double se = std::sqrt(b.stderr_ * b.stderr_ + n->stderr_ * n->stderr_);
        const double delta = n->value - b.value;
        row.z = se > 0 ? delta / se : (delta == 0 ? 0.0 : INFINITY);
        const bool big = std::abs(delta) > threshold * std::abs(b.value) && std::abs(row.z) > z;
        const bool worse = b.higher_is_better ? delta < 0 : delta > 0;
        row.regression = big && worse;
        row.improvement = big && !worse;
        auto& l = langs[b.language];
        l.language = b.language;
        l.rows.push_back(row);
    }
    const auto base_samples = read_samples(base), new_samples = read_samples(now);
    for (const auto& [key, b] : base_samples) {
        const auto n = new_samples.find(key);
        auto& l = langs[std::get<2>(key)];
        l.language = std::get<2>(key);
        l.samples.push_back(
            {std::get<0>(key), std::get<1>(key), b.first, b.second, n == new_samples.end() ? "" : n->second.second});
    }
    std::vector<review_language> out;
    for (auto& [name, l] : langs) out.push_back(std::move(l));
    std::stable_sort(out.begin(), out.end(),
                     [](const review_language& a, const review_language& b) { return a.flagged() && !b.flagged(); });
    return out;
}

void write_review(const run_report& base, const run_report& now, const std::string& out_dir,
                  const std::string& verdicts_file) {
    fs::create_directories(out_dir);
    const std::string vpath = verdicts_file.empty() ? out_dir + "/verdicts.json" : verdicts_file;
    const std::map<std::string, language_verdict> verdicts =
        fs::exists(vpath) ? load_verdicts(vpath) : std::map<std::string, language_verdict>{};
    const auto review = build_review(base, now);

    json data = json::array();
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rwkvbench review</title><style>"
         "body{font-family:system-ui,sans-serif;margin:2em;max-width:1300px;color:#222}"
         "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}"
         "td.n{text-align:right;font-variant-numeric:tabular-nums}tr.regression{background:#fdd}tr.improvement{"
         "background:#dfd}"
         "section{border-top:2px solid "
         "#999;margin-top:1.5em}.flag{color:#b00;font-weight:bold}.verdict{background:#eef;padding:.3em .6em}"
         "td.text{white-space:pre-wrap;overflow-wrap:anywhere;max-width:40em}</style></head><body>\n<h1>Multilingual "
         "review</h1>\n<p>Base: <code>"
      << html_escape(base.path) << "</code> (" << html_escape(base.context.date) << ", "
      << html_escape(base.context.git_commit) << ")<br>New: <code>" << html_escape(now.path) << "</code> ("
      << html_escape(now.context.date) << ", " << html_escape(now.context.git_commit)
      << ")</p>\n<p>A change is flagged when it goes the bad way by more than 1% and more than 2 standard errors of "
         "the difference."
         " Verdicts: <code>"
      << html_escape(vpath) << "</code>.</p>\n<form id=\"verdicts-form\">\n";
    for (const auto& l : review) {
        const std::string id = html_escape(l.language);
        h << "<section><h2 id=\"" << id << "\">" << id << (l.flagged() ? " <span class=flag>regression</span>" : "")
          << "</h2>\n";
        if (const auto v = verdicts.find(l.language); v != verdicts.end())
            h << "<p class=verdict>Verdict: <b>" << html_escape(v->second.verdict) << "</b> — "
              << html_escape(v->second.comment) << " (" << html_escape(v->second.reviewer) << ", "
              << html_escape(v->second.date) << ")</p>\n";
        json lang_rows = json::array();
        if (!l.rows.empty()) {
            h << "<table><tr><th>Task</th><th>Model</th><th>Metric</th><th>↑↓</th><th>Base</th><th>New</th><th>Δ</"
                 "th><th>z</th></tr>\n";
            for (const auto& r : l.rows) {
                h << "<tr class=\""
                  << (r.regression    ? "regression"
                      : r.improvement ? "improvement"
                                      : "")
                  << "\"><td>" << html_escape(r.task) << "</td><td>" << html_escape(r.model) << "</td><td>"
                  << html_escape(r.metric) << "</td><td>" << (r.higher_is_better ? "↑" : "↓") << "</td><td class=n>"
                  << format_number(r.base) << " ± " << format_number(r.base_stderr, 2) << "</td><td class=n>"
                  << format_number(r.now) << " ± " << format_number(r.now_stderr, 2) << "</td><td class=n>"
                  << format_number(r.now - r.base, 3) << "</td><td class=n>" << format_number(r.z, 3) << "</td></tr>\n";
                lang_rows.push_back({{"task", r.task},
                                     {"model", r.model},
                                     {"metric", r.metric},
                                     {"base", r.base},
                                     {"base_stderr", r.base_stderr},
                                     {"new", r.now},
                                     {"new_stderr", r.now_stderr},
                                     {"z", std::isfinite(r.z) ? json(r.z) : json(nullptr)},
                                     {"regression", r.regression},
                                     {"improvement", r.improvement}});
            }
            h << "</table>\n";
        }
        if (!l.samples.empty()) {
            h << "<table><tr><th>Task / model</th><th>Prompt</th><th>Base continuation</th><th>New "
                 "continuation</th></tr>\n";
            for (const auto& s : l.samples)
                h << "<tr><td>" << html_escape(s.task) << "<br>" << html_escape(s.model) << "</td><td class=text>"
                  << html_escape(s.prompt) << "</td><td class=text lang=\"" << id << "\">"
                  << html_escape(s.base_continuation) << "</td><td class=text lang=\"" << id << "\">"
                  << html_escape(s.new_continuation) << "</td></tr>\n";
            h << "</table>\n";
        }
        const auto v = verdicts.find(l.language);
        const std::string current = v == verdicts.end() ? "" : v->second.verdict;
        h << "<p>Your verdict: <select name=\"verdict\" data-lang=\"" << id << "\"><option value=\"\"></option>";
        for (const char* opt : {"better", "same", "worse"})
            h << "<option" << (current == opt ? " selected" : "") << ">" << opt << "</option>";
        h << "</select> comment <input name=\"comment\" data-lang=\"" << id << "\" size=60 value=\""
          << html_escape(v == verdicts.end() ? "" : v->second.comment) << "\"></p></section>\n";
        data.push_back({{"language", l.language}, {"flagged", l.flagged()}, {"rows", lang_rows}});
    }
    // The form turns the choices into a verdicts.json to download; nothing leaves the machine.
    std::string embedded = verdicts_to_json(verdicts).dump();
    for (std::size_t at = 0; (at = embedded.find("</", at)) != std::string::npos; at += 3)
        embedded.replace(at, 2, "<\\/");
    h << "<p>Reviewer <input id=\"reviewer\" size=20> <button type=\"button\" id=\"save\">Download "
         "verdicts.json</button> "
         "(save it as <code>verdicts.json</code> in this folder and render again)</p></form>\n"
         "<script type=\"application/json\" id=\"verdicts\">"
      << embedded
      << "</script>\n"
         "<script>\n"
         "document.getElementById('save').onclick = function () {\n"
         "  const v = JSON.parse(document.getElementById('verdicts').textContent);\n"
         "  const who = document.getElementById('reviewer').value;\n"
         "  const today = new Date().toISOString().slice(0, 10);\n"
         "  document.querySelectorAll('select[name=verdict]').forEach(function (s) {\n"
         "    const lang = s.dataset.lang;\n"
         "    const comment = document.querySelector('input[name=comment][data-lang=\"' + lang + '\"]').value;\n"
         "    if (!s.value) { delete v[lang]; return; }\n"
         "    const old = v[lang] || {};\n"
         "    const changed = old.verdict !== s.value || old.comment !== comment;\n"
         "    v[lang] = {verdict: s.value, comment: comment, reviewer: changed ? who : old.reviewer, date: changed ? "
         "today : old.date};\n"
         "  });\n"
         "  const a = document.createElement('a');\n"
         "  a.href = URL.createObjectURL(new Blob([JSON.stringify(v, null, 2) + '\\n'], {type: 'application/json'}));\n"
         "  a.download = 'verdicts.json';\n"
         "  a.click();\n"
         "};\n"
         "</script>\n</body></html>\n";
    harness::write_file_atomically(out_dir + "/index.html", h.str());
    harness::write_file_atomically(
        out_dir + "/review.json",
        json{{"base", base.path}, {"new", now.path}, {"languages", data}, {"verdicts", verdicts_to_json(verdicts)}}
                .dump(2) +
            "\n");
}

}  // namespace reports
