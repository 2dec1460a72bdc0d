#include "bench_util.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>

#include "../common/half_math.h"
#include "kernels/cpu_options.h"
#include "kernels/cuda_timing.h"

namespace bench {

int bench_threads() {
    const char* env = std::getenv("RWKVBENCH_BENCH_THREADS");
    return env ? std::atoi(env) : 0;
}

std::unique_ptr<kernels::backend> make(const std::string& name, std::string* why) {
    if (name == "cuda") {
        if (!kernels::cuda_available(why)) return nullptr;
        return kernels::make_cuda_backend(0);
    }
    kernels::cpu_options o;
    o.n_threads = bench_threads();
    if (name.rfind("cpu/", 0) == 0) {
        const auto isa = kernels::parse_cpu_isa(name.substr(4));
        if (!isa || !kernels::cpu_isa_available(*isa)) {
            *why = name + ": not available on this CPU";
            return nullptr;
        }
        o.isa = *isa;
    }
    return kernels::make_cpu_backend(o);
}

device_tensor::device_tensor(kernels::backend& b, kernels::dtype type, std::initializer_list<std::int64_t> shape,
                             float lo, float hi)
    : owner_(b) {
    view_ = kernels::tensor_view::make(nullptr, type, shape, b.device());
    const auto n = static_cast<std::size_t>(view_.numel());
    std::vector<unsigned char> host(n * kernels::dtype_size(type));
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(lo, hi);
    for (std::size_t i = 0; i < n; ++i) {
        const float v = dist(rng);
        if (type == kernels::dtype::f32) {
            std::memcpy(host.data() + 4 * i, &v, 4);
        } else if (type == kernels::dtype::i32) {
            const std::int32_t id = static_cast<std::int32_t>(i);
            std::memcpy(host.data() + 4 * i, &id, 4);
        } else {
            const std::uint16_t h = type == kernels::dtype::f16 ? kernels::f32_to_f16(v) : kernels::f32_to_bf16(v);
            std::memcpy(host.data() + 2 * i, &h, 2);
        }
    }
    view_.data = b.alloc(host.size());
    b.upload(view_.data, host.data(), host.size());
}

device_tensor::~device_tensor() { owner_.free(view_.data); }

void run_timed(benchmark::State& state, kernels::backend& b, const std::function<void()>& work) {
    work();  // warm-up, untimed: first-touch, cuBLAS heuristics, thread start
    b.synchronize();
    for (auto _ : state) {
        if (b.device() == kernels::device_kind::cuda) {
            state.SetIterationTime(1e-3 * kernels::cuda_time_ms(b, work));
        } else {
            const auto t0 = std::chrono::steady_clock::now();
            work();
            state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
    }
}

benchmark::internal::Benchmark* with_min(benchmark::internal::Benchmark* b) {
    return b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

void flush_cpu_caches() {
    // Larger than the L3 of the machines we run on (32 MiB on Zen 4 CCDs).
    static std::vector<char> junk(64 << 20);
    for (std::size_t i = 0; i < junk.size(); i += 64) junk[i] = static_cast<char>(junk[i] + 1);
    benchmark::DoNotOptimize(junk.data());
}

}  // namespace bench
