// WKV-5.2 and WKV-7 over a sequence at the real head size 64: C = 768
// (RWKV-7 0.1B, 12 heads) and 2560 (2.9B, 40 heads), T = 1 ... 1024.
// Counters: tokens/s and GFLOP/s (the recurrence's own arithmetic: WKV-5
// 4 N^2 per head and token, WKV-7 6 N^2). The scan is sequential in T,
// parallel over heads; the state (16 KiB per head) stays in cache.
#include "bench_util.h"

namespace {

using kernels::dtype;

void bm_wkv57(benchmark::State& state, const std::string& backend_name, bool v7, std::int64_t n_embd,
              std::int64_t n_tokens) {
    std::string why;
    auto b = bench::make(backend_name, &why);
    if (!b) {
        state.SkipWithError(why.c_str());
        return;
    }
    constexpr std::int64_t n = 64;
    const std::int64_t heads = n_embd / n;
    bench::device_tensor r(*b, dtype::f32, {n_tokens, n_embd}), k(*b, dtype::f32, {n_tokens, n_embd}),
        v(*b, dtype::f32, {n_tokens, n_embd}), out(*b, dtype::f32, {n_tokens, n_embd});
    bench::device_tensor s(*b, dtype::f32, {heads, n, n}, -0.1f, 0.1f);
    if (v7) {
        // kk of norm about 1 per head (uniform +-0.2 over 64 channels), a in [0, 1].
        bench::device_tensor w(*b, dtype::f32, {n_tokens, n_embd}, -3, 3), kk(*b, dtype::f32, {n_tokens, n_embd}, -0.2f, 0.2f),
            a(*b, dtype::f32, {n_tokens, n_embd}, 0, 1);
        bench::run_timed(state, *b, [&] {
            b->wkv7(r.view(), w.view(), k.view(), v.view(), kk.view(), a.view(), s.view(), out.view());
        });
    } else {
        bench::device_tensor decay(*b, dtype::f32, {n_embd}, 0.5f, 0.99f), bonus(*b, dtype::f32, {n_embd});
        bench::run_timed(state, *b, [&] {
            b->wkv5(r.view(), k.view(), v.view(), decay.view(), bonus.view(), s.view(), out.view());
        });
    }
    const double flops = (v7 ? 6.0 : 4.0) * static_cast<double>(n * n * heads * n_tokens);
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n_tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

const int registered = [] {
    for (const char* backend : {"cpu", "cuda"})
        for (bool v7 : {true, false})
            for (std::int64_t c : {768, 2560})
                for (std::int64_t t : {1, 128, 1024}) {
                    const std::string name = std::string(v7 ? "wkv7_sequence/" : "wkv5_sequence/") + backend +
                                             "/C=" + std::to_string(c) + "/T=" + std::to_string(t);
                    benchmark::RegisterBenchmark(name.c_str(), bm_wkv57, backend, v7, c, t)->UseManualTime()->Unit(
                        benchmark::kMicrosecond);
                }
    return 0;
}();

}  // namespace
