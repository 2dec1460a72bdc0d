// Device-side timing and memory for benchmarks and the scaling tasks: CUDA
// events recorded on the backend's stream around `work`; cudaMemGetInfo.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

namespace kernels {

class backend;

// Milliseconds between two events recorded before and after `work` on the
// CUDA backend's stream. Throws harness::unsupported_error for a non-CUDA
// backend or a build without CUDA.
double cuda_time_ms(backend& b, const std::function<void()>& work);

// Device memory in use on the CUDA backend's GPU, all processes together
// (cudaMemGetInfo: total - free); nullopt for any other backend.
std::optional<std::uint64_t> cuda_memory_used(backend& b);

}  // namespace kernels
