#include "reports/review_items.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <tuple>

#include "harness/errors.h"
#include "harness/json_file.h"

namespace reports {
namespace {

using json = nlohmann::json;

const char* const verdict_names[] = {"model_error", "data_error", "ambiguous", "fine"};

// Each choice's log-likelihood (filtered_resps: [logprob, is_greedy] per choice).
std::vector<double> choice_logprobs(const json& s) {
    std::vector<double> out;
    for (const json& r : s.at("filtered_resps")) out.push_back(r.at(0).get<double>());
    return out;
}

// The first choice with the largest log-likelihood, as the scorer picks it,
// and its lead over the best other choice.
item_pick pick_of(const json& s) {
    item_pick p;
    p.correct = s.value("acc", 0) == 1;
    if (s.contains("logprob")) {  // LAMBADA: one target, right when it is the greedy continuation
        p.pick = p.correct ? 0 : -1;
        p.margin = s.at("logprob").get<double>();
        return p;
    }
    const std::vector<double> lp = choice_logprobs(s);
    if (lp.empty()) return p;
    p.pick = static_cast<int>(std::max_element(lp.begin(), lp.end()) - lp.begin());
    double runner_up = -INFINITY;
    for (std::size_t i = 0; i < lp.size(); ++i)
        if (static_cast<int>(i) != p.pick) runner_up = std::max(runner_up, lp[i]);
    p.margin = std::isfinite(runner_up) ? lp[static_cast<std::size_t>(p.pick)] - runner_up : 0;
    return p;
}

// The prompt and the choices from "arguments": [[context, continuation], ...].
void fill_text(flipped_item& item, const json& s) {
    const json& args = s.at("arguments");
    bool same_context = true;
    for (const json& a : args) same_context = same_context && a.at(0) == args.at(0).at(0);
    item.prompt = same_context && !args.empty() ? args.at(0).at(0).get<std::string>() : "";
    for (const json& a : args)
        item.choices.push_back(same_context ? a.at(1).get<std::string>()
                                            : a.at(0).get<std::string>() + a.at(1).get<std::string>());
    const json& target = s.at("target");
    item.gold = target.is_number_integer() ? target.get<int>() : 0;
}

bool is_choice_sample(const json& s) {
    return s.contains("acc") && s.contains("arguments") && s.contains("filtered_resps");
}
// A line scored on its own (FLORES, UDHR); not a rolling text's unit, whose text the sample does not hold.
bool is_line_sample(const json& s) {
    return s.contains("bits_per_byte") && s.contains("target") && !s.contains("unit");
}

}  // namespace

review_items find_review_items(const run_samples& base, const run_samples& now, std::size_t lines_per_language) {
    review_items out;
    for (const auto& [key, base_lines] : base) {
        const auto found = now.find(key);
        if (found == now.end()) continue;
        const auto b = samples_by_doc(base_lines, ""), n = samples_by_doc(found->second, "");
        std::map<std::string, std::vector<changed_line>> lines;  // this task and model, by language
        for (const auto& [doc, x] : b) {
            const auto y = n.find(doc);
            if (y == n.end()) continue;
            const json& s = *x;
            const json& t = *y->second;
            const std::string language = s.value("language", std::string());
            try {
                if (is_choice_sample(s) && is_choice_sample(t)) {
                    if (s.at("acc") == t.at("acc")) continue;
                    flipped_item item;
                    item.task = key.first, item.model = key.second, item.language = language;
                    item.doc_hash = s.at("doc_hash").get<std::string>(),
                    item.doc_id = s.value("doc_id", std::int64_t{0});
                    fill_text(item, s);
                    item.base = pick_of(s), item.now = pick_of(t);
                    item.doc = s.value("doc", json::object());
                    out.flipped[language].push_back(std::move(item));
                } else if (is_line_sample(s) && is_line_sample(t)) {
                    changed_line line{key.first,
                                      key.second,
                                      language,
                                      s.at("doc_hash").get<std::string>(),
                                      s.at("target").get<std::string>(),
                                      s.value("doc_id", std::int64_t{0}),
                                      s.at("bits_per_byte").get<double>(),
                                      t.at("bits_per_byte").get<double>(),
                                      s.value("doc", json::object())};
                    lines[language].push_back(std::move(line));
                }
            } catch (const json::exception& e) {
                throw harness::input_error("samples/" + key.first + " [" + key.second + "] doc_hash " + doc + ": " +
                                           e.what());
            }
        }
        for (auto& [language, v] : lines) {
            std::stable_sort(v.begin(), v.end(), [](const changed_line& p, const changed_line& q) {
                return std::abs(p.new_bpb - p.base_bpb) > std::abs(q.new_bpb - q.base_bpb);
            });
            if (v.size() > lines_per_language) v.resize(lines_per_language);
            auto& all = out.lines[language];
            all.insert(all.end(), v.begin(), v.end());
        }
    }
    // Items that broke (right in the base run, wrong in the new) first, then by task and position.
    for (auto& [language, v] : out.flipped)
        std::stable_sort(v.begin(), v.end(), [](const flipped_item& p, const flipped_item& q) {
            return std::tuple(!p.base.correct, p.task, p.model, p.doc_id) <
                   std::tuple(!q.base.correct, q.task, q.model, q.doc_id);
        });
    return out;
}

item_verdicts load_item_verdicts(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw harness::input_error(path + ": cannot be read");
    item_verdicts out;
    std::uint64_t n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto fail = [&](const std::string& what) { throw harness::input_error(path, "line", n, what); };
        json j;
        try {
            j = harness::parse_json_text(line);
        } catch (const json::exception& e) {
            fail(std::string("malformed JSON: ") + e.what());
        }
        if (!j.is_object()) fail("expected an object {\"task\", \"doc_hash\", \"verdict\", ...}");
        item_verdict v;
        for (const auto& [k, x] : j.items()) {
            std::string* field = k == "task"       ? &v.task
                                 : k == "doc_hash" ? &v.doc_hash
                                 : k == "verdict"  ? &v.verdict
                                 : k == "comment"  ? &v.comment
                                 : k == "reviewer" ? &v.reviewer
                                 : k == "date"     ? &v.date
                                 : k == "language" ? &v.language
                                 : k == "model"    ? &v.model
                                                   : nullptr;
            if (k == "doc_id") {
                if (!x.is_number_integer()) fail("doc_id: expected an integer");
                v.doc_id = x.get<std::int64_t>();
                continue;
            }
            if (!field)
                fail("unknown key '" + k +
                     "' (expected task, doc_hash, verdict, comment, reviewer, date, language, model, doc_id)");
            if (!x.is_string()) fail(k + ": expected a string");
            *field = x.get<std::string>();
        }
        if (v.task.empty() || v.doc_hash.empty()) fail("an item verdict needs 'task' and 'doc_hash'");
        if (std::find(std::begin(verdict_names), std::end(verdict_names), v.verdict) == std::end(verdict_names))
            fail("verdict: expected model_error, data_error, ambiguous or fine, got \"" + v.verdict + "\"");
        out[{v.task, v.doc_hash}] = v;
    }
    return out;
}

json to_json(const item_verdict& x) {
    return {{"task", x.task},         {"doc_hash", x.doc_hash}, {"verdict", x.verdict},
            {"comment", x.comment},   {"reviewer", x.reviewer}, {"date", x.date},
            {"language", x.language}, {"model", x.model},       {"doc_id", x.doc_id}};
}

std::string item_verdicts_to_jsonl(const item_verdicts& v) {
    std::string s;
    for (const auto& [key, x] : v) s += to_json(x).dump() + "\n";
    return s;
}

std::string errata_jsonl(const item_verdicts& v, const item_docs& docs) {
    std::string s;
    for (const auto& [key, x] : v) {
        if (x.verdict != "data_error") continue;
        json e = {{"task", x.task},       {"doc_hash", x.doc_hash}, {"language", x.language}, {"doc_id", x.doc_id},
                  {"comment", x.comment}, {"reviewer", x.reviewer}, {"date", x.date}};
        if (const auto d = docs.find(key); d != docs.end()) e["doc"] = *d->second;
        s += e.dump() + "\n";
    }
    return s;
}

}  // namespace reports
