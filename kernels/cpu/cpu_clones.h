// What the CPU backend's hot-loop files share: KERNELS_CLONES compiles a
// function for AVX-512 (x86-64-v4), AVX2 (v3) and plain x86-64, the loader
// picking one at run time; and the size below which a parallel region costs
// more than it saves.
#pragma once

#include <cstdint>

// clang 14 multiversions no templates: its builds (the fuzzers) run the default code.
#if defined(__clang__)
#define KERNELS_CLONES
#else
#define KERNELS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

namespace kernels::cpu {

inline constexpr std::int64_t parallel_threshold = 1 << 15;

}  // namespace kernels::cpu
