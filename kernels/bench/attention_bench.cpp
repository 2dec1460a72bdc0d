// Causal attention, naive vs fused, at Pythia-160M head shapes (12 heads of
// 64): prefill of T = 256 ... 4096 tokens (n_past = 0) and one decode step
// after S - 1 cached tokens (S up to 16k, where the fp32 cache of one layer is
// 96 MiB). Counters: GFLOP/s (QK^T and PV over the causal half:
// 2 * 2 * H * D * sum_t keys(t)), KV GB/s (the K and V caches read once: the
// decode roofline) and, for naive, the score matrix bytes. Decode cases
// rotate over enough copies of the cache (>= 512 MiB in all) that none is
// still in a cache when it is read again, as in a model whose every layer
// has its own; on the CPU x_bound = step time / the time of a plain read of
// an equally large copy, timed right after each step: 1.0 = memory-bound.
#include <chrono>
#include <cmath>
#include <deque>

#include "bench_util.h"

namespace {

using kernels::dtype;
constexpr std::int64_t n_heads = 12, head_dim = 64;

void bm_attention(benchmark::State& state, const std::string& backend_name, kernels::attention_variant variant,
                  std::int64_t n_tokens, std::int64_t n_past) {
    std::string why;
    auto b = bench::make(backend_name, &why);
    if (!b) {
        state.SkipWithError(why.c_str());
        return;
    }
    const std::int64_t n_keys = n_past + n_tokens;
    const double kv_bytes = 2.0 * 4.0 * static_cast<double>(n_keys * n_heads * head_dim);
    // Decode: copies of the cache rotated over (>= 512 MiB in all; two at least).
    const bool decode = n_tokens == 1;
    const std::size_t copies = decode ? std::max<std::size_t>(2, static_cast<std::size_t>(std::ceil((512 << 20) / kv_bytes))) : 1;
    bench::device_tensor q(*b, dtype::f32, {n_tokens, n_heads, head_dim});
    std::deque<bench::device_tensor> k, v;  // neither copied nor moved
    for (std::size_t c = 0; c < copies; ++c) {
        k.emplace_back(*b, dtype::f32, std::initializer_list<std::int64_t>{n_keys, n_heads, head_dim});
        v.emplace_back(*b, dtype::f32, std::initializer_list<std::int64_t>{n_keys, n_heads, head_dim});
    }
    bench::device_tensor out(*b, dtype::f32, {n_tokens, n_heads, head_dim});
    const kernels::attention_params p{n_past, 0.125f, variant};
    std::size_t next = 0;
    const auto step = [&] {
        b->attention(q.view(), k[next].view(), v[next].view(), p, out.view());
        next = (next + 1) % copies;
    };
    if (decode && b->device() == kernels::device_kind::cpu) {
        // After each step, time a plain sum over a copy as large as the cache
        // that was last read half a rotation ago: the bound is measured on
        // the same memory in the same seconds, which this machine's drifting
        // bandwidth needs. x_bound = step time / read time.
        step();
        double step_s = 0, read_s = 0;
        float sink = 0;
        for (auto _ : state) {
            const std::size_t other = (next + copies / 2) % copies;
            const auto t0 = std::chrono::steady_clock::now();
            step();
            const auto t1 = std::chrono::steady_clock::now();
            sink += bench::parallel_sum(k[other].view().as<const float>(), n_keys * n_heads * head_dim) +
                    bench::parallel_sum(v[other].view().as<const float>(), n_keys * n_heads * head_dim);
            const auto t2 = std::chrono::steady_clock::now();
            step_s += std::chrono::duration<double>(t1 - t0).count();
            read_s += std::chrono::duration<double>(t2 - t1).count();
            state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
        }
        benchmark::DoNotOptimize(sink);
        state.counters["x_bound"] = step_s / read_s;
    } else {
        bench::run_timed(state, *b, step);
    }
    // Keys seen by query t: n_past + t + 1.
    const double pairs = static_cast<double>(n_tokens) * static_cast<double>(n_past) +
                         0.5 * static_cast<double>(n_tokens) * static_cast<double>(n_tokens + 1);
    state.counters["GFLOP/s"] =
        benchmark::Counter(4e-9 * n_heads * head_dim * pairs, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n_tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["KV_GB/s"] = benchmark::Counter(kv_bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    if (variant == kernels::attention_variant::naive)
        state.counters["score_MiB"] = 4.0 * static_cast<double>(n_tokens * n_keys) / (1 << 20);
}

const int registered = [] {
    for (const char* backend : {"cpu", "cuda"})
        for (auto variant : {kernels::attention_variant::naive, kernels::attention_variant::fused})
            for (std::int64_t s : {256, 512, 1024, 2048, 4096, 8192, 16384}) {
                const std::string v(kernels::attention_variant_name(variant));
                if (s <= 4096)
                    benchmark::RegisterBenchmark(("attention_prefill/" + std::string(backend) + "/" + v + "/T=" + std::to_string(s)).c_str(),
                                                 bm_attention, backend, variant, s, 0)
                        ->UseManualTime()
                        ->Unit(benchmark::kMillisecond);
                benchmark::RegisterBenchmark(("attention_decode/" + std::string(backend) + "/" + v + "/S=" + std::to_string(s)).c_str(),
                                             bm_attention, backend, variant, 1, s - 1)
                    ->UseManualTime()
                    ->Unit(benchmark::kMicrosecond);
            }
    return 0;
}();

}  // namespace
