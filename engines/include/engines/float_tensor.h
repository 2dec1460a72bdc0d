// A checkpoint tensor decoded to float32, the form loaders and the random
// model makers hand to the weight upload (which converts to the engine's
// storage dtype once).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engines/model_file.h"

namespace engines {

struct float_tensor {
    std::vector<std::int64_t> shape;
    std::vector<float> values;
    // A tensor stored in one of rwkv.cpp's block formats keeps its blocks
    // too, so that an engine storing weights in that format uploads the
    // file's bytes rather than quantizing the values again.
    std::optional<kernels::quant_format> quant;
    std::vector<unsigned char> blocks;
};

// Decodes any f32/f16/bf16 tensor to float32 values (f16/bf16 widened
// exactly, rwkv.cpp's quantized blocks dequantized bit-identically to
// ggml), shape unchanged. Throws input_error naming the file, offset and
// tensor for other dtypes.
float_tensor decode_f32(const model_file& f, const tensor_entry& t);

}  // namespace engines
