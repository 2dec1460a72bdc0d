// parallel_for / parallel_region (kernels/cpu/parallel_for.h): the CPU ops'
// way into OpenMP. Every index runs exactly once whether the work is split
// or run on the calling thread; a region's body sees a team of one when it
// is not worth threads, and the whole team when it is.
#include "../../kernels/cpu/parallel_for.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <vector>

namespace {

using kernels::cpu::parallel_for;
using kernels::cpu::parallel_region;

TEST(ParallelFor, RunsEveryIndexOnce) {
    for (std::int64_t n : {0, 1, 2, 7, 1000})
        for (int threads : {1, 2, 3})
            for (bool worth_it : {false, true}) {
                std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
                std::atomic<int> other_threads{0};
                const int caller = omp_get_thread_num();
                parallel_for(n, threads, worth_it, [&](std::int64_t i) {
                    seen[static_cast<std::size_t>(i)]++;
                    if (!worth_it && omp_in_parallel()) other_threads++;
                });
                for (std::int64_t i = 0; i < n; ++i)
                    ASSERT_EQ(seen[static_cast<std::size_t>(i)], 1)
                        << "index " << i << " of " << n << ", " << threads << " threads, worth_it " << worth_it;
                EXPECT_EQ(other_threads, 0) << "work not worth threads stays on the calling thread " << caller;
            }
}

TEST(ParallelRegion, TeamOfOneUnlessWorthIt) {
    std::atomic<int> calls{0}, team{0};
    parallel_region(2, false, [&] {
        calls++;
        team = omp_get_num_threads();
    });
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(team, 1);
    calls = 0;
    parallel_region(2, true, [&] {
        calls++;
        team = omp_get_num_threads();
    });
    EXPECT_EQ(calls, team.load()) << "once per thread of the region";
    EXPECT_GE(team, 1);
    // An orphaned omp for inside a region of one covers the whole range.
    std::vector<int> seen(10, 0);
    parallel_region(4, false, [&] {
#pragma omp for
        for (int i = 0; i < 10; ++i) seen[static_cast<std::size_t>(i)]++;
    });
    for (int v : seen) EXPECT_EQ(v, 1);
}

}  // namespace
