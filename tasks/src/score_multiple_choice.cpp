// The multiple_choice scorer: each choice's continuation is scored by its
// summed log-likelihood after the pad and its context; acc picks the highest
// sum, acc_norm the highest sum per UTF-8 byte of the continuation (byte-
// normalised, so choices of different lengths and tokenizers compare).
// Accuracy per language and the macro average over languages ("macro").
#include <cmath>

#include "harness/errors.h"
#include "harness/stats.h"
#include "task_context.h"
#include "tasks/requests.h"
#include "tasks/scorer.h"

namespace tasks {

void score_multiple_choice(task_context& c) {
    const std::vector<std::int32_t> pad = c.pad_ids();
    std::vector<std::pair<double, double>> acc_by_lang, norm_by_lang;
    std::int64_t n_all = 0;
    for (const choice_set& set : load_choice_sets(c.def, c.config.data_dir, c.langs, c.limit)) {
        auto progress = c.progress(set.language, set.examples.size());
        std::vector<double> correct, correct_norm;
        for (std::size_t i = 0; i < set.examples.size(); ++i) {
            const choice_example& ex = set.examples[i];
            const auto k = c.key(set.language + ":" + ex.id);
            const nlohmann::json* done = c.j.find(k);
            if (!done) {
                std::vector<double> lp, bytes;
                for (std::size_t ch = 0; ch < ex.n_choices(); ++ch) {
                    std::vector<std::int32_t> context = pad;
                    const auto encoded = c.tok.encode(ex.context(ch));
                    context.insert(context.end(), encoded.begin(), encoded.end());
                    const std::string& cont = ex.continuation(ch);
                    lp.push_back(loglikelihood(c.engine, context, c.tok.encode(cont)).logprob);
                    bytes.push_back(static_cast<double>(cont.size()));
                }
                c.j.append(k, {{"logprobs", lp}, {"bytes", bytes}, {"gold", ex.gold}, {"language", set.language}});
                done = c.j.find(k);
            }
            const auto lp = done->at("logprobs").get<std::vector<double>>();
            const auto bytes = done->at("bytes").get<std::vector<double>>();
            // Ties go to the first choice, as numpy's argmax.
            std::size_t best = 0, best_norm = 0;
            for (std::size_t ch = 1; ch < lp.size(); ++ch) {
                if (lp[ch] > lp[best]) best = ch;
                if (lp[ch] / bytes[ch] > lp[best_norm] / bytes[best_norm]) best_norm = ch;
            }
            const auto gold = static_cast<std::size_t>(done->at("gold").get<int>());
            correct.push_back(best == gold ? 1.0 : 0.0);
            correct_norm.push_back(best_norm == gold ? 1.0 : 0.0);
            progress.update(i + 1);
        }
        const auto n = static_cast<std::int64_t>(correct.size());
        // Binomial standard error sqrt(p(1-p)/(n-1)) equals the sample standard error of 0/1 outcomes.
        acc_by_lang.push_back(harness::mean_and_stderr(correct));
        norm_by_lang.push_back(harness::mean_and_stderr(correct_norm));
        c.add("acc", acc_by_lang.back().first, acc_by_lang.back().second, n, set.language);
        c.add("acc_norm", norm_by_lang.back().first, norm_by_lang.back().second, n, set.language);
        n_all += n;
    }
    if (acc_by_lang.empty()) return;
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

}  // namespace tasks
