// Backend construction and registry behaviour: devices by name, ISA
// requests, CUDA absence as an answer rather than a crash.
#include <gtest/gtest.h>

#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"

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
