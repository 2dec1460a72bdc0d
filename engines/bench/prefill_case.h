// The chunk cases the RWKV engine benchmarks share: chunk_case runs one
// chunk from a fresh state per iteration (after an untimed warm-up), held
// to the chunk's matmuls alone as plain sgemm calls timed after each
// (bench::sgemm_sequence): tokens/s and of_sgemm (1.0: as fast as its
// matmuls alone). prefill_case feeds `ids` through forward() and adds
// GFLOP/s (2 x `matrix_params` x tokens).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "bench_util.h"  // kernels/bench: the one benchmark executable's helpers
#include "engines/engine.h"

namespace bench {

// `run(state)` on a fresh state per iteration (after an untimed warm-up),
// held to the matmuls of `shapes` at n tokens as plain sgemm calls timed
// after each run: counters of_sgemm (1.0: as fast as its matmuls alone) and
// tokens/s.
inline void chunk_case(benchmark::State& state, engines::engine& e, std::int64_t n,
                       std::vector<std::pair<std::int64_t, std::int64_t>> shapes,
                       const std::function<void(engines::engine_state&)>& run) {
    {
        auto st = e.new_state();
        run(*st);  // warm-up: scratch buffers, BLAS threads
    }
    sgemm_sequence matmuls(std::move(shapes), n);
    const auto t = time_with_bound(
        state,
        [&] {
            auto st = e.new_state();
            run(*st);
        },
        [&] { return matmuls.seconds(); });
    state.counters["of_sgemm"] = t.bound_s / t.work_s;
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

inline void prefill_case(benchmark::State& state, engines::engine& e, const std::vector<std::int32_t>& ids,
                         engines::logits_mode mode, std::vector<std::pair<std::int64_t, std::int64_t>> shapes,
                         double matrix_params) {
    std::vector<float> logits;
    const auto n = static_cast<std::int64_t>(ids.size());
    chunk_case(state, e, n, std::move(shapes), [&](engines::engine_state& st) { e.forward(ids, st, mode, logits); });
    state.counters["GFLOP/s"] =
        benchmark::Counter(2e-9 * matrix_params * static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace bench
