// Copies a host float tensor to a backend in the weight dtype the user chose
// (shared by the RWKV-4 and transformer loaders).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engines/float_tensor.h"
#include "kernels/device_buffer.h"

namespace engines {

// f16/bf16 are rounded to nearest even. Throws harness::unsupported_error
// naming `name` when a value does not fit f16 (|v| > 65504).
// The tensor `name` from `source`; throws harness::input_error when its shape
// is not `shape` (e.g. "tensor 'head.weight' is [256, 64], expected [256, 128]").
float_tensor fetch_checked(const std::function<float_tensor(const std::string&)>& source, const std::string& name,
                           const std::vector<std::int64_t>& shape);

kernels::device_buffer upload_as(kernels::backend& b, const float_tensor& t, kernels::dtype type, const std::string& name);

}  // namespace engines
