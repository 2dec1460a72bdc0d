#include "bench_util.h"

#include <cblas.h>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>

#include "kernels/half_math.h"
#include "kernels/quant.h"
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
    // "cpu", "cpu/ISA", either with "/int8" (int8 activations) appended.
    kernels::cpu_options o;
    o.n_threads = bench_threads();
    std::string base = name;
    if (base.size() > 5 && base.ends_with("/int8")) {
        if (!kernels::int8_activations_available()) {
            *why = name + ": this CPU lacks AVX2";
            return nullptr;
        }
        o.int8_activations = true;
        base.resize(base.size() - 5);
    }
    if (base.rfind("cpu/", 0) == 0) {
        const auto isa = kernels::parse_cpu_isa(base.substr(4));
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
    std::vector<unsigned char> host(static_cast<std::size_t>(kernels::storage_bytes(type, view_.numel())));
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(lo, hi);
    if (kernels::is_quantized(type)) {  // uniform values, quantized as rwkv.cpp would
        std::vector<float> values(n);
        for (float& v : values) v = dist(rng);
        kernels::quantize_row(kernels::quant_format_of(type), values.data(), view_.numel(), host.data());
    }
    for (std::size_t i = 0; i < n && !kernels::is_quantized(type); ++i) {
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

work_and_bound time_with_bound(benchmark::State& state, const std::function<void()>& work,
                               const std::function<double()>& bound) {
    work_and_bound total;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        work();
        total.work_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        state.PauseTiming();
        total.bound_s += bound();
        state.ResumeTiming();
    }
    return total;
}

benchmark::internal::Benchmark* with_min(benchmark::internal::Benchmark* b) {
    return b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

namespace {

// 64 independent partial sums: never add-latency bound.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) float sum_floats(const float* p,
                                                                                              std::int64_t n) {
    constexpr int lanes = 64;
    float partial[lanes] = {};
    std::int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int j = 0; j < lanes; ++j) partial[j] += p[i + j];
    float total = 0;
    for (; i < n; ++i) total += p[i];
    for (float v : partial) total += v;
    return total;
}

}  // namespace

float parallel_sum(const float* data, std::int64_t n) {
    float sum = 0;
#pragma omp parallel reduction(+ : sum)
    {
        const std::int64_t per = (n + omp_get_num_threads() - 1) / omp_get_num_threads();
        const std::int64_t begin = std::min(n, per * omp_get_thread_num()), end = std::min(n, begin + per);
        sum += sum_floats(data + begin, end - begin);
    }
    return sum;
}

read_bound::read_bound(kernels::backend& b, double bytes)
    : owner_(b), n_(std::max<std::int64_t>(1, static_cast<std::int64_t>(bytes / 4))) {
    data_ = static_cast<float*>(b.alloc(static_cast<std::size_t>(n_) * 4));
    std::fill_n(data_, n_, 1.0f);
}

read_bound::~read_bound() {
    benchmark::DoNotOptimize(sink_);
    owner_.free(data_);
}

double read_bound::read_seconds() {
    const auto t0 = std::chrono::steady_clock::now();
    sink_ += parallel_sum(data_, n_);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

sgemm_sequence::sgemm_sequence(std::vector<std::pair<std::int64_t, std::int64_t>> shapes, std::int64_t t)
    : shapes_(std::move(shapes)), t_(t) {
    std::int64_t widest = 0, largest = 0;
    for (const auto& [n, k] : shapes_) widest = std::max({widest, n, k}), largest = std::max(largest, n * k);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto* v : {&x_, &out_}) v->resize(static_cast<std::size_t>(t * widest));
    w_.resize(static_cast<std::size_t>(largest));
    for (auto* v : {&x_, &w_})
        for (float& e : *v) e = u(rng);
}

double sgemm_sequence::seconds() {
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& [n, k] : shapes_)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(t_), static_cast<int>(n), static_cast<int>(k),
                    1.0f, x_.data(), static_cast<int>(k), w_.data(), static_cast<int>(k), 0.0f, out_.data(),
                    static_cast<int>(n));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void flush_cpu_caches() {
    // Larger than the L3 of the machines we run on (32 MiB on Zen 4 CCDs).
    static std::vector<char> junk(64 << 20);
    for (std::size_t i = 0; i < junk.size(); i += 64) junk[i] = static_cast<char>(junk[i] + 1);
    benchmark::DoNotOptimize(junk.data());
}

}  // namespace bench
