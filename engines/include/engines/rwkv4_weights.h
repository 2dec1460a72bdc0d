// RWKV-4 tensors in the engine's layout, whatever file they came from:
// the layout ChatRWKV's model.py builds at load time (strategy fp32), minus
// the ln0 folding, which the engine does.
//   * time_mix_k/v/r (stored [1, 1, C] in .pth/.safetensors) -> [C];
//   * time_decay -> -exp(w) (the .bin already stores -exp(w));
//   * every dtype -> float32 (f16/bf16 widened exactly).
#pragma once

#include <string>
#include <vector>

#include "engines/float_tensor.h"
#include "engines/model_file.h"

namespace engines {

// One RWKV-4 tensor by its official name, normalised as above.
float_tensor rwkv4_tensor_f32(const model_file& f, const std::string& name);

}  // namespace engines
