#include "kernels/dtype.h"
#include "kernels/quant.h"

namespace kernels {

std::string_view dtype_name(dtype t) {
    switch (t) {
        case dtype::f32: return "f32";
        case dtype::f16: return "f16";
        case dtype::bf16: return "bf16";
        case dtype::i32: return "i32";
        case dtype::q4_0: return "q4_0";
        case dtype::q4_1: return "q4_1";
        case dtype::q5_0: return "q5_0";
        case dtype::q5_1: return "q5_1";
        case dtype::q8_0: return "q8_0";
    }
    return "?";
}

std::int64_t storage_bytes(dtype t, std::int64_t n) {
    if (!is_quantized(t)) return n * static_cast<std::int64_t>(dtype_size(t));
    return n / quant_block_weights * quant_block_bytes(quant_format_of(t));
}

std::optional<dtype> parse_dtype(std::string_view name) {
    if (name == "fp32" || name == "f32") return dtype::f32;
    if (name == "fp16" || name == "f16") return dtype::f16;
    if (name == "bf16") return dtype::bf16;
    for (dtype q : {dtype::q4_0, dtype::q4_1, dtype::q5_0, dtype::q5_1, dtype::q8_0})
        if (name == dtype_name(q)) return q;
    return std::nullopt;
}

std::string_view quant_name(quant_format f) {
    switch (f) {
        case quant_format::q4_0: return "Q4_0";
        case quant_format::q4_1: return "Q4_1";
        case quant_format::q5_0: return "Q5_0";
        case quant_format::q5_1: return "Q5_1";
        case quant_format::q8_0: return "Q8_0";
    }
    return "?";
}

}  // namespace kernels
