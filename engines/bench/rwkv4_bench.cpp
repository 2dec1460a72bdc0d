// RWKV-4 engine speed on random:rwkv4-169m (fp32 and bf16 weights) on the CPU:
//  * serial decode: time per token (the Time column) with the last-token
//    logits (head included), and
//    the weight bytes it must read per token -> GB/s, and x_bound = time /
//    the time of a plain read of as many bytes, timed after each step
//    (bench::read_bound); warm_ms: the time per token of consecutive steps,
//    which leave a small model's weights in the caches, as a run does;
//  * parallel prefill of 128 and 1024 tokens (last logits): tokens/s,
//    GFLOP/s (2 x matrix parameters x tokens) and of_sgemm, the share of
//    the speed of its matmuls alone as plain sgemm calls, timed after each
//    prefill (bench::sgemm_sequence);
//  * perplexity mode: parallel with logits at every position; score: what
//    the perplexity scorers run (engine::score, the head in vocabulary
//    slices fused with the log-softmax).
// Threads: RWKVBENCH_BENCH_THREADS (default all cores); RWKVBENCH_BENCH_INT8=1
// runs the block formats on int8 activations. Peak RSS in MiB.
// RWKVBENCH_BENCH_MODEL=file adds rwkv4_file/serial_decode and
// rwkv4_file/parallel_prefill/1024 on that RWKV-4 checkpoint loaded as `run`
// loads it (fp32, or a quantized rwkv.cpp .bin's own format), or in
// RWKVBENCH_BENCH_DTYPE (run's --dtype spellings: fp16 keeps an FP16 .bin in
// half precision): the same file a peer such as rwkv.cpp is timed on.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "engines/engine_spec.h"
#include "engines/model_file.h"
#include "engines/registry.h"
#include "engines/rwkv4_engine.h"
#include "kernels/backend.h"
#include "prefill_case.h"  // with bench_util.h (kernels/bench): the benchmark executable's helpers

namespace {

using engines::logits_mode;

int threads() {
    const char* env = std::getenv("RWKVBENCH_BENCH_THREADS");
    return env ? std::atoi(env) : 0;
}

// RWKVBENCH_BENCH_INT8=1: the block formats on int8 activations (cpu_options).
kernels::backend& cpu() {
    static auto b = [] {
        kernels::cpu_options o;
        o.n_threads = threads();
        const char* int8 = std::getenv("RWKVBENCH_BENCH_INT8");
        o.int8_activations = int8 && std::string(int8) == "1";
        return kernels::make_cpu_backend(o);
    }();
    return *b;
}

// The RWKVBENCH_BENCH_MODEL file's weights, as `run` would load them.
std::shared_ptr<const engines::rwkv4_weights> file_weights() {
    cpu();  // the backend first: statics are destroyed in reverse, the weights' buffers before their backend
    static std::shared_ptr<const engines::rwkv4_weights> w;
    if (!w) {
        const std::string path = std::getenv("RWKVBENCH_BENCH_MODEL");
        std::optional<std::string> dtype;
        if (const char* d = std::getenv("RWKVBENCH_BENCH_DTYPE")) dtype = d;
        const engines::engine_spec spec =
            engines::parse_engine_spec({"rwkv4-serial", path, "bytes", dtype, {}, false}, "bench");
        const auto file = engines::model_file::open(path);
        w = engines::load_rwkv4(*file, cpu(), spec.dtype);
    }
    return w;
}

// One weight upload per dtype for the whole run (generating 169M values takes seconds).
std::shared_ptr<const engines::rwkv4_weights> weights(kernels::dtype wt) {
    cpu();  // the backend first: statics are destroyed in reverse, the weights' buffers before their backend
    static std::map<kernels::dtype, std::shared_ptr<const engines::rwkv4_weights>> cache;
    auto& w = cache[wt];
    if (!w) {
        const auto shape = *engines::rwkv4_preset("random:rwkv4-169m");
        w = engines::upload_rwkv4(shape, engines::random_rwkv4_source(shape, 1234), cpu(), wt);
    }
    return w;
}

// Bytes a decode step must read: every matrix and the head, plus one
// embedding row and the vectors (the head in its own dtype: f32 under a
// block format).
double decode_bytes(const engines::rwkv4_weights& w) {
    const std::int64_t c = w.shape.n_embd, f = w.shape.n_ffn, v = w.shape.n_vocab, l = w.shape.n_layer;
    const double layers = static_cast<double>(kernels::storage_bytes(w.weight_type, l * (5 * c * c + 2 * c * f)));
    const double head = static_cast<double>(kernels::storage_bytes(w.edge_type, v * c));
    return layers + head + 4.0 * static_cast<double>(l * 13 * c + 2 * c) + static_cast<double>(c) * 4;
}

// The shapes a chunk multiplies: per layer r, k, v, o, the FFN's key,
// value and receptance; the head where every position's logits are asked for.
std::vector<std::pair<std::int64_t, std::int64_t>> matmul_shapes(const engines::rwkv4_shape& s, bool head) {
    const std::int64_t c = s.n_embd, f = s.n_ffn;
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (std::int64_t l = 0; l < s.n_layer; ++l) {
        for (int i = 0; i < 5; ++i) out.emplace_back(c, c);  // r, k, v, o and the FFN's receptance
        out.emplace_back(f, c);
        out.emplace_back(c, f);
    }
    if (head) out.emplace_back(s.n_vocab, c);
    return out;
}

double matrix_params(const engines::rwkv4_weights& w) {
    double n = 0;
    for (const auto& [rows, cols] : matmul_shapes(w.shape, false)) n += static_cast<double>(rows * cols);
    return n;
}

void peak_memory(benchmark::State& state) {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    state.counters["peak_RSS_MiB"] = static_cast<double>(u.ru_maxrss) / 1024.0;
}

using weights_fn = std::function<std::shared_ptr<const engines::rwkv4_weights>()>;

weights_fn random_169m(kernels::dtype wt) {
    return [wt] { return weights(wt); };
}

void bm_decode(benchmark::State& state, const weights_fn& get) {
    const auto w = get();
    auto e = engines::make_rwkv4_engine(true, w, cpu());
    auto st = e->new_state();
    std::vector<float> logits;
    std::int32_t token = 187;
    e->forward(std::span(&token, 1), *st, logits_mode::last, logits);  // warm-up
    bench::read_bound bound(cpu(), decode_bytes(*w));
    const auto t = bench::time_with_bound(
        state,
        [&] {
            e->forward(std::span(&token, 1), *st, logits_mode::last, logits);
            token = static_cast<std::int32_t>((token * 31 + 7) % w->shape.n_vocab);
        },
        [&] { return bound.read_seconds(); });
    state.counters["tokens/s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(decode_bytes(*w) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    // time per token / time to read its bytes, read after each step: 1.0 = at the bound.
    state.counters["x_bound"] = t.work_s / t.bound_s;
    // The bound's read evicts the weights between steps. A run decodes step
    // after step, so a model small enough for the caches keeps its weights
    // there: warm_ms is the time per token of 32 consecutive steps.
    constexpr int warm_steps = 32;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < warm_steps; ++i) {
        e->forward(std::span(&token, 1), *st, logits_mode::last, logits);
        token = static_cast<std::int32_t>((token * 31 + 7) % w->shape.n_vocab);
    }
    state.counters["warm_ms"] =
        1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / warm_steps;
    peak_memory(state);
}

void bm_parallel(benchmark::State& state, const weights_fn& get, logits_mode mode) {
    const auto w = get();
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::int32_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int32_t>((i * 7919) % static_cast<std::size_t>(w->shape.n_vocab));
    auto e = engines::make_rwkv4_engine(false, w, cpu());
    const double head = mode == logits_mode::all ? static_cast<double>(w->shape.n_vocab * w->shape.n_embd) : 0.0;
    bench::prefill_case(state, *e, ids, mode, matmul_shapes(w->shape, mode == logits_mode::all),
                        matrix_params(*w) + head);
    peak_memory(state);
}

// What the perplexity scorers run: score() of 1024 tokens, the head in
// vocabulary slices fused with the log-softmax; of_sgemm as for prefill,
// the head's matmul included.
void bm_score(benchmark::State& state, const weights_fn& get) {
    const auto w = get();
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::int32_t> ids(n + 1);
    for (std::size_t i = 0; i <= n; ++i)
        ids[i] = static_cast<std::int32_t>((i * 7919) % static_cast<std::size_t>(w->shape.n_vocab));
    const std::span<const std::int32_t> tokens(ids.data(), n), targets(ids.data() + 1, n);
    auto e = engines::make_rwkv4_engine(false, w, cpu());
    std::vector<double> logprobs;
    bench::chunk_case(state, *e, static_cast<std::int64_t>(n), matmul_shapes(w->shape, true),
                      [&](engines::engine_state& st) { e->score(tokens, st, targets, logprobs); });
    peak_memory(state);
}

const int registered = [] {
    const auto min = [](benchmark::internal::Benchmark* b) {
        return b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
    };
    for (kernels::dtype wt : {kernels::dtype::f32, kernels::dtype::bf16}) {
        const std::string d(kernels::dtype_name(wt));
        min(benchmark::RegisterBenchmark(("rwkv4_169m/serial_decode/" + d).c_str(), bm_decode, random_169m(wt)))->Unit(benchmark::kMillisecond);
        min(benchmark::RegisterBenchmark(("rwkv4_169m/parallel_prefill/" + d).c_str(), bm_parallel, random_169m(wt), logits_mode::last))
            ->Arg(128)->Arg(1024)->Unit(benchmark::kMillisecond);
        min(benchmark::RegisterBenchmark(("rwkv4_169m/perplexity_mode/" + d).c_str(), bm_parallel, random_169m(wt), logits_mode::all))
            ->Arg(1024)->Unit(benchmark::kMillisecond);
        min(benchmark::RegisterBenchmark(("rwkv4_169m/score/" + d).c_str(), bm_score, random_169m(wt)))
            ->Arg(1024)
            ->Unit(benchmark::kMillisecond);
    }
    if (std::getenv("RWKVBENCH_BENCH_MODEL")) {
        benchmark::RegisterBenchmark("rwkv4_file/serial_decode", bm_decode, weights_fn(file_weights))
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark("rwkv4_file/parallel_prefill", bm_parallel, weights_fn(file_weights), logits_mode::last)
            ->Arg(1024)
            ->Unit(benchmark::kMillisecond);
    }
    // rwkv.cpp's block formats (the weights quantized at load as its quantizer would).
    for (kernels::dtype wt : {kernels::dtype::q8_0, kernels::dtype::q4_0}) {
        const std::string d(kernels::dtype_name(wt));
        min(benchmark::RegisterBenchmark(("rwkv4_169m/serial_decode/" + d).c_str(), bm_decode, random_169m(wt)))
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("rwkv4_169m/parallel_prefill/" + d).c_str(), bm_parallel, random_169m(wt), logits_mode::last)
            ->Arg(1024)
            ->Unit(benchmark::kMillisecond);
    }
    return 0;
}();

}  // namespace
