// The block-format kernels are templates over the format (the unpacking is
// chosen at compile time): the formats' traits they branch on, and
// with_quant_format and with_token_count, which map the run-time format and
// token count onto them in one place.
#pragma once

#include <cstdint>
#include <type_traits>

#include "cpu_backend.h"
#include "kernels/quant.h"

namespace kernels::cpu {

// w = q d + m: the "_1" formats carry an offset m per block.
constexpr bool quant_has_offset(quant_format f) { return f == quant_format::q4_1 || f == quant_format::q5_1; }
// 5-bit values: a 32-bit qh holds each value's fifth bit.
constexpr bool quant_has_fifth_bit(quant_format f) { return f == quant_format::q5_0 || f == quant_format::q5_1; }

// fn(std::integral_constant<quant_format, F>{}) for F = f; the lambda reads
// the format as decltype(arg)::value.
template <class Fn>
inline void with_quant_format(quant_format f, const Fn& fn) {
    switch (f) {
        case quant_format::q4_0:
            return fn(std::integral_constant<quant_format, quant_format::q4_0>{});
        case quant_format::q4_1:
            return fn(std::integral_constant<quant_format, quant_format::q4_1>{});
        case quant_format::q5_0:
            return fn(std::integral_constant<quant_format, quant_format::q5_0>{});
        case quant_format::q5_1:
            return fn(std::integral_constant<quant_format, quant_format::q5_1>{});
        case quant_format::q8_0:
            return fn(std::integral_constant<quant_format, quant_format::q8_0>{});
    }
}

// fn(std::integral_constant<int, T>{}) for T = n_tokens (1 to
// small_batch_max): the row dots take the token count as a template
// parameter so that their loops over tokens unroll and the accumulators can
// stay in registers (10-20% less time at T = 1).
template <class Fn>
inline void with_token_count(std::int64_t n_tokens, const Fn& fn) {
    static_assert(small_batch_max == 4, "a case for every T up to small_batch_max");
    switch (n_tokens) {
        case 1:
            return fn(std::integral_constant<int, 1>{});
        case 2:
            return fn(std::integral_constant<int, 2>{});
        case 3:
            return fn(std::integral_constant<int, 3>{});
        default:
            return fn(std::integral_constant<int, 4>{});
    }
}

}  // namespace kernels::cpu
