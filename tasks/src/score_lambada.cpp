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
    std::vector<loglikelihood_result> scored;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const request& r = requests[i];
        auto done = c.done_as<reports::target_outcome>(r);
        if (!done) {
            const auto ll = score_lambada(c.engine, c.tok, r.contexts.at(0), r.continuations.at(0), pad);
            done = c.record_as(r, reports::target_outcome{ll.logprob, ll.greedy, ll.n_tokens});
        }
        scored.push_back({done->logprob, done->greedy, done->n_tokens});
        progress.update(i + 1);
    }
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
