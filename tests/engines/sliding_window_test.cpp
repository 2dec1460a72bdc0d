#include <gtest/gtest.h>

#include "engines/sliding_window.h"
#include "harness/errors.h"

namespace {

using engines::sliding_windows;

TEST(SlidingWindow, TheDiagramInTheHeader) {
    const auto w = sliding_windows(10, 6, 3);
    ASSERT_EQ(w.size(), 3u);
    EXPECT_EQ(w[0].begin, 0);
    EXPECT_EQ(w[0].end, 6);
    EXPECT_EQ(w[0].first_scored, 1);
    EXPECT_EQ(w[1].begin, 3);
    EXPECT_EQ(w[1].end, 9);
    EXPECT_EQ(w[1].first_scored, 6);
    EXPECT_EQ(w[2].begin, 4);
    EXPECT_EQ(w[2].end, 10);
    EXPECT_EQ(w[2].first_scored, 9);
}

TEST(SlidingWindow, EveryTokenScoredOnceWithinTheContext) {
    for (std::int64_t n : {1, 2, 5, 100, 1001})
        for (std::int64_t context : {2, 7, 64})
            for (std::int64_t stride : {std::int64_t{1}, context / 2, context - 1}) {
                if (stride < 1) continue;
                std::vector<int> scored(static_cast<std::size_t>(n), 0);
                for (const auto& w : sliding_windows(n, context, stride)) {
                    ASSERT_LE(w.end - w.begin, context);
                    ASSERT_TRUE(w.end - w.begin == context || w.begin == 0);  // windows are as full as they can be
                    ASSERT_GT(w.first_scored, w.begin);  // a scored token always has context in its window
                    for (std::int64_t t = w.first_scored; t < w.end; ++t) ++scored[static_cast<std::size_t>(t)];
                }
                for (std::int64_t t = 0; t < n; ++t)
                    ASSERT_EQ(scored[static_cast<std::size_t>(t)], t == 0 ? 0 : 1) << n << " " << context << " " << stride << " " << t;
            }
}

TEST(SlidingWindow, ShortTextIsOneWindow) {
    const auto w = sliding_windows(50, 2048, 1024);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].end, 50);
}

TEST(SlidingWindow, BadParametersAreUsageErrors) {
    EXPECT_THROW(sliding_windows(10, 1, 1), harness::usage_error);
    EXPECT_THROW(sliding_windows(10, 8, 0), harness::usage_error);
    EXPECT_THROW(sliding_windows(10, 8, 8), harness::usage_error);
}

}  // namespace
