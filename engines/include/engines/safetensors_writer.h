// Writes named f32/i32 tensors as a .safetensors file (atomically), e.g. the
// `rwkvbench logits` output: input_ids, logits, state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace engines {

struct output_tensor {
    std::string name;
    std::string dtype;  // "F32" or "I32"
    std::vector<std::int64_t> shape;
    std::vector<unsigned char> bytes;  // little-endian, row-major
};

output_tensor f32_tensor(const std::string& name, std::vector<std::int64_t> shape, const std::vector<float>& values);
output_tensor i32_tensor(const std::string& name, std::vector<std::int64_t> shape, const std::vector<std::int32_t>& values);

void write_safetensors(const std::string& path, const std::vector<output_tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace engines
