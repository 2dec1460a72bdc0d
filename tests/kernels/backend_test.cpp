// Backend construction and registry behaviour: devices by name, ISA
// requests, CUDA absence as an answer rather than a crash.
#include <gtest/gtest.h>

#include <cstring>

#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"
#include "kernels/quant.h"

namespace {

using namespace kernels;

TEST(Backends, CpuByName) {
    auto b = make_backend("cpu", 1);
    EXPECT_EQ(b->name(), "cpu");
    EXPECT_EQ(b->device(), device_kind::cpu);
}

TEST(Backends, UnknownDeviceIsAUsageError) {
    EXPECT_THROW(make_backend("tpu"), harness::usage_error);
}

TEST(Backends, CudaWithoutDeviceIsUnsupportedWithAReason) {
    std::string reason;
    if (cuda_available(&reason)) GTEST_SKIP() << "a CUDA device is present";
    EXPECT_FALSE(reason.empty());
    EXPECT_TRUE(cuda_devices().empty());
    try {
        make_backend("cuda");
        FAIL() << "expected unsupported_error";
    } catch (const harness::unsupported_error& e) {
        EXPECT_NE(std::string(e.what()).find("--device cuda"), std::string::npos) << e.what();
        EXPECT_EQ(e.code(), harness::exit_code::bad_input);
    }
}

TEST(Backends, IsaNamesRoundTrip) {
    for (cpu_isa isa : {cpu_isa::auto_detect, cpu_isa::scalar, cpu_isa::avx2, cpu_isa::avx512, cpu_isa::avx512_bf16})
        EXPECT_EQ(parse_cpu_isa(cpu_isa_name(isa)), isa);
    EXPECT_FALSE(parse_cpu_isa("sse9").has_value());
}

TEST(Backends, UnavailableIsaIsRefused) {
    for (cpu_isa isa : {cpu_isa::avx2, cpu_isa::avx512, cpu_isa::avx512_bf16}) {
        cpu_options o;
        o.isa = isa;
        if (cpu_isa_available(isa))
            EXPECT_NO_THROW(make_cpu_backend(o));
        else
            EXPECT_THROW(make_cpu_backend(o), harness::unsupported_error);
    }
}

TEST(Backends, NativeBf16PathDeclinesF16Weights) {
    if (!cpu_isa_available(cpu_isa::avx512_bf16)) GTEST_SKIP() << "no AVX-512 BF16";
    cpu_options o;
    o.isa = cpu_isa::avx512_bf16;
    auto b = make_cpu_backend(o);
    EXPECT_TRUE(b->supports({op_kind::matmul, dtype::bf16}));
    EXPECT_FALSE(b->supports({op_kind::matmul, dtype::f16}));
}

// Up to 32 tokens the SIMD paths multiply with the decode kernels, the tokens
// in groups over row blocks: each token's row comes out bit for bit as when
// it is multiplied alone (what makes --batch-size 32 reproduce batch 1).
TEST(Backends, BatchedDecodeRowsAreExactlyOneTokenAtATime) {
    for (cpu_isa isa : {cpu_isa::avx2, cpu_isa::avx512, cpu_isa::avx512_bf16}) {
        if (!cpu_isa_available(isa)) continue;
        cpu_options o;
        o.isa = isa, o.n_threads = 2;
        auto b = make_cpu_backend(o);
        for (dtype wt : {dtype::f32, dtype::bf16, dtype::q8_0}) {
            if (!b->supports({op_kind::matmul, wt})) continue;
            const std::int64_t t = 32, k = 1024, n = 300;
            std::vector<float> x(static_cast<std::size_t>(t * k)), wf(static_cast<std::size_t>(n * k));
            for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i * 37 % 101) - 50) / 50.0f;
            for (std::size_t i = 0; i < wf.size(); ++i) wf[i] = static_cast<float>(static_cast<int>(i * 53 % 97) - 48) / 48.0f;
            std::vector<unsigned char> w(static_cast<std::size_t>(storage_bytes(wt, n * k)));
            if (wt == dtype::f32)
                std::memcpy(w.data(), wf.data(), w.size());
            else if (wt == dtype::bf16)
                for (std::size_t i = 0; i < wf.size(); ++i) {
                    std::uint32_t bits;
                    std::memcpy(&bits, &wf[i], 4);
                    const auto half = static_cast<std::uint16_t>(bits >> 16);
                    std::memcpy(w.data() + 2 * i, &half, 2);
                }
            else
                quantize_row(quant_format_of(wt), wf.data(), n * k, w.data());
            const tensor_view wv = tensor_view::make(w.data(), wt, {n, k});
            std::vector<float> all(static_cast<std::size_t>(t * n)), one(static_cast<std::size_t>(n));
            b->matmul(tensor_view::make(x.data(), dtype::f32, {t, k}), wv, {},
                      tensor_view::make(all.data(), dtype::f32, {t, n}));
            for (std::int64_t row = 0; row < t; ++row) {
                b->matmul(tensor_view::make(x.data() + row * k, dtype::f32, {1, k}), wv, {},
                          tensor_view::make(one.data(), dtype::f32, {1, n}));
                ASSERT_EQ(std::vector<float>(all.begin() + row * n, all.begin() + (row + 1) * n), one)
                    << cpu_isa_name(isa) << " " << dtype_name(wt) << " token " << row;
            }
        }
    }
}

TEST(Backends, CpuEmbeddingRejectsIdsOutsideTheVocabulary) {
    auto b = make_cpu_backend(1);
    std::vector<float> table(4 * 3, 1.0f), out(2 * 3);
    std::vector<std::int32_t> ids = {1, 4};
    EXPECT_THROW(b->embedding(tensor_view::make(table.data(), dtype::f32, {4, 3}),
                              tensor_view::make(ids.data(), dtype::i32, {2}),
                              tensor_view::make(out.data(), dtype::f32, {2, 3})),
                 harness::unsupported_error);
}

// OpenBLAS's fallbacks below AVX2 are replaced by kernels for the CPU's best
// vector unit; a choice at AVX2 or above stands, and so does any choice on
// a CPU without AVX2.
TEST(Backends, BlasCoreForReplacesOnlyFallbacksBelowAvx2) {
    EXPECT_EQ(blas_core_for("Prescott", cpu_isa::avx512_bf16), "Cooperlake");
    EXPECT_EQ(blas_core_for("prescott", cpu_isa::avx512), "SkylakeX");
    EXPECT_EQ(blas_core_for("Nehalem", cpu_isa::avx2), "Haswell");
    EXPECT_EQ(blas_core_for("Sandybridge", cpu_isa::avx2), "Haswell");  // AVX without FMA
    EXPECT_EQ(blas_core_for("Prescott", cpu_isa::scalar), std::nullopt);
    for (const char* fine : {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"})
        EXPECT_EQ(blas_core_for(fine, cpu_isa::avx512_bf16), std::nullopt) << fine;
}

TEST(Backends, ThreadCountIsApplied) {
    auto b = make_cpu_backend(1);
    EXPECT_EQ(cpu_thread_count(), 1);
    EXPECT_NE(blas_description().find("OpenBLAS"), std::string::npos);
}

}  // namespace
