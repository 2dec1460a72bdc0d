// RWKV v5.2 / v7: serial == parallel on random models of small odd shapes,
// at lengths 1/2/33/1000 under any chunking; parallel prefill then serial
// steps; a copied state continues bit for bit; the state export's layout.
#include <gtest/gtest.h>

#include <cmath>

#include "array_diff.h"
#include "engines/registry.h"
#include "kernels/backend.h"

namespace {

using namespace engines;

rwkv57_shape small(int version) {
    rwkv57_shape s;
    s.version = version;
    s.n_layer = 3, s.n_vocab = 300;
    if (version == 5) {
        s.n_embd = 48, s.head_size = 16, s.n_ffn = 96;  // 3 heads
    } else {
        s.n_embd = 64, s.head_size = 32, s.n_ffn = 128;  // 2 heads
        s.d_decay = 32, s.d_iclr = 16, s.d_value = 24, s.d_gate = 40;
    }
    return s;
}

std::vector<std::int32_t> random_ids(std::size_t n, std::uint32_t seed) {
    std::vector<std::int32_t> ids(n);
    for (auto& id : ids) id = static_cast<std::int32_t>((seed = seed * 1664525u + 1013904223u) >> 8) % 300;
    return ids;
}

std::vector<float> run(engine& e, engine_state& st, const std::vector<std::int32_t>& ids,
                       const std::vector<std::size_t>& chunks) {
    std::vector<float> all, part;
    std::size_t at = 0, k = 0;
    while (at < ids.size()) {
        const std::size_t n = std::min(chunks[k++ % chunks.size()], ids.size() - at);
        e.forward(std::span(ids).subspan(at, n), st, logits_mode::all, part);
        all.insert(all.end(), part.begin(), part.end());
        at += n;
    }
    return all;
}

class Rwkv57Consistency : public testing::TestWithParam<int> {
protected:
    void SetUp() override {
        backend_ = kernels::make_cpu_backend(0);
        weights_ = upload_rwkv57(small(GetParam()), random_rwkv57_source(small(GetParam()), 11), *backend_,
                                 kernels::dtype::f32);
    }
    std::unique_ptr<engine> make(bool serial) { return make_rwkv57_engine(serial, weights_, *backend_); }
    std::unique_ptr<kernels::backend> backend_;
    std::shared_ptr<const rwkv57_weights> weights_;
};

TEST_P(Rwkv57Consistency, SerialEqualsParallelForManyLengthsAndChunkings) {
    for (std::size_t n : {1u, 2u, 33u, 1000u}) {
        const auto ids = random_ids(n, static_cast<std::uint32_t>(n));
        auto serial = make(true);
        auto s_state = serial->new_state();
        const auto reference = run(*serial, *s_state, ids, {n});
        for (const std::vector<std::size_t>& chunks :
             std::vector<std::vector<std::size_t>>{{n}, {1}, {7}, {64}, {5, 1, 13}}) {
            auto parallel = make(false);
            auto p_state = parallel->new_state();
            const auto logits = run(*parallel, *p_state, ids, chunks);
            // Summation orders differ (sgemm vs sgemv); errors stay at float level.
            EXPECT_LE(max_diff(logits, reference), 2e-4) << "n=" << n << " first chunk " << chunks[0];
            EXPECT_LE(max_diff(p_state->download(), s_state->download()), 2e-4) << "n=" << n;
            EXPECT_EQ(p_state->n_tokens(), static_cast<std::int64_t>(n));
        }
    }
}

TEST_P(Rwkv57Consistency, ParallelPrefillThenSerialStepsEqualsSerialAllTheWay) {
    const auto ids = random_ids(80, 99);
    auto serial = make(true);
    auto s_state = serial->new_state();
    const auto reference = run(*serial, *s_state, ids, {1});
    auto parallel = make(false);
    auto state = parallel->new_state();
    std::vector<float> logits, part;
    parallel->forward(std::span(ids).first(60), *state, logits_mode::all, logits);
    for (std::size_t t = 60; t < ids.size(); ++t) {
        serial->forward(std::span(ids).subspan(t, 1), *state, logits_mode::all, part);
        logits.insert(logits.end(), part.begin(), part.end());
    }
    EXPECT_LE(max_diff(logits, reference), 2e-4);
    // prefill() brings the serial engine's state to the same place as forward().
    auto prefilled = serial->new_state();
    serial->prefill(std::span(ids).first(60), *prefilled, part);
    auto fed = serial->new_state();
    serial->forward(std::span(ids).first(60), *fed, logits_mode::last, logits);
    EXPECT_LE(max_diff(part, logits), 2e-4);
    EXPECT_EQ(prefilled->n_tokens(), 60);
}

TEST_P(Rwkv57Consistency, CopiedStateContinuesBitForBit) {
    const auto ids = random_ids(40, 5);
    auto e = make(false);
    auto st = e->new_state();
    std::vector<float> first, second, unused;
    e->forward(std::span(ids).first(20), *st, logits_mode::last, unused);
    auto copy = st->copy();
    e->forward(std::span(ids).subspan(20), *st, logits_mode::all, first);
    e->forward(std::span(ids).subspan(20), *copy, logits_mode::all, second);
    EXPECT_EQ(first, second);
    EXPECT_FALSE(st->keeps_history());
    EXPECT_FALSE(st->rewind(10));
}

// The export holds the golden layout; download() the same values per layer.
TEST_P(Rwkv57Consistency, StateExportLayout) {
    const rwkv57_shape s = small(GetParam());
    auto e = make(true);
    auto st = e->new_state();
    std::vector<float> unused;
    e->forward(random_ids(9, 3), *st, logits_mode::last, unused);
    const auto arrays = st->export_arrays();
    ASSERT_EQ(arrays.size(), 3u);
    EXPECT_EQ(arrays[0].name, "state.att_xx");
    EXPECT_EQ(arrays[0].shape, (std::vector<std::int64_t>{s.n_layer, s.n_embd}));
    EXPECT_EQ(arrays[1].name, "state.att_kv");
    EXPECT_EQ(arrays[1].shape, (std::vector<std::int64_t>{s.n_layer, s.n_head(), s.head_size, s.head_size}));
    EXPECT_EQ(arrays[2].name, "state.ffn_xx");
    const auto raw = st->download();
    EXPECT_EQ(raw.size() * sizeof(float), st->bytes());
    EXPECT_EQ(e->info().state_bytes, st->bytes());
    const std::size_t kv = static_cast<std::size_t>(s.n_head() * s.head_size * s.head_size), c = s.n_embd;
    const std::size_t last = s.n_layer - 1, per_layer = 2 * c + kv;
    EXPECT_EQ(raw[last * per_layer], arrays[0].values[last * c]);
    EXPECT_EQ(raw[last * per_layer + c], arrays[1].values[last * kv]);
    EXPECT_EQ(raw[last * per_layer + c + kv], arrays[2].values[last * c]);
    double norm = 0;
    for (float x : arrays[1].values) norm += std::fabs(x);
    EXPECT_GT(norm, 0.0) << "the matrix state never moved";
}

// Half-precision weights run and stay near f32 (activations are f32).
TEST_P(Rwkv57Consistency, HalfPrecisionWeightsStayClose) {
    const auto ids = random_ids(50, 8);
    auto st = make(false)->new_state();
    auto f32 = make(false);
    const auto reference = run(*f32, *st, ids, {50});
    for (kernels::dtype wt : {kernels::dtype::bf16, kernels::dtype::f16}) {
        auto w = upload_rwkv57(small(GetParam()), random_rwkv57_source(small(GetParam()), 11), *backend_, wt);
        auto e = make_rwkv57_engine(false, w, *backend_);
        auto s = e->new_state();
        const auto logits = run(*e, *s, ids, {50});
        EXPECT_LE(max_diff(logits, reference), wt == kernels::dtype::bf16 ? 0.25 : 0.03);
        EXPECT_GT(max_diff(logits, reference), 0.0);
    }
}

INSTANTIATE_TEST_SUITE_P(Versions, Rwkv57Consistency, testing::Values(5, 7),
                         [](const testing::TestParamInfo<int>& i) { return "v" + std::to_string(i.param); });

}  // namespace
