// matmul at the RWKV-4 169M shapes (N x K = 768x768, 3072x768, 768x3072 and
// the 50277x768 head) for T = 1, 8, 16, 32, 64, 128, 1024 tokens, every weight dtype, on
// each backend. Counters: GFLOP/s (2 T N K per call), GB/s (weights + x + out
// bytes moved once) and tokens/s. Compare with roofline/* in the same run.
// Backends: "cpu" (this CPU's best path), "cpu/ISA" (forced), either with
// "/int8" (int8 activations: VNNI on AVX-512, vpmaddubsw on AVX2), "cuda".
#include <vector>

#include "bench_util.h"

namespace {

using kernels::dtype;

void bm_matmul(benchmark::State& state, const std::string& backend_name, dtype wt, std::int64_t n_out,
               std::int64_t n_in, std::int64_t n_tokens) {
    std::string why;
    auto b = bench::make(backend_name, &why);
    if (!b) {
        state.SkipWithError(why.c_str());
        return;
    }
    if (!b->supports({kernels::op_kind::matmul, wt})) {
        state.SkipWithError("not supported");
        return;
    }
    bench::device_tensor x(*b, dtype::f32, {n_tokens, n_in});
    bench::device_tensor w(*b, wt, {n_out, n_in});
    bench::device_tensor out(*b, dtype::f32, {n_tokens, n_out});
    bench::run_timed(state, *b, [&] { b->matmul(x.view(), w.view(), kernels::tensor_view{}, out.view()); });
    const double flops = 2.0 * n_tokens * n_out * n_in;
    const double bytes = static_cast<double>(kernels::storage_bytes(wt, n_out * n_in)) + 4.0 * n_tokens * (n_in + n_out);
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n_tokens), benchmark::Counter::kIsIterationInvariantRate);
}

const int registered = [] {
    const std::vector<std::pair<std::int64_t, std::int64_t>> shapes = {{768, 768}, {3072, 768}, {768, 3072}, {50277, 768}};
    struct variant {
        std::string backend;
        dtype wt;
    };
    const std::vector<variant> variants = {{"cpu", dtype::f32},
                                           {"cpu", dtype::f16},
                                           {"cpu", dtype::bf16},
                                           {"cpu/avx512_bf16", dtype::bf16},
                                           {"cpu", dtype::q8_0},
                                           {"cpu", dtype::q4_0},
                                           {"cpu", dtype::q5_1},
                                           {"cpu/int8", dtype::q8_0},
                                           {"cpu/int8", dtype::q4_0},
                                           {"cpu/int8", dtype::q5_1},
                                           {"cpu/avx2", dtype::q8_0},
                                           {"cpu/avx2", dtype::q4_0},
                                           {"cpu/avx2/int8", dtype::q8_0},
                                           {"cpu/avx2/int8", dtype::q4_0},
                                           {"cuda", dtype::f32},
                                           {"cuda", dtype::f16},
                                           {"cuda", dtype::bf16},
                                           {"cuda", dtype::q8_0},
                                           {"cuda", dtype::q4_0}};
    for (const auto& v : variants)
        for (const auto& [n_out, n_in] : shapes)
            for (std::int64_t t : {1, 8, 16, 32, 64, 128, 1024}) {
                const std::string name = "matmul/" + v.backend + "/" + std::string(kernels::dtype_name(v.wt)) + "/N=" +
                                         std::to_string(n_out) + ",K=" + std::to_string(n_in) + "/T=" + std::to_string(t);
                benchmark::RegisterBenchmark(name.c_str(), bm_matmul, v.backend, v.wt, n_out, n_in, t)
                    ->UseManualTime()
                    ->Unit(benchmark::kMicrosecond);
            }
    return 0;
}();

}  // namespace
