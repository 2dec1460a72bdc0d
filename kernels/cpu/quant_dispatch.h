// The block-format kernels are templates over the format (the unpacking is
// chosen at compile time); with_quant_format maps the run-time format onto
// them in one place.
#pragma once

#include <type_traits>

#include "kernels/quant.h"

namespace kernels::cpu {

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
