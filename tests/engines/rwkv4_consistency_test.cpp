// Serial == parallel on random models, any chunking, prefill-then-step, and
// weight dtypes that keep activations in f32 (no f16 overflow).
#include <gtest/gtest.h>

#include <cmath>

#include "array_diff.h"
#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"

namespace {

using namespace engines;

const rwkv4_shape small{3, 48, 96, 300};

std::shared_ptr<const rwkv4_weights> random_weights(kernels::backend& b, kernels::dtype wt = kernels::dtype::f32,
                                                    std::uint64_t seed = 7) {
    return upload_rwkv4(small, random_rwkv4_source(small, seed), b, wt);
}

std::vector<std::int32_t> random_ids(std::size_t n, std::uint32_t seed) {
    std::vector<std::int32_t> ids(n);
    for (auto& id : ids) id = static_cast<std::int32_t>((seed = seed * 1664525u + 1013904223u) >> 8) % static_cast<std::int32_t>(small.n_vocab);
    return ids;
}

// Feeds `ids` in chunks of the given sizes (cycled), collecting all logits.
std::vector<float> run(engine& e, engine_state& st, const std::vector<std::int32_t>& ids, std::vector<std::size_t> chunks) {
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

TEST(Rwkv4Consistency, SerialEqualsParallelForManyLengthsAndChunkings) {
    auto b = kernels::make_cpu_backend(0);
    const auto w = random_weights(*b);
    for (std::size_t n : {1u, 2u, 33u, 1000u}) {
        const auto ids = random_ids(n, static_cast<std::uint32_t>(n));
        auto serial = make_rwkv4_engine(true, w, *b);
        auto s_state = serial->new_state();
        const auto reference = run(*serial, *s_state, ids, {n});
        for (const std::vector<std::size_t>& chunks : std::vector<std::vector<std::size_t>>{{n}, {1}, {7}, {64}, {5, 1, 13}}) {
            auto parallel = make_rwkv4_engine(false, w, *b);
            auto p_state = parallel->new_state();
            const auto logits = run(*parallel, *p_state, ids, chunks);
            // Summation orders differ (sgemm vs sgemv); errors stay at float level.
            EXPECT_LE(max_diff(logits, reference), 2e-4) << "n=" << n << " first chunk " << chunks[0];
            EXPECT_LE(max_diff(p_state->download(), s_state->download()), 2e-3) << "n=" << n;
            EXPECT_EQ(p_state->n_tokens(), static_cast<std::int64_t>(n));
        }
    }
}

TEST(Rwkv4Consistency, ParallelPrefillThenSerialStepsEqualsSerialAllTheWay) {
    auto b = kernels::make_cpu_backend(0);
    const auto w = random_weights(*b);
    const auto ids = random_ids(80, 99);
    auto serial = make_rwkv4_engine(true, w, *b);
    auto s_state = serial->new_state();
    const auto reference = run(*serial, *s_state, ids, {1});
    // Prefill 60 tokens in parallel, then continue on the same state with the serial engine.
    auto parallel = make_rwkv4_engine(false, w, *b);
    auto state = parallel->new_state();
    std::vector<float> logits, part;
    parallel->forward(std::span(ids).first(60), *state, logits_mode::all, logits);
    for (std::size_t t = 60; t < ids.size(); ++t) {
        serial->forward(std::span(ids).subspan(t, 1), *state, logits_mode::all, part);
        logits.insert(logits.end(), part.begin(), part.end());
    }
    EXPECT_LE(max_diff(logits, reference), 2e-4);
}

TEST(Rwkv4Consistency, LastModeIsTheLastRowOfAll) {
    auto b = kernels::make_cpu_backend(0);
    const auto w = random_weights(*b);
    const auto ids = random_ids(17, 5);
    for (bool serial : {true, false}) {
        auto e = make_rwkv4_engine(serial, w, *b);
        auto s1 = e->new_state(), s2 = e->new_state();
        std::vector<float> all, last;
        e->forward(ids, *s1, logits_mode::all, all);
        e->forward(ids, *s2, logits_mode::last, last);
        const std::vector<float> tail(all.end() - static_cast<std::ptrdiff_t>(small.n_vocab), all.end());
        // One row goes through sgemv, 17 rows through sgemm: summation order differs.
        EXPECT_LE(max_diff(last, tail), 1e-5) << serial;
    }
}

TEST(Rwkv4Consistency, HalfWeightsStayCloseToF32) {
    auto b = kernels::make_cpu_backend(0);
    const auto ids = random_ids(40, 3);
    auto f32 = make_rwkv4_engine(false, random_weights(*b), *b);
    auto st = f32->new_state();
    std::vector<float> ref;
    f32->forward(ids, *st, logits_mode::all, ref);
    for (kernels::dtype wt : {kernels::dtype::f16, kernels::dtype::bf16}) {
        auto e = make_rwkv4_engine(false, random_weights(*b, wt), *b);
        auto s = e->new_state();
        std::vector<float> got;
        e->forward(ids, *s, logits_mode::all, got);
        // Only the weights are rounded: 2^-11 (f16) or 2^-8 (bf16) relative per weight.
        EXPECT_LE(max_diff(got, ref), wt == kernels::dtype::f16 ? 5e-3 : 5e-2) << kernels::dtype_name(wt);
        EXPECT_GT(max_diff(got, ref), 0.0) << "weights were not stored as " << kernels::dtype_name(wt);
    }
}

// A model whose activations leave the f16 range: att.value scaled so that v
// (and so wkv and the residual stream) reach ~1e5. With f16 *weights* and f32
// activations the logits stay finite and close to the f32 run — an all-f16
// pipeline would overflow (ChatRWKV keeps k, v in f32 and rescales every 6
// layers for this reason).
TEST(Rwkv4Consistency, F16WeightsDoNotOverflowOnHugeActivations) {
    auto b = kernels::make_cpu_backend(0);
    const auto base = random_rwkv4_source(small, 11);
    auto loud = [&](const std::string& name) {
        float_tensor t = base(name);
        if (name.find("att.value.weight") != std::string::npos)
            for (float& x : t.values) x *= 1e5f;  // still inside f16 range: |w| <= 1e5 / sqrt(48)
        return t;
    };
    const auto ids = random_ids(20, 8);
    std::vector<float> ref, got;
    auto e32 = make_rwkv4_engine(true, upload_rwkv4(small, loud, *b, kernels::dtype::f32), *b);
    auto s32 = e32->new_state();
    e32->forward(ids, *s32, logits_mode::all, ref);
    auto e16 = make_rwkv4_engine(true, upload_rwkv4(small, loud, *b, kernels::dtype::f16), *b);
    auto s16 = e16->new_state();
    e16->forward(ids, *s16, logits_mode::all, got);
    // v really leaves the f16 range: aa/bb (at a common exponent) is a weighted mean of v.
    const std::vector<float> state = s32->download();
    float biggest = 0;
    for (std::int64_t l = 0; l < small.n_layer; ++l)
        for (std::int64_t c = 0; c < small.n_embd; ++c) {
            const float aa = state[static_cast<std::size_t>((l * 5 + 1) * small.n_embd + c)];
            const float bb = state[static_cast<std::size_t>((l * 5 + 2) * small.n_embd + c)];
            biggest = std::max(biggest, std::fabs(aa / bb));
        }
    EXPECT_GT(biggest, 65504.0f);
    // ...and the f16-weight logits are finite and within f16 weight rounding.
    for (float x : got) ASSERT_TRUE(std::isfinite(x));
    double scale = 0;
    for (float x : ref) scale = std::max(scale, static_cast<double>(std::fabs(x)));
    EXPECT_LE(max_diff(got, ref), 1e-2 * std::max(1.0, scale));
}

TEST(Rwkv4Consistency, F16RefusesWeightsOutsideItsRange) {
    auto b = kernels::make_cpu_backend(0);
    const auto base = random_rwkv4_source(small, 11);
    auto huge = [&](const std::string& name) {
        float_tensor t = base(name);
        if (name == "head.weight") t.values[5] = 1e6f;
        return t;
    };
    EXPECT_THROW(upload_rwkv4(small, huge, *b, kernels::dtype::f16), harness::unsupported_error);
    EXPECT_NO_THROW(upload_rwkv4(small, huge, *b, kernels::dtype::bf16));
}

TEST(Rwkv4Consistency, BadTokenIdsAreInputErrors) {
    auto b = kernels::make_cpu_backend(0);
    auto e = make_rwkv4_engine(false, random_weights(*b), *b);
    auto st = e->new_state();
    std::vector<float> out;
    EXPECT_THROW(e->forward(std::vector<std::int32_t>{1, 300}, *st, logits_mode::all, out), harness::input_error);
    EXPECT_EQ(st->n_tokens(), 0);
}

TEST(Registry, RandomPresetsHavePublishedShapes) {
    EXPECT_EQ(rwkv4_preset("random:rwkv4-169m")->n_embd, 768);
    EXPECT_EQ(rwkv4_preset("random:rwkv4-3b")->n_layer, 32);
    EXPECT_FALSE(rwkv4_preset("random:rwkv4-7b").has_value());
    auto b = kernels::make_cpu_backend(0);
    EXPECT_THROW(make_engine("rwkv5", "random:rwkv4-169m", *b), harness::usage_error);
    EXPECT_THROW(make_engine("rwkv4-serial", "random:rwkv4-7b", *b), harness::usage_error);
}

TEST(Registry, RandomWeightsAreDeterministic) {
    const auto src = random_rwkv4_source(small, 5);
    EXPECT_EQ(src("blocks.1.att.key.weight").values, random_rwkv4_source(small, 5)("blocks.1.att.key.weight").values);
    EXPECT_NE(src("blocks.1.att.key.weight").values, random_rwkv4_source(small, 6)("blocks.1.att.key.weight").values);
}

}  // namespace
