// The roofline our kernels are judged against, measured in the same run with
// the same threads: plain OpenBLAS sgemm/sgemv at the matmul shapes (the
// compute and BLAS ceiling) and a plain parallel memory read (the bandwidth
// ceiling for memory-bound kernels such as T = 1 matmul and decode attention).
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "bench_util.h"

namespace {

void bm_sgemm(benchmark::State& state, std::int64_t n_out, std::int64_t n_in, std::int64_t n_tokens) {
    auto b = kernels::make_cpu_backend(bench::bench_threads());  // applies the thread count
    std::vector<float> x(n_tokens * n_in, 0.5f), w(n_out * n_in, 0.25f), out(n_tokens * n_out);
    auto call = [&] {
        if (n_tokens == 1)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n_out), static_cast<int>(n_in), 1.0f, w.data(),
                        static_cast<int>(n_in), x.data(), 1, 0.0f, out.data(), 1);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(n_out),
                        static_cast<int>(n_in), 1.0f, x.data(), static_cast<int>(n_in), w.data(),
                        static_cast<int>(n_in), 0.0f, out.data(), static_cast<int>(n_out));
    };
    bench::run_timed(state, *b, call);
    const double flops = 2.0 * n_tokens * n_out * n_in;
    const double bytes = 4.0 * (n_out * n_in + n_tokens * (n_in + n_out));
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Reads a buffer far larger than the caches, split across the threads.
void bm_memory_read(benchmark::State& state, std::int64_t bytes) {
    auto b = kernels::make_cpu_backend(bench::bench_threads());
    const std::int64_t n = bytes / 4;
    // Allocated like the kernels' weights (backend alloc: huge pages where
    // the system grants them), so the bound compares like with like.
    auto* data = static_cast<float*>(b->alloc(static_cast<std::size_t>(bytes)));
    std::fill_n(data, n, 1.0f);
    float total = 0;
    bench::run_timed(state, *b, [&] {
        total += bench::parallel_sum(data, n);
    });
    benchmark::DoNotOptimize(total);
    b->free(data);
    state.counters["GB/s"] = benchmark::Counter(static_cast<double>(bytes) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

const int registered = [] {
    for (const auto& [n_out, n_in] : std::vector<std::pair<std::int64_t, std::int64_t>>{{768, 768}, {3072, 768}, {768, 3072}, {50277, 768}})
        for (std::int64_t t : {1, 16, 128, 1024})
            bench::with_min(benchmark::RegisterBenchmark(("roofline/openblas_sgemm/N=" + std::to_string(n_out) + ",K=" +
                                                          std::to_string(n_in) + "/T=" + std::to_string(t)).c_str(),
                                                         bm_sgemm, n_out, n_in, t))
                ->UseManualTime()
                ->Unit(benchmark::kMicrosecond);
    bench::with_min(benchmark::RegisterBenchmark("roofline/memory_read/256MiB", bm_memory_read, std::int64_t{256} << 20))
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    return 0;
}();

}  // namespace
