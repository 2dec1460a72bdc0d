// A checkpoint tensor decoded to float32, the form loaders and the random
// model makers hand to the weight upload (which converts to the engine's
// storage dtype once).
#pragma once

#include <cstdint>
#include <vector>

#include "engines/model_file.h"

namespace engines {

struct float_tensor {
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

// Decodes any f32/f16/bf16 tensor to float32 values (f16/bf16 widened
// exactly, rwkv.cpp's quantized blocks dequantized bit-identically to
// ggml), shape unchanged. Throws input_error naming the file, offset and
// tensor for other dtypes.
float_tensor decode_f32(const model_file& f, const tensor_entry& t);

}  // namespace engines
