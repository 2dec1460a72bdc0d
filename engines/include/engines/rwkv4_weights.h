// RWKV-4 tensors in the engine's layout, whatever file they came from:
// the layout ChatRWKV's model.py builds at load time (strategy fp32), minus
// the ln0 folding, which the engine does.
//   * time_mix_k/v/r (stored [1, 1, C] in .pth/.safetensors) -> [C];
//   * time_decay -> -exp(w) (the .bin already stores -exp(w));
//   * every dtype -> float32 (f16/bf16 widened exactly).
#pragma once

#include <string>
#include <vector>

#include "engines/model_file.h"

namespace engines {

struct float_tensor {
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

// Decodes any f32/f16/bf16 tensor to float32 values, shape unchanged.
// Throws input_error for other dtypes.
float_tensor decode_f32(const model_file& f, const tensor_entry& t);

// One RWKV-4 tensor by its official name, normalised as above.
float_tensor rwkv4_tensor_f32(const model_file& f, const std::string& name);

}  // namespace engines
