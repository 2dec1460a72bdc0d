// The lambada scorer: ChatRWKV's protocol (tasks/lambada.h), the pad from
// options.pad ("" = lm-eval's definition). One loglikelihood request per
// passage: the context before the last space, the target " <last word>".
#include "datasets/lambada.h"
#include "task_context.h"
#include "tasks/lambada.h"

namespace tasks {

task_requests lambada_requests(const task_definition& d, const task_input& in) {
    task_requests out;
    for (auto& ex : datasets::load_lambada(in.folders.path(d.data_path)))
        out.requests.push_back(make_request(request_kind::loglikelihood, std::to_string(ex.line), "", {ex.context},
                                            {ex.target}, -1, std::move(ex.doc)));
    return out;
}

void score_lambada(task_context& c, const std::vector<request>& requests) {
    const bool pad = !c.def.options.value("pad", std::string("\n")).empty();
    auto progress = c.progress("", requests.size());
    const auto outcomes =
        batch_outcomes<reports::target_outcome>(c, requests, progress, [&](std::span<const request> batch) {
            std::vector<lambada_ids> ids;
            for (const request& r : batch)
                ids.push_back(lambada_tokens(c.tok, r.contexts.at(0), r.continuations.at(0), pad));
            std::vector<loglikelihood_pair> pairs;
            for (const auto& x : ids) pairs.push_back({x.context, x.target});
            std::vector<reports::target_outcome> out;
            for (const auto& ll : loglikelihood_batch(c.engine, pairs, c.config.batch_size))
                out.push_back({ll.logprob, ll.greedy, ll.n_tokens});
            return out;
        });
    std::vector<loglikelihood_result> scored;
    for (const auto& o : outcomes) scored.push_back({o.logprob, o.greedy, o.n_tokens});
    const lambada_metrics m = aggregate_lambada(scored);
    c.add("acc", m.acc.value, m.acc.stderr_, m.acc.n);
    c.add("ppl", m.ppl.value, m.ppl.stderr_, m.ppl.n);
}

nlohmann::json lambada_sample(const request& r, const nlohmann::json& record) {
    const auto o = record.get<reports::target_outcome>();
    const nlohmann::json resp = {o.logprob, o.greedy};
    return {{"target", r.continuations.at(0)},
            // Spelled out: {{a, b}} of two strings would be the object {a: b}.
            {"arguments", nlohmann::json::array({nlohmann::json::array({r.contexts.at(0), r.continuations.at(0)})})},
            {"resps", {{resp}}},
            {"filtered_resps", {resp}},
            {"acc", o.greedy ? 1 : 0},
            {"logprob", o.logprob},
            {"n_tokens", o.n_tokens}};
}

}  // namespace tasks
