// The lambada scorer: ChatRWKV's protocol (tasks/lambada.h), the pad from
// options.pad ("" = lm-eval's definition).
#include "datasets/lambada.h"
#include "task_context.h"
#include "tasks/lambada.h"

namespace tasks {

void score_lambada(task_context& c) {
    const auto examples = datasets::load_lambada(c.config.data_dir + "/" + c.def.data_path, c.limit);
    const bool pad = !c.def.options.value("pad", std::string("\n")).empty();
    auto progress = c.progress("", examples.size());
    std::vector<loglikelihood_result> scored;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        const auto k = c.key(std::to_string(examples[i].line));
        if (const nlohmann::json* done = c.j.find(k)) {
            scored.push_back({done->at("logprob").get<double>(), done->at("greedy").get<bool>(),
                              done->at("n_tokens").get<std::int64_t>()});
        } else {
            const auto r = score_lambada(c.engine, c.tok, examples[i], pad);
            c.j.append(k, {{"logprob", r.logprob}, {"greedy", r.greedy}, {"n_tokens", r.n_tokens}});
            scored.push_back(r);
        }
        progress.update(i + 1);
    }
    const lambada_metrics m = aggregate_lambada(scored);
    c.add("acc", m.acc.value, m.acc.stderr_, m.acc.n);
    c.add("ppl", m.ppl.value, m.ppl.stderr_, m.ppl.n);
}

}  // namespace tasks
