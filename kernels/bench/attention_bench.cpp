// Causal attention, naive vs fused, at Pythia-160M head shapes (12 heads of
// 64): prefill of T = 256 ... 4096 tokens (n_past = 0) and one decode step
// after S - 1 cached tokens (S up to 16k, where the fp32 cache of one layer is
// 96 MiB). Counters: GFLOP/s (QK^T and PV over the causal half:
// 2 * 2 * H * D * sum_t keys(t)), KV GB/s (the K and V caches read once: the
// decode roofline) and, for naive, the score matrix bytes.
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
    bench::device_tensor q(*b, dtype::f32, {n_tokens, n_heads, head_dim});
    bench::device_tensor k(*b, dtype::f32, {n_keys, n_heads, head_dim});
    bench::device_tensor v(*b, dtype::f32, {n_keys, n_heads, head_dim});
    bench::device_tensor out(*b, dtype::f32, {n_tokens, n_heads, head_dim});
    const kernels::attention_params p{n_past, 0.125f, variant};
    bench::run_timed(state, *b, [&] { b->attention(q.view(), k.view(), v.view(), p, out.view()); });
    // Keys seen by query t: n_past + t + 1.
    const double pairs = static_cast<double>(n_tokens) * static_cast<double>(n_past) +
                         0.5 * static_cast<double>(n_tokens) * static_cast<double>(n_tokens + 1);
    state.counters["GFLOP/s"] =
        benchmark::Counter(4e-9 * n_heads * head_dim * pairs, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n_tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["KV_GB/s"] = benchmark::Counter(2.0 * 4.0 * static_cast<double>(n_keys * n_heads * head_dim) * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
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
