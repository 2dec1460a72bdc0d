// The parallel-prefill case the RWKV engine benchmarks share: one chunk of
// `ids` from a fresh state per iteration (after an untimed warm-up), held to
// the same chunk's matmuls alone as plain sgemm calls timed after each
// prefill (bench::sgemm_sequence). Counters: tokens/s, GFLOP/s (2 x
// `matrix_params` x tokens) and of_sgemm (1.0: as fast as its matmuls alone).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "bench_util.h"  // kernels/bench: the one benchmark executable's helpers
#include "engines/engine.h"

namespace bench {

inline void prefill_case(benchmark::State& state, engines::engine& e, const std::vector<std::int32_t>& ids,
                         engines::logits_mode mode, std::vector<std::pair<std::int64_t, std::int64_t>> shapes,
                         double matrix_params) {
    std::vector<float> logits;
    {
        auto st = e.new_state();
        e.forward(ids, *st, mode, logits);  // warm-up: scratch buffers, BLAS threads
    }
    const auto n = static_cast<std::int64_t>(ids.size());
    sgemm_sequence matmuls(std::move(shapes), n);
    const auto t = time_with_bound(
        state,
        [&] {
            auto st = e.new_state();
            e.forward(ids, *st, mode, logits);
        },
        [&] { return matmuls.seconds(); });
    state.counters["of_sgemm"] = t.bound_s / t.work_s;
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GFLOP/s"] =
        benchmark::Counter(2e-9 * matrix_params * static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace bench
