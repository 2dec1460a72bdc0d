#include "tasks/lambada.h"

#include <cmath>

#include "harness/errors.h"

namespace tasks {

lambada_ids lambada_tokens(const engines::tokenizer& tok, const std::string& context_text, const std::string& target,
                           bool pad) {
    lambada_ids ids{pad ? tok.encode("\n") : std::vector<std::int32_t>{}, tok.encode(target)};
    const std::vector<std::int32_t> encoded = tok.encode(context_text);
    ids.context.insert(ids.context.end(), encoded.begin(), encoded.end());
    return ids;
}

loglikelihood_result score_lambada(engines::engine& e, const engines::tokenizer& tok, const std::string& context_text,
                                   const std::string& target, bool pad) {
    const lambada_ids ids = lambada_tokens(tok, context_text, target, pad);
    return loglikelihood(e, ids.context, ids.target);
}

lambada_metrics aggregate_lambada(const std::vector<loglikelihood_result>& results) {
    lambada_metrics m;
    const auto n = static_cast<double>(results.size());
    if (results.empty()) return m;
    double correct = 0, sum = 0, sum_sq = 0;
    for (const auto& r : results) {
        correct += r.greedy ? 1 : 0;
        sum += r.logprob;
        sum_sq += r.logprob * r.logprob;
    }
    const double p = correct / n, mean = sum / n;
    const double var = results.size() > 1 ? (sum_sq - n * mean * mean) / (n - 1) : 0.0;
    m.acc = {p, results.size() > 1 ? std::sqrt(p * (1 - p) / (n - 1)) : 0.0, static_cast<std::int64_t>(results.size())};
    const double ppl = std::exp(-mean);
    m.ppl = {ppl, ppl * std::sqrt(std::max(0.0, var) / n), static_cast<std::int64_t>(results.size())};
    return m;
}

}  // namespace tasks
