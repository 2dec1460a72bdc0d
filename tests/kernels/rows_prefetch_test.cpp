// rows_prefetch_bytes: the block formats' row dots prefetch the same place
// whole row groups ahead, never inside the group being read.
#include <gtest/gtest.h>

#include <initializer_list>

#include "../../kernels/cpu/cpu_backend.h"

namespace {

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

}  // namespace
