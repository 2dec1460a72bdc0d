// cpu_options::int8_activations: block-format weights at decode multiply
// activations quantized to 8 bits per 32 values (rwkv.cpp's and llama.cpp's
// arithmetic), each block's dot product exact in integers on AVX-512 VNNI or,
// without it, on AVX2 (both are run where this CPU has them).
//   1. the quantizer is ggml's x86 quantize_row_q8_0/q8_1: d = amax / 127
//      as fp16, q = x * 127 / amax rounded to nearest even, s = fp16(d sum q);
//   2. the backend's row dots equal the reference (quant_dot_q8) up to the
//      float sums of the block terms, for every format, 1-32 tokens, odd
//      block counts and odd row counts;
//   3. they sit within the activations' quantization error of the exact f32
//      path, and the option is refused on the scalar path.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"
#include "kernels/quant.h"

namespace {

using namespace kernels;

TEST(QuantizeActivations, IsGgmlsQuantizer) {
    // amax 127: id = 1, so q is x rounded to nearest even.
    std::vector<float> x(32, 0.0f);
    x[0] = 127.0f, x[1] = 0.5f, x[2] = 1.5f, x[3] = -2.5f, x[4] = -127.0f, x[5] = 3.49f;
    std::vector<std::int8_t> q(32);
    float d = -1, s = -1;
    quantize_activations_q8(x.data(), 32, q.data(), &d, &s);
    EXPECT_EQ(d, 1.0f);
    EXPECT_EQ(q[0], 127);
    EXPECT_EQ(q[1], 0) << "0.5 rounds to even";
    EXPECT_EQ(q[2], 2) << "1.5 rounds to even";
    EXPECT_EQ(q[3], -2) << "-2.5 rounds to even";
    EXPECT_EQ(q[4], -127);
    EXPECT_EQ(q[5], 3);
    EXPECT_EQ(s, 3.0f) << "d times the sum of q: 127 + 0 + 2 - 2 - 127 + 3";
    // A block of zeros: d = 0 and q = 0; d and s are fp16 values.
    std::vector<float> zeros(32, 0.0f), odd(32, 0.3f);
    quantize_activations_q8(zeros.data(), 32, q.data(), &d, &s);
    EXPECT_EQ(d, 0.0f);
    EXPECT_EQ(s, 0.0f);
    for (std::int8_t v : q) EXPECT_EQ(v, 0);
    quantize_activations_q8(odd.data(), 32, q.data(), &d, &s);
    EXPECT_EQ(d, f16_to_f32(f32_to_f16(0.3f / 127.0f)));
    EXPECT_EQ(q[7], 127);
    const float unrounded_d = 0.3f / 127.0f;
    EXPECT_EQ(s, f16_to_f32(f32_to_f16(unrounded_d * 4064.0f))) << "32 times q = 127";
}

std::unique_ptr<backend> int8_backend(int threads, cpu_isa isa) {
    cpu_options o;
    o.int8_activations = true, o.n_threads = threads, o.isa = isa;
    return make_cpu_backend(o);
}

// The int8 row dots this CPU can run: AVX2's, and AVX-512's (VNNI where the
// CPU has it, else AVX2's kernels again).
std::vector<cpu_isa> int8_isas() {
    std::vector<cpu_isa> out;
    for (cpu_isa isa : {cpu_isa::avx2, cpu_isa::avx512})
        if (cpu_isa_available(isa)) out.push_back(isa);
    return out;
}

struct shape {
    std::int64_t t, k, n;
};

TEST(Int8Activations, RowDotsAreTheReference) {
    if (!int8_activations_available()) GTEST_SKIP() << "this CPU lacks AVX2";
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (cpu_isa isa : int8_isas())
        for (int threads : {1, 2}) {
            auto b = int8_backend(threads, isa);
            for (dtype wt : {dtype::q4_0, dtype::q4_1, dtype::q5_0, dtype::q5_1, dtype::q8_0}) {
                const quant_format f = quant_format_of(wt);
                for (const shape s : {shape{1, 32, 1}, shape{1, 96, 7}, shape{3, 768, 33}, shape{5, 160, 64},
                                      shape{13, 512, 301}, shape{32, 64, 40}}) {
                    std::vector<float> x(static_cast<std::size_t>(s.t * s.k)), wf(static_cast<std::size_t>(s.n * s.k));
                    for (float& v : x) v = u(rng);
                    for (float& v : wf) v = u(rng);
                    std::vector<unsigned char> w(static_cast<std::size_t>(storage_bytes(wt, s.n * s.k)));
                    quantize_row(f, wf.data(), s.n * s.k, w.data());
                    std::vector<float> out(static_cast<std::size_t>(s.t * s.n));
                    b->matmul(tensor_view::make(x.data(), dtype::f32, {s.t, s.k}),
                              tensor_view::make(w.data(), wt, {s.n, s.k}), {},
                              tensor_view::make(out.data(), dtype::f32, {s.t, s.n}));
                    const std::int64_t blocks = s.k / 32, row_bytes = blocks * quant_block_bytes(f);
                    std::vector<std::int8_t> q(static_cast<std::size_t>(s.k));
                    std::vector<float> d(static_cast<std::size_t>(blocks)), sa(static_cast<std::size_t>(blocks));
                    for (std::int64_t t = 0; t < s.t; ++t) {
                        quantize_activations_q8(x.data() + t * s.k, s.k, q.data(), d.data(), sa.data());
                        for (std::int64_t n = 0; n < s.n; ++n) {
                            const double want =
                                quant_dot_q8(f, w.data() + n * row_bytes, q.data(), d.data(), sa.data(), s.k);
                            // Float sums of at most K/32 block terms of size <= 32 (1/127)(15 d_w)...
                            // bounded by K * 1e-6 of the unit-scale products.
                            ASSERT_NEAR(out[static_cast<std::size_t>(t * s.n + n)], want,
                                        1e-6 * static_cast<double>(s.k))
                                << dtype_name(wt) << " T=" << s.t << " K=" << s.k << " N=" << s.n << " token " << t
                                << " row " << n << ", " << threads << " threads, " << cpu_isa_name(isa);
                        }
                    }
                }
            }
        }
}

TEST(Int8Activations, StayWithinTheActivationRoundingOfTheExactPath) {
    if (!int8_activations_available()) GTEST_SKIP() << "this CPU lacks AVX2";
    for (cpu_isa isa : int8_isas()) {
        auto fast = int8_backend(1, isa);
        auto exact = make_cpu_backend(1);
        std::mt19937 rng(11);
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        const std::int64_t t = 2, k = 1024, n = 64;
        std::vector<float> x(static_cast<std::size_t>(t * k)), wf(static_cast<std::size_t>(n * k));
        for (float& v : x) v = u(rng);
        for (float& v : wf) v = u(rng);
        std::vector<unsigned char> w(static_cast<std::size_t>(storage_bytes(dtype::q8_0, n * k)));
        quantize_row(quant_format::q8_0, wf.data(), n * k, w.data());
        std::vector<float> a(static_cast<std::size_t>(t * n)), e(a.size());
        const tensor_view xv = tensor_view::make(x.data(), dtype::f32, {t, k}),
                          wv = tensor_view::make(w.data(), dtype::q8_0, {n, k});
        fast->matmul(xv, wv, {}, tensor_view::make(a.data(), dtype::f32, {t, n}));
        exact->matmul(xv, wv, {}, tensor_view::make(e.data(), dtype::f32, {t, n}));
        double moved = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            // Each activation moves by at most half a step (amax / 254 <= 1/254)
            // times a weight <= 1: a random walk of K such terms, bounded here by
            // its 6-sigma value.
            EXPECT_NEAR(a[i], e[i], 6.0 * std::sqrt(static_cast<double>(k) / 3.0) / 254.0) << "output " << i;
            moved = std::max(moved, std::abs(static_cast<double>(a[i]) - e[i]));
        }
        EXPECT_GT(moved, 1e-4) << "the activations were quantized";
    }
}

TEST(Int8Activations, AreRefusedOnTheScalarPath) {
    cpu_options o;
    o.int8_activations = true;
    o.isa = cpu_isa::scalar;
    EXPECT_THROW(make_cpu_backend(o), harness::unsupported_error);
}

}  // namespace
