// Copies a host float tensor to a backend in the weight dtype the user chose
// (shared by the RWKV-4 and transformer loaders).
#pragma once

#include <string>

#include "engines/rwkv4_weights.h"
#include "kernels/device_buffer.h"

namespace engines {

// f16/bf16 are rounded to nearest even. Throws harness::unsupported_error
// naming `name` when a value does not fit f16 (|v| > 65504).
kernels::device_buffer upload_as(kernels::backend& b, const float_tensor& t, kernels::dtype type, const std::string& name);

}  // namespace engines
