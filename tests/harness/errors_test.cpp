#include <gtest/gtest.h>

#include "harness/build_info.h"
#include "harness/cpu_features.h"
#include "harness/errors.h"

namespace {

TEST(Errors, InputErrorNamesFileOffsetAndProblem) {
    const harness::input_error e("models/x.bin", "byte", 4096, "tensor 'a' has 3 dims, expected 2");
    EXPECT_STREQ(e.what(), "models/x.bin: byte 4096: tensor 'a' has 3 dims, expected 2");
    EXPECT_EQ(e.id(), "input_error");
    EXPECT_EQ(e.code(), harness::exit_code::bad_input);
}

TEST(Errors, ExitCodesFollowTheContract) {
    EXPECT_EQ(static_cast<int>(harness::usage_error("x").code()), 2);
    EXPECT_EQ(static_cast<int>(harness::config_error("/a", "x").code()), 2);
    EXPECT_EQ(static_cast<int>(harness::unsupported_error("x").code()), 2);
    EXPECT_EQ(static_cast<int>(harness::backend_error("f()", "a.cpp", 3, "boom").code()), 3);
}

TEST(Errors, BackendErrorCarriesStatementAndPlace) {
    const harness::backend_error e("cudaMalloc(&p, n)", "x.cpp", 12, "CUDA error: out of memory");
    EXPECT_STREQ(e.what(), "CUDA error: out of memory in `cudaMalloc(&p, n)` at x.cpp:12");
}

TEST(BuildInfo, HasVersionAndCommit) {
    const auto& b = harness::get_build_info();
    EXPECT_FALSE(b.version.empty());
    EXPECT_FALSE(b.git_commit.empty());
    EXPECT_EQ(b.cuda_enabled, !b.cuda_architectures.empty());
}

TEST(CpuFeatures, SummaryListsOnlyPresentFeatures) {
    const auto& f = harness::detect_cpu_features();
    EXPECT_GT(f.logical_cores, 0);
    EXPECT_EQ(f.summary().find("avx512f") != std::string::npos, f.avx512f);
    // AVX-512 implies AVX2 on every real CPU; a detection bug would break this.
    if (f.avx512f) {
        EXPECT_TRUE(f.avx2);
    }
}

}  // namespace
