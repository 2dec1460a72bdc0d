// The block-format kernels are templates over the format (the unpacking is
// chosen at compile time): the formats' traits they branch on, and
// with_quant_format, which maps the run-time format onto them in one place.
#pragma once

#include <type_traits>

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

}  // namespace kernels::cpu
