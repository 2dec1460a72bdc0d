// Device-side timing for benchmarks and the scaling task: CUDA events
// recorded on the backend's stream around `work`.
#pragma once

#include <functional>

namespace kernels {

class backend;

// Milliseconds between two events recorded before and after `work` on the
// CUDA backend's stream. Throws harness::unsupported_error for a non-CUDA
// backend or a build without CUDA.
double cuda_time_ms(backend& b, const std::function<void()>& work);

}  // namespace kernels
