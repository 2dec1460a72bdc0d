// Eight-float vectors for the CPU backend's hand-blocked loops: GCC vector
// types, so one source compiles to AVX-512/AVX2 registers in the
// KERNELS_CLONES clones and to SSE pairs in the baseline one. Everything here
// is always inlined into its caller's clone, which picks the instructions.
#pragma once

#include <cstdint>
#include <cstring>

// GCC and clang warn that passing 32-byte vectors changes the ABI where AVX
// is off (the baseline clone); these helpers are always inlined, so no call
// ever crosses that ABI. (The pragma stays in effect for the includer.)
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kernels::cpu {

using float8 = float __attribute__((vector_size(32)));

[[gnu::always_inline]] inline float8 load8(const float* p) {
    float8 v;
    std::memcpy(&v, p, sizeof v);  // unaligned
    return v;
}

[[gnu::always_inline]] inline void store8(float* p, const float8& v) { std::memcpy(p, &v, sizeof v); }

// A fixed tree over the lanes: one order on every machine.
[[gnu::always_inline]] inline float hsum(const float8& s) {
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

}  // namespace kernels::cpu
