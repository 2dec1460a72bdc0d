#include "reports/review.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include "harness/atomic_file.h"
#include "harness/errors.h"
#include "harness/json_file.h"

namespace reports {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// continuations/<task>/<file>.jsonl of a run (samples/ in runs made before
// samples/ held per-example records): (task, model, language) -> {prompt, continuation}.
std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::string, std::string>> read_continuations(
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

}  // namespace

bool review_language::flagged() const {
    return std::any_of(rows.begin(), rows.end(),
                       [](const comparison_row& r) { return r.status == change::regression; });
}

double review_language::min_p() const {
    double p = 1;
    for (const comparison_row& r : rows)
        if (r.status != change::missing && r.status != change::added && r.status != change::not_comparable)
            p = std::min(p, p_value(r));
    return p;
}

std::string bcp47_tag(const std::string& code) {
    std::string t = code;
    std::replace(t.begin(), t.end(), '_', '-');
    return t;
}

std::string text_direction(const std::string& code) {
    if (code.empty() || code == "all" || code == "macro") return "auto";
    const std::string tag = bcp47_tag(code);
    const std::size_t dash = tag.find('-');
    const std::string language = tag.substr(0, dash), script = dash == std::string::npos ? "" : tag.substr(dash + 1);
    static const std::set<std::string> rtl_scripts = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Mand", "Samr"};
    static const std::set<std::string> rtl_languages = {
        "ar",  "arb", "ary", "arz", "acm", "apc", "ajp", "aeb", "ars", "he", "heb", "fa",  "pes", "prs", "ur",
        "urd", "yi",  "ydd", "ps",  "pbt", "sd",  "snd", "ug",  "uig", "dv", "div", "ckb", "azb", "ks",  "kas"};
    if (!script.empty()) return rtl_scripts.contains(script) ? "rtl" : "ltr";
    return rtl_languages.contains(language) ? "rtl" : "ltr";
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

review build_review(const run_report& base, const run_report& now, const gate_config& gate) {
    std::map<std::string, review_language> langs;
    const auto lang = [&](const std::string& code) -> review_language& {
        review_language& l = langs[code];
        l.language = code;
        return l;
    };
    // The per-language quality metrics, judged as `compare` judges them.
    std::set<std::string> language_keys;
    for (const auto& m : base.results)
        if (!m.language.empty() && !m.is_timing())
            language_keys.insert(m.task + "\n" + m.model + "\n" + m.metric + "\n" + m.where());
    const run_samples base_samples = load_run_samples(base), new_samples = load_run_samples(now);
    for (comparison_row& row : compare_reports(base, now, gate, base_samples, new_samples).rows)
        if (!row.timing && language_keys.contains(row.task + "\n" + row.model + "\n" + row.metric + "\n" + row.where))
            lang(row.where).rows.push_back(std::move(row));

    review_items items = find_review_items(base_samples, new_samples);
    for (auto& [code, v] : items.flipped) lang(code).flipped = std::move(v);
    for (auto& [code, v] : items.lines) lang(code).lines = std::move(v);

    const auto base_continuations = read_continuations(base), new_continuations = read_continuations(now);
    for (const auto& [key, b] : base_continuations) {
        const auto n = new_continuations.find(key);
        lang(std::get<2>(key))
            .samples.push_back({std::get<0>(key), std::get<1>(key), b.first, b.second,
                                n == new_continuations.end() ? "" : n->second.second});
    }
    review r;
    for (auto& [name, l] : langs) r.languages.push_back(std::move(l));
    // Languages, most significant regression first; the pooled rows ("all",
    // "macro") and the tasks without a language ("") after them.
    const auto pooled = [](const review_language& l) {
        return l.language.empty() || l.language == "all" || l.language == "macro";
    };
    std::stable_sort(r.languages.begin(), r.languages.end(), [&](const review_language& a, const review_language& b) {
        return std::tuple(pooled(a), !a.flagged(), a.min_p()) < std::tuple(pooled(b), !b.flagged(), b.min_p());
    });
    return r;
}

void write_review(const run_report& base, const run_report& now, const std::string& out_dir,
                  const std::string& verdicts_file, const std::string& item_verdicts_file) {
    fs::create_directories(out_dir);
    const std::string vpath = verdicts_file.empty() ? out_dir + "/verdicts.json" : verdicts_file;
    const std::string ipath = item_verdicts_file.empty() ? out_dir + "/item_verdicts.jsonl" : item_verdicts_file;
    const std::map<std::string, language_verdict> verdicts =
        fs::exists(vpath) ? load_verdicts(vpath) : std::map<std::string, language_verdict>{};
    const item_verdicts item_v = fs::exists(ipath) ? load_item_verdicts(ipath) : item_verdicts{};
    const review r = build_review(base, now);

    json languages = json::array();
    item_docs docs;  // what errata.jsonl quotes: each shown item's source record
    for (const review_language& l : r.languages) {
        json rows = json::array(), flipped = json::array(), lines = json::array();
        for (const comparison_row& x : l.rows)
            rows.push_back({{"task", x.task},
                            {"model", x.model},
                            {"metric", x.metric},
                            {"base", std::isfinite(x.base) ? json(x.base) : json(nullptr)},
                            {"new", std::isfinite(x.now) ? json(x.now) : json(nullptr)},
                            {"status", to_string(x.status)},
                            {"evidence", evidence_text(x)},
                            {"p", p_value(x)}});
        for (const flipped_item& f : l.flipped) {
            flipped.push_back({{"task", f.task},
                               {"model", f.model},
                               {"doc_hash", f.doc_hash},
                               {"doc_id", f.doc_id},
                               {"gold", f.gold},
                               {"base_pick", f.base.pick},
                               {"base_margin", f.base.margin},
                               {"new_pick", f.now.pick},
                               {"new_margin", f.now.margin},
                               {"broke", f.base.correct && !f.now.correct}});
            docs.emplace(std::pair{f.task, f.doc_hash}, &f.doc);
        }
        for (const changed_line& c : l.lines) {
            lines.push_back({{"task", c.task},
                             {"model", c.model},
                             {"doc_hash", c.doc_hash},
                             {"doc_id", c.doc_id},
                             {"base_bits_per_byte", c.base_bpb},
                             {"new_bits_per_byte", c.new_bpb}});
            docs.emplace(std::pair{c.task, c.doc_hash}, &c.doc);
        }
        languages.push_back({{"language", l.language},
                             {"flagged", l.flagged()},
                             {"min_p", l.min_p()},
                             {"rows", rows},
                             {"flipped", flipped},
                             {"lines", lines}});
    }
    harness::write_file_atomically(out_dir + "/index.html",
                                   review_page_html(base, now, r, verdicts, item_v, vpath, ipath));
    harness::write_file_atomically(
        out_dir + "/review.json",
        json{{"base", base.path}, {"new", now.path}, {"languages", languages}, {"verdicts", verdicts_to_json(verdicts)}}
                .dump(2) +
            "\n");
    harness::write_file_atomically(out_dir + "/errata.jsonl", errata_jsonl(item_v, docs));
}

}  // namespace reports
