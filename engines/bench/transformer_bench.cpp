// Transformer baseline speed on random:pythia-160m and random:gpt2-124m (CPU):
//  * decode with the KV cache at contexts 128 / 1024 / 2048 / 8192 / 16384
//    (fp32; GPT-2: 128 / 512 / 1024, its limit; Pythia's 2048 lifted, rotary
//    positions): 32 timed single-token steps ending at the context, after one
//    chunked prefill, the cache rewound between iterations; naive and fused
//    attention; counters GB/s = (weight bytes + KV bytes) read per token /
//    time, and x_bound = time / the time of a plain read of as many bytes,
//    timed after each step (bench::read_bound; 1.0 = memory-bound);
//  * prefill of 128 and 1024 tokens (tokens/s, GFLOP/s of the matmuls).
// Threads: RWKVBENCH_BENCH_THREADS. KV-cache bytes at the context and peak RSS.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>

#include "bench_util.h"  // kernels/bench: the one benchmark executable's helpers
#include "engines/registry.h"
#include "kernels/backend.h"

namespace {

using engines::logits_mode;

kernels::backend& cpu() {
    const char* env = std::getenv("RWKVBENCH_BENCH_THREADS");
    static auto b = kernels::make_cpu_backend(env ? std::atoi(env) : 0);
    return *b;
}

std::shared_ptr<const engines::transformer_weights> weights(const std::string& model, kernels::dtype wt) {
    cpu();  // the backend first: statics are destroyed in reverse, the weights' buffers before their backend
    static std::map<std::pair<std::string, kernels::dtype>, std::shared_ptr<const engines::transformer_weights>> cache;
    auto& w = cache[{model, wt}];
    if (!w) {
        const auto c = *engines::transformer_preset(model);
        w = engines::upload_transformer(c, engines::random_transformer_source(c, 1234), cpu(), wt);
    }
    return w;
}

double matrix_params(const engines::transformer_config& c) {
    const double h = static_cast<double>(c.n_embd), f = static_cast<double>(c.n_ffn);
    return static_cast<double>(c.n_layer) * (4 * h * h + 2 * h * f);
}

std::vector<std::int32_t> ids(std::size_t n, std::int64_t vocab) {
    std::vector<std::int32_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int32_t>((i * 7919 + 13) % static_cast<std::size_t>(vocab));
    return v;
}

void peak_memory(benchmark::State& state) {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    state.counters["peak_RSS_MiB"] = static_cast<double>(u.ru_maxrss) / 1024.0;
}

constexpr int decode_steps = 32;

void bm_decode(benchmark::State& state, const std::string& model, kernels::dtype wt, kernels::attention_variant variant,
               std::int64_t context) {
    const auto w = weights(model, wt);
    const auto& c = w->config;
    auto e = engines::make_transformer_engine(w, cpu(), {variant, false});
    if (!e->extend_context(context)) {
        state.SkipWithError("context beyond the model's learned positions");
        return;
    }
    const auto prompt = ids(static_cast<std::size_t>(context), c.n_vocab);
    std::vector<float> logits;
    // One prefill in chunks (a 16k single call would hold 16k x 16k scores per head), then rewind per iteration.
    const std::int64_t start = context - decode_steps;
    auto st = e->new_state();
    for (std::int64_t at = 0; at < start; at += 512)
        e->prefill(std::span(prompt).subspan(static_cast<std::size_t>(at), static_cast<std::size_t>(std::min<std::int64_t>(512, start - at))),
                   *st, logits);
    const double mean_ctx = static_cast<double>(context) - decode_steps / 2.0;
    const double weight_bytes = (matrix_params(c) + static_cast<double>(c.n_vocab * c.n_embd)) *
                                static_cast<double>(kernels::dtype_size(wt));
    const double kv_bytes = 2.0 * static_cast<double>(c.n_layer * c.n_embd) * 4.0 * mean_ctx;
    bench::read_bound bound(cpu(), weight_bytes + kv_bytes);
    double step_s = 0, read_s = 0;
    for (auto _ : state) {
        for (int s = 0; s < decode_steps; ++s) {
            const auto t0 = std::chrono::steady_clock::now();
            e->forward(std::span(prompt).subspan(static_cast<std::size_t>(start + s), 1), *st, logits_mode::last, logits);
            step_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            state.PauseTiming();
            read_s += bound.read_seconds();
            state.ResumeTiming();
        }
        state.PauseTiming();
        st->rewind(start);
        state.ResumeTiming();
    }
    state.counters["ms/token"] = benchmark::Counter(decode_steps * 1e-3, benchmark::Counter::kIsIterationInvariantRate |
                                                                            benchmark::Counter::kInvert);
    state.counters["GB/s"] = benchmark::Counter((weight_bytes + kv_bytes) * 1e-9 * decode_steps,
                                                benchmark::Counter::kIsIterationInvariantRate);
    state.counters["KV_MiB"] = kv_bytes / (1 << 20);
    // time per token / time to read (weight + KV bytes), read after each step: 1.0 = at the bound.
    state.counters["x_bound"] = step_s / read_s;
    peak_memory(state);
}

void bm_prefill(benchmark::State& state, const std::string& model, kernels::dtype wt, kernels::attention_variant variant) {
    const auto w = weights(model, wt);
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto prompt = ids(n, w->config.n_vocab);
    auto e = engines::make_transformer_engine(w, cpu(), {variant, false});
    std::vector<float> logits;
    for (auto _ : state) {
        auto st = e->new_state();
        e->forward(prompt, *st, logits_mode::last, logits);
    }
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * matrix_params(w->config) * static_cast<double>(n),
                                                   benchmark::Counter::kIsIterationInvariantRate);
    peak_memory(state);
}

const int registered = [] {
    const auto min = [](benchmark::internal::Benchmark* b) {
        return b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
    };
    const std::vector<std::pair<std::string, std::vector<std::int64_t>>> models = {
        {"random:pythia-160m", {128, 1024, 2048, 8192, 16384}}, {"random:gpt2-124m", {128, 512, 1024}}};
    for (const auto& [model, contexts] : models) {
        const std::string short_name = model.substr(7);
        for (kernels::dtype wt : {kernels::dtype::f32, kernels::dtype::bf16}) {
            const std::string d(kernels::dtype_name(wt));
            for (auto variant : {kernels::attention_variant::naive, kernels::attention_variant::fused}) {
                const std::string v(kernels::attention_variant_name(variant));
                for (std::int64_t ctx : contexts) {
                    if (ctx > 2048 && wt != kernels::dtype::f32) continue;  // the long contexts: fp32, the paper's setting
                    min(benchmark::RegisterBenchmark((short_name + "/decode/" + d + "/" + v + "/ctx=" + std::to_string(ctx)).c_str(),
                                                     bm_decode, model, wt, variant, ctx))
                        ->Unit(benchmark::kMillisecond)
                        ->Iterations(3);
                }
                min(benchmark::RegisterBenchmark((short_name + "/prefill/" + d + "/" + v).c_str(), bm_prefill, model, wt, variant))
                    ->Arg(128)
                    ->Arg(1024)
                    ->Unit(benchmark::kMillisecond);
            }
        }
    }
    return 0;
}();

}  // namespace
