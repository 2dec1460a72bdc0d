// Helpers shared by the kernel benchmarks: a backend per name, device
// buffers filled with random data, and timing that uses CUDA events on the
// GPU and the steady clock on the CPU.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/backend.h"

namespace bench {

// "cpu" (auto ISA, threads from RWKVBENCH_BENCH_THREADS or all cores),
// "cpu/scalar", "cpu/avx2", "cpu/avx512", "cpu/avx512_bf16", "cpu/int8"
// (int8 activations for the block formats), "cuda".
// Returns nullptr with `why` set when this machine cannot run it.
std::unique_ptr<kernels::backend> make(const std::string& name, std::string* why);

// Threads used by CPU benchmarks (RWKVBENCH_BENCH_THREADS, default all cores).
int bench_threads();

// A tensor on a backend, filled with uniform values in [-1, 1) of `type`.
class device_tensor {
public:
    device_tensor(kernels::backend& b, kernels::dtype type, std::initializer_list<std::int64_t> shape,
                  float lo = -1.0f, float hi = 1.0f);
    ~device_tensor();
    device_tensor(const device_tensor&) = delete;
    device_tensor& operator=(const device_tensor&) = delete;
    const kernels::tensor_view& view() const { return view_; }

private:
    kernels::backend& owner_;
    kernels::tensor_view view_;
};

// Runs the benchmark loop: `work` once untimed (warm-up and a first check it
// runs), then timed per iteration, manual time (CUDA events on GPU).
void run_timed(benchmark::State& state, kernels::backend& b, const std::function<void()>& work);

// The benchmark loop on the CPU: `work` timed each iteration, then, with the
// benchmark's clock paused, `bound` (one read_bound read or sgemm_sequence
// pass, returning its seconds) right after it, so both see the same
// machine. Returns the total seconds of the work and of the bound.
struct work_and_bound {
    double work_s = 0, bound_s = 0;
};
work_and_bound time_with_bound(benchmark::State& state, const std::function<void()>& work,
                               const std::function<double()>& bound);

// Adds a "min" aggregate (the best repetition) to a benchmark: on these noisy
// shared machines the best run is the fairest bound and the fairest figure,
// when bound and kernel are both taken as their best.
benchmark::internal::Benchmark* with_min(benchmark::internal::Benchmark* b);

// Sum of data[0..n) over the backend's OpenMP threads (the memory-read kernel).
float parallel_sum(const float* data, std::int64_t n);

// The read an engine's decode step is held to: a buffer as large as the
// bytes the step reads (beyond the caches, where the weights are), allocated
// by `b` as weights are and summed over b's threads. A benchmark times one
// read right after each step: the bound is then measured in the same
// seconds as the steps, which this machine's drifting bandwidth needs (one
// best-of-7 figure taken before the case scattered x_bound from 0.8 to 1.4).
// x_bound = total step time / total read time.
class read_bound {
public:
    read_bound(kernels::backend& b, double bytes);
    ~read_bound();
    read_bound(const read_bound&) = delete;
    read_bound& operator=(const read_bound&) = delete;
    double read_seconds();  // one timed read of the whole buffer

private:
    kernels::backend& owner_;
    float* data_;
    std::int64_t n_;
    float sink_ = 0;
};

// An engine's matmuls alone: plain OpenBLAS sgemm calls, x [T, n_in] times
// w [n_out, n_in]^T, at each (n_out, n_in) of `shapes` in turn, one random
// matrix per call (at T >= 128 they are compute-bound, so reusing it costs
// nothing). The bound a prefill is held to: a benchmark times it after each
// prefill, so that both see the same machine; of_sgemm = sgemm time /
// prefill time.
class sgemm_sequence {
public:
    sgemm_sequence(std::vector<std::pair<std::int64_t, std::int64_t>> shapes, std::int64_t t);
    double seconds();  // one timed pass over the shapes

private:
    std::vector<std::pair<std::int64_t, std::int64_t>> shapes_;
    std::int64_t t_;
    std::vector<float> x_, w_, out_;
};

// Evicts the caches between iterations where a benchmark asks for cold data.
void flush_cpu_caches();

}  // namespace bench
