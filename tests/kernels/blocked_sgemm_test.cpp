// blocked_sgemm, the prefill path of weights sgemm cannot read (f16, bf16,
// block formats): rows converted by a callback into buffers that sgemm
// reads. With T below chunked_sgemm_tokens_min each thread converts its own
// row blocks; from it on, all threads convert one chunk at a time for one
// threaded sgemm. Small chunk sizes here give many chunks and a partial last
// one, which the shipped 16 MiB chunks only reach on large matrices. Every
// row must come out once, from its own weights: checked against a double
// reference, with weights that differ per row so a misplaced row shows.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <vector>

#include "../../kernels/cpu/cpu_backend.h"

namespace {

using namespace kernels;

struct sgemm_shape {
    std::int64_t t, k, n, chunk_floats;
};

TEST(BlockedSgemm, EveryRowOnceFromItsOwnWeights) {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (const sgemm_shape s : {sgemm_shape{cpu::chunked_sgemm_tokens_min, 64, 100, 1000},    // 15 rows a chunk
                                sgemm_shape{cpu::chunked_sgemm_tokens_min + 3, 96, 37, 96},   // a row a chunk
                                sgemm_shape{cpu::chunked_sgemm_tokens_min, 32, 50, 1 << 22},  // one chunk
                                sgemm_shape{9, 48, 70, 1000}}) {                              // per-thread blocks
        std::vector<float> x(static_cast<std::size_t>(s.t * s.k)), w(static_cast<std::size_t>(s.n * s.k));
        for (float& v : x) v = u(rng);
        for (float& v : w) v = u(rng);
        for (int threads : {1, 2}) {
            std::vector<float> out(static_cast<std::size_t>(s.t * s.n), NAN);
            std::vector<std::atomic<int>> converted(static_cast<std::size_t>(s.n));
            cpu::blocked_sgemm(
                tensor_view::make(x.data(), dtype::f32, {s.t, s.k}), s.n, threads,
                tensor_view::make(out.data(), dtype::f32, {s.t, s.n}),
                [&](std::int64_t row0, std::int64_t rows, float* dst) {
                    for (std::int64_t r = row0; r < row0 + rows; ++r) ++converted[static_cast<std::size_t>(r)];
                    std::copy_n(w.data() + row0 * s.k, rows * s.k, dst);
                },
                s.chunk_floats);
            for (std::int64_t n = 0; n < s.n; ++n)
                ASSERT_EQ(converted[static_cast<std::size_t>(n)], 1) << "row " << n << " converted once";
            for (std::int64_t t = 0; t < s.t; ++t)
                for (std::int64_t n = 0; n < s.n; ++n) {
                    double want = 0;
                    for (std::int64_t k = 0; k < s.k; ++k)
                        want += static_cast<double>(x[static_cast<std::size_t>(t * s.k + k)]) *
                                w[static_cast<std::size_t>(n * s.k + k)];
                    // K float products and sums of terms <= 1: K ulps of 1 bounds sgemm's rounding.
                    ASSERT_NEAR(out[static_cast<std::size_t>(t * s.n + n)], want, static_cast<double>(s.k) * 1.2e-7)
                        << "T=" << s.t << " K=" << s.k << " N=" << s.n << " chunk " << s.chunk_floats << ", token " << t
                        << " row " << n << ", " << threads << " threads";
                }
        }
    }
}

}  // namespace
