// RWKV-7 engine speed on random:rwkv7-0.1b (fp32 and bf16 weights) on the
// CPU, as rwkv4_bench.cpp does for RWKV-4:
//  * serial decode: time per token with the last-token logits, the weight
//    bytes it must read (every matrix, low-rank ones included, and the head)
//    -> GB/s, and x_bound = time / the time of a plain read of as many
//    bytes, timed after each step (bench::read_bound);
//  * parallel prefill of 128 and 1024 tokens (last logits): tokens/s,
//    GFLOP/s (2 x matrix parameters x tokens) and of_sgemm, the share of
//    the speed of its matmuls alone as plain sgemm calls, timed after each
//    prefill (bench::sgemm_sequence);
//  * perplexity mode: parallel with logits at every position.
// The WKV-7 kernel's own time at the same T: wkv7_sequence/cpu/C=768.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>

#include "prefill_case.h"
#include "engines/registry.h"
#include "kernels/backend.h"

namespace {

using engines::logits_mode;

kernels::backend& cpu() {
    static auto b = [] {
        const char* env = std::getenv("RWKVBENCH_BENCH_THREADS");
        return kernels::make_cpu_backend(env ? std::atoi(env) : 0);
    }();
    return *b;
}

std::shared_ptr<const engines::rwkv57_weights> weights(kernels::dtype wt) {
    cpu();  // the backend first: statics are destroyed in reverse, the weights' buffers before their backend
    static std::map<kernels::dtype, std::shared_ptr<const engines::rwkv57_weights>> cache;
    auto& w = cache[wt];
    if (!w) {
        const auto shape = *engines::rwkv57_preset("random:rwkv7-0.1b");
        w = engines::upload_rwkv57(shape, engines::random_rwkv57_source(shape, 1234), cpu(), wt);
    }
    return w;
}

// Parameters of the per-token matrices: r, k, v, o (C x C), FFN (2 C F), and the low-rank pairs.
double matrix_params(const engines::rwkv57_shape& s) {
    const double c = static_cast<double>(s.n_embd), f = static_cast<double>(s.n_ffn);
    const double lora = 2 * c * static_cast<double>(s.d_decay + s.d_iclr + s.d_value + s.d_gate);
    return static_cast<double>(s.n_layer) * (4 * c * c + 2 * c * f + lora);
}

// Bytes a decode step reads: the big matrices and the head in the weight
// dtype, the low-rank matrices in f32 (they stay f32), one embedding row.
double decode_bytes(const engines::rwkv57_weights& w) {
    const engines::rwkv57_shape& s = w.shape;
    const double c = static_cast<double>(s.n_embd), f = static_cast<double>(s.n_ffn), v = static_cast<double>(s.n_vocab);
    const double lora = 2 * c * static_cast<double>(s.d_decay + s.d_iclr + s.d_value + s.d_gate);
    const double big = static_cast<double>(s.n_layer) * (4 * c * c + 2 * c * f) + v * c;
    return big * static_cast<double>(kernels::dtype_size(w.weight_type)) + 4.0 * static_cast<double>(s.n_layer) * lora +
           4.0 * c;
}

void peak_memory(benchmark::State& state) {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    state.counters["peak_RSS_MiB"] = static_cast<double>(u.ru_maxrss) / 1024.0;
}

void bm_decode(benchmark::State& state, kernels::dtype wt) {
    const auto w = weights(wt);
    auto e = engines::make_rwkv57_engine(true, w, cpu());
    auto st = e->new_state();
    std::vector<float> logits;
    std::int32_t token = 187;
    e->forward(std::span(&token, 1), *st, logits_mode::last, logits);  // warm-up
    bench::read_bound bound(cpu(), decode_bytes(*w));
    const auto t = bench::time_with_bound(
        state,
        [&] {
            e->forward(std::span(&token, 1), *st, logits_mode::last, logits);
            token = (token * 31 + 7) % 65536;
        },
        [&] { return bound.read_seconds(); });
    state.counters["tokens/s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(decode_bytes(*w) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["x_bound"] = t.work_s / t.bound_s;  // time per token / time to read its bytes, read after each step
    peak_memory(state);
}

// The shapes a chunk multiplies: per layer r, k, v, o, the FFN and the
// low-rank pairs (v's from layer 1 on); the head where every position's
// logits are asked for.
std::vector<std::pair<std::int64_t, std::int64_t>> matmul_shapes(const engines::rwkv57_shape& s, bool head) {
    const std::int64_t c = s.n_embd, f = s.n_ffn;
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (std::int64_t l = 0; l < s.n_layer; ++l) {
        for (int i = 0; i < 4; ++i) out.emplace_back(c, c);
        out.emplace_back(f, c);
        out.emplace_back(c, f);
        for (const std::int64_t d : {s.d_decay, s.d_iclr, s.d_gate, l > 0 ? s.d_value : 0})
            if (d > 0) out.emplace_back(d, c), out.emplace_back(c, d);
    }
    if (head) out.emplace_back(s.n_vocab, c);
    return out;
}

void bm_parallel(benchmark::State& state, kernels::dtype wt, logits_mode mode) {
    const auto w = weights(wt);
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::int32_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int32_t>((i * 7919) % 65536);
    auto e = engines::make_rwkv57_engine(false, w, cpu());
    const double head = mode == logits_mode::all ? static_cast<double>(w->shape.n_vocab * w->shape.n_embd) : 0.0;
    bench::prefill_case(state, *e, ids, mode, matmul_shapes(w->shape, mode == logits_mode::all),
                        matrix_params(w->shape) + head);
    peak_memory(state);
}

const int registered = [] {
    for (kernels::dtype wt : {kernels::dtype::f32, kernels::dtype::bf16}) {
        const std::string d(kernels::dtype_name(wt));
        const auto min = [](benchmark::internal::Benchmark* b) {
            return b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
        };
        min(benchmark::RegisterBenchmark(("rwkv7_0.1b/serial_decode/" + d).c_str(), bm_decode, wt))->Unit(benchmark::kMillisecond);
        min(benchmark::RegisterBenchmark(("rwkv7_0.1b/parallel_prefill/" + d).c_str(), bm_parallel, wt, logits_mode::last))
            ->Arg(128)->Arg(1024)->Unit(benchmark::kMillisecond);
        min(benchmark::RegisterBenchmark(("rwkv7_0.1b/perplexity_mode/" + d).c_str(), bm_parallel, wt, logits_mode::all))
            ->Arg(1024)->Unit(benchmark::kMillisecond);
    }
    return 0;
}();

}  // namespace
