// rows_prefetch_bytes and for_row_groups: the block formats' row dots walk
// their rows in groups and prefetch the same place whole row groups ahead,
// never inside the group being read.
#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "../../kernels/cpu/cpu_backend.h"

namespace {

using kernels::cpu::for_row_groups;
using kernels::cpu::rows_prefetch_bytes;
using kernels::cpu::rows_prefetch_min_bytes;

TEST(RowsPrefetch, WholeGroupsAtLeastTheMinimum) {
    for (const std::int64_t group : std::initializer_list<std::int64_t>{
             1, 68, 816 * 4, 3264 * 4, rows_prefetch_min_bytes, rows_prefetch_min_bytes + 1, 100000}) {
        const std::int64_t ahead = rows_prefetch_bytes(group);
        EXPECT_EQ(ahead % group, 0) << group;
        EXPECT_GE(ahead, rows_prefetch_min_bytes) << group;
        EXPECT_GE(ahead, group) << group;
        EXPECT_LT(ahead - group, rows_prefetch_min_bytes) << group;  // no more groups than needed
    }
}

// Rows 3..13 in groups of 4 (3-6, 7-10), then 11, 12 one by one, each with
// its group size's distance.
TEST(RowsPrefetch, RowGroupsCoverEveryRowOnce) {
    constexpr std::int64_t row_bytes = 816;
    std::vector<int> seen(16, 0);
    std::vector<std::int64_t> firsts;
    for_row_groups<4>(3, 13, row_bytes, [&](auto rows, std::int64_t n, std::int64_t ahead) {
        constexpr int r = decltype(rows)::value;
        EXPECT_EQ(ahead, rows_prefetch_bytes(r * row_bytes)) << n;
        firsts.push_back(n);
        for (int i = 0; i < r; ++i) ++seen[static_cast<std::size_t>(n + i)];
    });
    EXPECT_EQ(firsts, (std::vector<std::int64_t>{3, 7, 11, 12}));
    for (std::int64_t n = 0; n < 16; ++n) EXPECT_EQ(seen[static_cast<std::size_t>(n)], n >= 3 && n < 13 ? 1 : 0) << n;

    // A last group that ends exactly at the end is still a group.
    firsts.clear();
    for_row_groups<4>(0, 8, row_bytes, [&](auto, std::int64_t n, std::int64_t) { firsts.push_back(n); });
    EXPECT_EQ(firsts, (std::vector<std::int64_t>{0, 4}));
}

}  // namespace
