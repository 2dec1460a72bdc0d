// The multiple_choice scorer: each choice's continuation is scored by its
// summed log-likelihood after the pad and its context; acc picks the highest
// sum, acc_norm the highest sum per UTF-8 byte of the continuation (byte-
// normalised, so choices of different lengths and tokenizers compare).
// Accuracy per language and the macro average over languages ("macro").
// The formats and their prompts are choice_formats.h's table.
#include <cmath>
#include <map>

#include "choice_formats.h"
#include "harness/errors.h"
#include "harness/stats.h"
#include "task_context.h"
#include "tasks/scorer.h"

namespace tasks {
namespace {

// The prompt words of `lang` from options.words (each listed language's words are validated at load).
const nlohmann::json& words_for(const task_definition& d, const choice_format& f, const std::string& lang) {
    static const nlohmann::json none;
    if (f.words.empty()) return none;
    const nlohmann::json& w = d.options.at("words");
    if (!w.contains(lang))
        throw harness::input_error(d.file + ": options.words." + lang + ": no prompt words for language '" + lang +
                                   "'");
    return w.at(lang);
}

void add_items(task_requests& out, std::vector<choice_item> items, const std::string& lang) {
    for (auto& it : items)
        out.requests.push_back(make_request(request_kind::multiple_choice, lang.empty() ? it.id : lang + ":" + it.id, lang,
                                            std::move(it.contexts), std::move(it.continuations), it.gold,
                                            std::move(it.doc)));
}

}  // namespace

task_requests multiple_choice_requests(const task_definition& d, const task_input& in) {
    const choice_format* f = find_choice_format(d.format);
    if (!f) throw harness::input_error(d.file + ": dataset.format: '" + d.format + "' is not a multiple-choice format");
    task_requests out;
    if (f->languages_in_file) {
        // One file, every language in its rows: read once, grouped by language (in the wanted order).
        std::map<std::string, std::vector<choice_item>> by_lang;
        for (auto& it : f->read(in.folders.path(d.data_path), nlohmann::json())) by_lang[it.language].push_back(std::move(it));
        for (const auto& [lang, items] : by_lang) out.available.push_back(lang);
        out.languages = wanted_languages(out.available, in.langs);
        for (const auto& lang : out.languages) add_items(out, std::move(by_lang.at(lang)), lang);
        return out;
    }
    if (!d.per_language()) {
        add_items(out, f->read(in.folders.path(d.data_path), words_for(d, *f, "")), "");
        return out;
    }
    out.available = in.folders.languages(d.data_path);
    out.languages = wanted_languages(out.available, in.langs);
    for (const auto& lang : out.languages)
        add_items(out, f->read(in.folders.path(d.data_path, lang), words_for(d, *f, lang)), lang);
    return out;
}

void score_multiple_choice(task_context& c, const std::vector<request>& requests) {
    const std::vector<std::int32_t> pad = c.pad_ids();
    std::vector<std::pair<double, double>> acc_by_lang, norm_by_lang;
    std::int64_t n_all = 0;
    for (const std::span<const request> run : language_runs(requests, request_kind::multiple_choice)) {
        const std::string& lang = run.front().language;
        auto progress = c.progress(lang, run.size());
        // Every choice of every example of a batch is one sequence of one forward_batch.
        const auto outcomes =
            batch_outcomes<reports::choice_outcome>(c, run, progress, [&](std::span<const request> batch) {
                std::vector<std::vector<std::int32_t>> contexts, continuations;
                for (const request& r : batch)
                    for (std::size_t ch = 0; ch < r.n_choices(); ++ch) {
                        contexts.push_back(pad);
                        const auto encoded = c.tok.encode(r.context(ch));
                        contexts.back().insert(contexts.back().end(), encoded.begin(), encoded.end());
                        continuations.push_back(c.tok.encode(r.continuation(ch)));
                    }
                std::vector<loglikelihood_pair> pairs;
                for (std::size_t i = 0; i < contexts.size(); ++i) pairs.push_back({contexts[i], continuations[i]});
                const std::vector<loglikelihood_result> scored =
                    loglikelihood_batch(c.engine, pairs, c.config.batch_size);
                std::vector<reports::choice_outcome> out;
                std::size_t next = 0;
                for (const request& r : batch) {
                    std::vector<double> lp, bytes;
                    for (std::size_t ch = 0; ch < r.n_choices(); ++ch) {
                        lp.push_back(scored[next++].logprob);
                        bytes.push_back(static_cast<double>(r.continuation(ch).size()));
                    }
                    out.push_back({lp, bytes, r.gold});
                }
                return out;
            });
        std::vector<double> correct, correct_norm;
        for (const auto& o : outcomes) {
            correct.push_back(o.correct() ? 1.0 : 0.0);
            correct_norm.push_back(o.correct_per_byte() ? 1.0 : 0.0);
        }
        const auto n = static_cast<std::int64_t>(correct.size());
        // Binomial standard error sqrt(p(1-p)/(n-1)) equals the sample standard error of 0/1 outcomes.
        acc_by_lang.push_back(harness::mean_and_stderr(correct));
        norm_by_lang.push_back(harness::mean_and_stderr(correct_norm));
        c.add("acc", acc_by_lang.back().first, acc_by_lang.back().second, n, lang);
        c.add("acc_norm", norm_by_lang.back().first, norm_by_lang.back().second, n, lang);
        n_all += n;
    }
    if (acc_by_lang.empty() || requests.front().language.empty()) return;  // macro: over languages
    const auto macro = [](const std::vector<std::pair<double, double>>& v) {
        double m = 0, var = 0;
        for (const auto& [mean, se] : v) m += mean, var += se * se;
        const auto l = static_cast<double>(v.size());
        return std::pair{m / l, std::sqrt(var) / l};
    };
    const auto [acc, acc_se] = macro(acc_by_lang);
    const auto [norm, norm_se] = macro(norm_by_lang);
    c.add("acc", acc, acc_se, n_all, "macro");
    c.add("acc_norm", norm, norm_se, n_all, "macro");
}

nlohmann::json multiple_choice_sample(const request& r, const nlohmann::json& record) {
    const auto o = record.get<reports::choice_outcome>();
    nlohmann::json arguments = nlohmann::json::array(), resps = nlohmann::json::array(),
                   filtered = nlohmann::json::array();
    for (std::size_t ch = 0; ch < r.n_choices(); ++ch) {
        arguments.push_back({r.context(ch), r.continuation(ch)});
        const nlohmann::json resp = {o.logprobs.at(ch), false};  // "is greedy" is not computed for choices
        resps.push_back({resp});
        filtered.push_back(resp);
    }
    return {{"target", r.gold},
            {"arguments", arguments},
            {"resps", resps},
            {"filtered_resps", filtered},
            {"acc", o.correct() ? 1 : 0},
            {"acc_norm", o.correct_per_byte() ? 1 : 0},
            {"bytes", o.bytes}};
}

}  // namespace tasks
