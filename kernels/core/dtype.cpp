#include "kernels/dtype.h"

namespace kernels {

std::string_view dtype_name(dtype t) {
    switch (t) {
        case dtype::f32: return "f32";
        case dtype::f16: return "f16";
        case dtype::bf16: return "bf16";
        case dtype::i32: return "i32";
    }
    return "?";
}

std::optional<dtype> parse_dtype(std::string_view name) {
    if (name == "fp32" || name == "f32") return dtype::f32;
    if (name == "fp16" || name == "f16") return dtype::f16;
    if (name == "bf16") return dtype::bf16;
    return std::nullopt;
}

}  // namespace kernels
