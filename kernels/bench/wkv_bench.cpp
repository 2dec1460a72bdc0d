// WKV-4 over a sequence: C = 768 (169M) and 2560 (3B) channels, T = 1 ... 4096.
// Counters: tokens/s and GB/s (k, v read and out written: 12 bytes per
// channel and token). The scan is sequential in T, parallel over channels.
#include "bench_util.h"

namespace {

using kernels::dtype;

void bm_wkv(benchmark::State& state, const std::string& backend_name, std::int64_t n_embd, std::int64_t n_tokens) {
    std::string why;
    auto b = bench::make(backend_name, &why);
    if (!b) {
        state.SkipWithError(why.c_str());
        return;
    }
    bench::device_tensor w(*b, dtype::f32, {n_embd}, -2.0f, -0.1f);
    bench::device_tensor u(*b, dtype::f32, {n_embd});
    bench::device_tensor k(*b, dtype::f32, {n_tokens, n_embd}, -4, 4);
    bench::device_tensor v(*b, dtype::f32, {n_tokens, n_embd});
    bench::device_tensor s(*b, dtype::f32, {3, n_embd}, 0, 1);
    bench::device_tensor out(*b, dtype::f32, {n_tokens, n_embd});
    bench::run_timed(state, *b, [&] { b->wkv_sequence(w.view(), u.view(), k.view(), v.view(), s.view(), out.view()); });
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n_tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] =
        benchmark::Counter(12e-9 * static_cast<double>(n_tokens * n_embd), benchmark::Counter::kIsIterationInvariantRate);
}

const int registered = [] {
    for (const char* backend : {"cpu", "cuda"})
        for (std::int64_t c : {768, 2560})
            for (std::int64_t t : {1, 16, 128, 1024, 4096}) {
                const std::string name = std::string("wkv_sequence/") + backend + "/C=" + std::to_string(c) +
                                         "/T=" + std::to_string(t);
                benchmark::RegisterBenchmark(name.c_str(), bm_wkv, backend, c, t)->UseManualTime()->Unit(
                    benchmark::kMicrosecond);
            }
    return 0;
}();

}  // namespace
