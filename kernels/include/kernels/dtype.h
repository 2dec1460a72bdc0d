// Element types of tensors. Weights may be f32, f16 or bf16; activations and
// accumulation are always f32; token ids and argmax results are i32.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace kernels {

enum class dtype { f32, f16, bf16, i32 };

constexpr std::size_t dtype_size(dtype t) { return t == dtype::f16 || t == dtype::bf16 ? 2 : 4; }

// "f32", "f16", "bf16", "i32" (the names safetensors headers use, lower-cased).
std::string_view dtype_name(dtype t);

// Accepts the user-facing weight names "fp32", "fp16", "bf16" and the short
// ones above; nullopt for anything else.
std::optional<dtype> parse_dtype(std::string_view name);

}  // namespace kernels
