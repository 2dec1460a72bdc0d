// Element types of tensors. Weights may be f32, f16 or bf16, or rwkv.cpp's
// (ggml's) block formats q4_0, q4_1, q5_0, q5_1, q8_0 (kernels/quant.h: 32
// weights per block, matrices only, rows of whole blocks); activations and
// accumulation are always f32; token ids and argmax results are i32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kernels {

enum class dtype { f32, f16, bf16, i32, q4_0, q4_1, q5_0, q5_1, q8_0 };

constexpr bool is_quantized(dtype t) { return t >= dtype::q4_0; }

// Bytes per element of the element types (not of the block formats).
constexpr std::size_t dtype_size(dtype t) { return t == dtype::f16 || t == dtype::bf16 ? 2 : 4; }

// Bytes of n elements of any type (n a multiple of 32 for the block formats).
std::int64_t storage_bytes(dtype t, std::int64_t n);

// "f32", "f16", "bf16", "i32" (the names safetensors headers use,
// lower-cased), "q4_0" ... "q8_0".
std::string_view dtype_name(dtype t);

// Accepts the user-facing weight names "fp32", "fp16", "bf16", "q8_0",
// "q5_0", "q5_1", "q4_0", "q4_1" and the short ones above; nullopt for
// anything else.
std::optional<dtype> parse_dtype(std::string_view name);

}  // namespace kernels
