// The scaling scorer: what context costs each engine. After a prompt of
// options.prompt_tokens synthetic tokens, it generates generate_tokens tokens
// one at a time (greedy), timing every forward call: steady clock on CPU,
// CUDA events on the backend's stream on GPU; the warm-up pass, the prompt,
// tokenization and the argmax are not counted. Per token: context length,
// latency, cumulative time, state/KV bytes and resident memory. Each pass is
// repeated options.repeats times; the raw latencies are kept in the report's
// series so a later comparison can test significance. Engines that prefill
// in parallel (rwkv*-parallel, transformer with a cache) also time prefill
// of each options.prefill_lengths prompt.
//
// A transformer without a cache replays its whole history each call, so its
// sweep stops at options.max_context_no_cache tokens of context.
//
// Shared machines drift: memory bandwidth here moves by a third over tens of
// seconds. measure_scaling() therefore runs several engines in rounds (pass
// r of every engine, then pass r+1), so the engines meet the same drift and
// a ratio of their repeat-r times is meaningful; score_scaling() then only
// aggregates what the journal holds.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "harness/errors.h"
#include "harness/stats.h"
#include "kernels/backend.h"
#include "scaling_measure.h"
#include "task_context.h"
#include "tasks/fit.h"

namespace tasks {
namespace {

using json = nlohmann::json;

struct scaling_options {
    std::int64_t prompt = 16, generate = 256, max_context_no_cache = 128, repeats = 5, warmup = 4;
    std::vector<std::int64_t> prefill_lengths{16, 64, 256, 1024}, report_contexts{64, 256};
};

scaling_options read_options(const json& o) {
    scaling_options s;
    s.prompt = o.value("prompt_tokens", s.prompt);
    s.generate = o.value("generate_tokens", s.generate);
    s.max_context_no_cache = o.value("max_context_no_cache", s.max_context_no_cache);
    s.repeats = std::max<std::int64_t>(1, o.value("repeats", s.repeats));
    s.warmup = o.value("warmup_tokens", s.warmup);
    if (o.contains("prefill_lengths")) s.prefill_lengths = o.at("prefill_lengths").get<std::vector<std::int64_t>>();
    if (o.contains("report_contexts")) s.report_contexts = o.at("report_contexts").get<std::vector<std::int64_t>>();
    return s;
}

// A generation pass as the journal holds it: per generated token its
// latency, the context it was generated at, state/KV bytes and resident memory.
struct generation_pass_record {
    std::vector<double> latency_ms;
    std::vector<std::int64_t> context;
    std::vector<std::uint64_t> state_bytes, rss_bytes;
    double prefill_ms = 0;
    std::uint64_t peak_rss_bytes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(generation_pass_record, latency_ms, context, state_bytes, rss_bytes, prefill_ms,
                                   peak_rss_bytes)

// A timed prefill as the journal holds it.
struct prefill_record {
    double tokens_per_s = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(prefill_record, tokens_per_s)

// A scaling case's request (scaling_requests): a generation pass, or a
// prefill of prompt_tokens.
struct scaling_case {
    std::optional<std::int64_t> prompt_tokens;
};

scaling_case scaling_case_of(const request& q) {
    if (q.doc.at("case") != "prefill") return {};
    return {q.doc.at("prompt_tokens").get<std::int64_t>()};
}

// One pass: prompt, then `n` timed single-token calls.
generation_pass_record generation_pass(task_context& c, timer& t, const std::vector<std::int32_t>& prompt,
                                       std::int64_t n) {
    auto state = c.engine.new_state();
    std::vector<float> logits;
    generation_pass_record pass;
    pass.prefill_ms =
        t.ms([&] { c.engine.forward(prompt, *state, engines::logits_mode::last, logits); }, prompt.size());
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int32_t next = argmax(logits);
        pass.latency_ms.push_back(
            t.ms([&] { c.engine.forward(std::span(&next, 1), *state, engines::logits_mode::last, logits); }, 1));
        pass.context.push_back(state->n_tokens());
        pass.state_bytes.push_back(state->bytes());
        pass.rss_bytes.push_back(resident_bytes());
    }
    return pass;
}

// What one engine's sweep needs: the options, the synthetic tokens, how
// many tokens it generates and whether it prefills in parallel.
struct sweep {
    scaling_options o;
    std::vector<std::int32_t> tokens;  // the prefill prompts are prefixes of these
    std::vector<std::int32_t> prompt;
    std::int64_t n = 0;
    bool parallel_prefill = false;
    std::optional<std::int64_t> context_limit;
};

sweep plan(const task_context& c) {
    sweep s;
    s.o = read_options(c.def.options);
    const engines::engine_info info = c.engine.info();
    s.context_limit = info.context_limit;
    // Synthetic ids below 50000 (inside every shipped vocabulary but the byte
    // models'), so one seed gives the same prompt to RWKV-4 and Pythia.
    std::mt19937_64 rng(c.config.seed);
    std::uniform_int_distribution<std::int32_t> id(
        0, static_cast<std::int32_t>(std::min<std::int64_t>(info.n_vocab, 50000) - 1));
    const std::int64_t max_prefill = *std::max_element(s.o.prefill_lengths.begin(), s.o.prefill_lengths.end());
    s.tokens.resize(static_cast<std::size_t>(std::max(s.o.prompt, max_prefill)));
    for (auto& x : s.tokens) x = id(rng);
    s.prompt.assign(s.tokens.begin(), s.tokens.begin() + s.o.prompt);
    s.n = s.o.generate;
    if (c.model.spec.no_cache) s.n = std::min(s.n, s.o.max_context_no_cache - s.o.prompt);
    if (info.context_limit) s.n = std::min(s.n, *info.context_limit - s.o.prompt);
    s.n = std::max<std::int64_t>(s.n, 1);
    s.parallel_prefill = c.model.spec.engine.ends_with("-parallel") ||
                         (c.model.spec.engine == "transformer" && !c.model.spec.no_cache);
    return s;
}

// The standard error over repeats.
double spread(const std::vector<double>& s) { return harness::mean_and_stderr(s).second; }

}  // namespace

void measure_scaling(const std::vector<task_context*>& contexts, const std::vector<request>& cases) {
    if (contexts.empty()) return;
    std::vector<sweep> sweeps;
    std::vector<timer> timers;
    std::vector<bool> warmed(contexts.size(), false);
    std::vector<std::set<std::int64_t>> warmed_lengths(contexts.size());
    for (task_context* c : contexts) sweeps.push_back(plan(*c)), timers.emplace_back(*c);
    const std::string who =
        contexts.size() == 1 ? "" : " (" + std::to_string(contexts.size()) + " engines interleaved)";
    auto progress = contexts[0]->progress("cases" + who, cases.size());
    // The cases come as pass r of generation, then each prefill length
    // repeat by repeat (scaling_requests); every case runs on every engine
    // before the next, so a slow phase of the machine hits all engines alike
    // instead of whichever ran then.
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const request& q = cases[i];
        const scaling_case sc = scaling_case_of(q);
        for (std::size_t e = 0; e < contexts.size(); ++e) {
            task_context& c = *contexts[e];
            if (c.done(q)) continue;
            if (!sc.prompt_tokens) {
                if (!warmed[e])
                    generation_pass(c, timers[e], sweeps[e].prompt, sweeps[e].o.warmup),
                        warmed[e] = true;  // caches, page faults
                reset_peak_resident();
                generation_pass_record pass = generation_pass(c, timers[e], sweeps[e].prompt, sweeps[e].n);
                pass.peak_rss_bytes = peak_resident_bytes();
                c.record_as(q, pass);
                continue;
            }
            const std::int64_t len = *sc.prompt_tokens;
            if (!sweeps[e].parallel_prefill || (sweeps[e].context_limit && len > *sweeps[e].context_limit)) continue;
            const std::span<const std::int32_t> p(sweeps[e].tokens.data(), static_cast<std::size_t>(len));
            std::vector<float> logits;
            if (warmed_lengths[e].insert(len).second) {  // warm-up at this length, once per engine
                auto s = c.engine.new_state();
                c.engine.forward(p, *s, engines::logits_mode::last, logits);
            }
            auto s = c.engine.new_state();
            const double ms =
                timers[e].ms([&] { c.engine.forward(p, *s, engines::logits_mode::last, logits); }, p.size());
            c.record_as(q, prefill_record{static_cast<double>(len) / (ms / 1e3)});
        }
        progress.update(i + 1);
    }
}

task_requests scaling_requests(const task_definition& d, const task_input&) {
    const scaling_options o = read_options(d.options);
    task_requests out;
    const auto add = [&](std::string id, json doc) {
        out.requests.push_back(make_request(request_kind::scaling_case, std::move(id), "", {}, {}, -1, std::move(doc)));
    };
    for (std::int64_t r = 0; r < o.repeats; ++r)
        add("generate:" + std::to_string(r), {{"case", "generate"}, {"repeat", r}});
    for (const std::int64_t len : o.prefill_lengths)
        for (std::int64_t r = 0; r < o.repeats; ++r)
            add("prefill:" + std::to_string(len) + ":" + std::to_string(r),
                {{"case", "prefill"}, {"prompt_tokens", len}, {"repeat", r}});
    return out;
}

void score_scaling(task_context& c, const std::vector<request>& cases) {
    measure_scaling({&c}, cases);  // a no-op for what the journal holds (an interleaved run measured it)
    const sweep sw = plan(c);
    const scaling_options& o = sw.o;
    const std::int64_t n = sw.n;
    std::vector<generation_pass_record> passes;
    std::map<std::int64_t, std::vector<double>> prefill_rates;  // by prompt length, in repeat order
    for (const request& q : cases) {
        if (!c.done(q)) continue;  // a prefill this engine does not do
        const scaling_case sc = scaling_case_of(q);
        if (sc.prompt_tokens)
            prefill_rates[*sc.prompt_tokens].push_back(c.done_as<prefill_record>(q)->tokens_per_s);
        else
            passes.push_back(*c.done_as<generation_pass_record>(q));
    }

    for (const auto& p : passes)
        if (p.latency_ms.size() != static_cast<std::size_t>(n) || p.context.size() != p.latency_ms.size() ||
            p.state_bytes.size() != p.latency_ms.size() || p.rss_bytes.size() != p.latency_ms.size())
            throw harness::input_error(c.config.out_dir + "/journal.jsonl: " + c.def.name + " [" + c.model.name +
                                       "]: a generation pass of " + std::to_string(p.latency_ms.size()) +
                                       " tokens where this sweep generates " + std::to_string(n));
    // Per token: the median over passes; cumulative time from the medians.
    std::vector<double> x, med, cumulative;
    std::vector<std::vector<double>> per_pass;
    for (const auto& p : passes) per_pass.push_back(p.latency_ms);
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        std::vector<double> at;
        for (const auto& p : per_pass) at.push_back(p[static_cast<std::size_t>(i)]);
        med.push_back(harness::median(at));
        sum += med.back();
        cumulative.push_back(sum);
        x.push_back(static_cast<double>(i + 1));
    }
    const std::vector<std::int64_t>& context_ids = passes.at(0).context;
    const std::vector<double> context(context_ids.begin(), context_ids.end());
    const poly_fit lin = fit_polynomial(x, cumulative, 1), quad = fit_polynomial(x, cumulative, 2);
    const poly_fit lat = fit_polynomial(context, med, 1);
    std::vector<double> exponents, rates;
    std::uint64_t peak = 0;
    for (std::size_t r = 0; r < per_pass.size(); ++r) {
        std::vector<double> cum;
        double s = 0;
        for (const double v : per_pass[r]) cum.push_back(s += v);
        exponents.push_back(growth_exponent(x, cum));
        rates.push_back(static_cast<double>(n) / (s / 1e3));
        peak = std::max(peak, passes[r].peak_rss_bytes);
    }
    const double exponent = growth_exponent(x, cumulative);
    reports::generation_series series;
    series.header = header_of(c);
    series.prompt_tokens = o.prompt;
    series.tokens = x;
    series.context = context_ids;
    series.latency_ms = per_pass;
    series.median_latency_ms = med;
    series.cumulative_ms = cumulative;
    for (const auto& p : passes) series.prefill_ms.push_back(p.prefill_ms);
    series.state_bytes = passes[0].state_bytes;
    series.rss_bytes = passes[0].rss_bytes;
    series.peak_rss_bytes = peak;
    series.cumulative_linear = fit_record(lin);
    series.cumulative_quadratic = fit_record(quad);
    series.latency_linear = fit_record(lat);
    series.growth_exponent = exponent;
    c.series.push_back(series);

    // ms per token at chosen contexts: per pass, the mean over the 8 tokens ending there.
    for (const std::int64_t at : o.report_contexts) {
        const auto end = std::find(context.begin(), context.end(), static_cast<double>(at));
        if (end == context.end()) continue;
        const auto last = static_cast<std::size_t>(end - context.begin());
        const std::size_t first = last >= 7 ? last - 7 : 0;
        std::vector<double> samples;
        for (const auto& p : per_pass) {
            double s = 0;
            for (std::size_t i = first; i <= last; ++i) s += p[i];
            samples.push_back(s / static_cast<double>(last - first + 1));
        }
        reports::metric_result where;
        where.context = at, where.samples = samples;
        c.add("ms_per_token", harness::median(samples), spread(samples), static_cast<std::int64_t>(samples.size()), "",
              where);
    }
    reports::metric_result over_tokens, over_passes;
    over_tokens.tokens = n, over_tokens.samples = rates;
    over_passes.samples = exponents;
    c.add("tokens_per_s", harness::median(rates), spread(rates), static_cast<std::int64_t>(rates.size()), "",
          over_tokens);
    c.add("growth_exponent", exponent, spread(exponents), static_cast<std::int64_t>(exponents.size()), "",
          over_passes);

    // Parallel prefill: tokens/s against prompt length.
    if (!sw.parallel_prefill) return;
    reports::prefill_series prefill;
    prefill.header = header_of(c);
    for (const std::int64_t len : o.prefill_lengths) {
        if (sw.context_limit && len > *sw.context_limit) continue;
        const std::vector<double>& tps = prefill_rates.at(len);
        prefill.prompt_tokens.push_back(len);
        prefill.tokens_per_s.push_back(tps);
        prefill.median_tokens_per_s.push_back(harness::median(tps));
        reports::metric_result at_length;
        at_length.prompt_tokens = len, at_length.samples = tps;
        c.add("prefill_tokens_per_s", harness::median(tps), spread(tps), static_cast<std::int64_t>(tps.size()), "",
              at_length);
    }
    c.series.push_back(prefill);
}

}  // namespace tasks
