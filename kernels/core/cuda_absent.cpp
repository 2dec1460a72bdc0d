// The CUDA entry points of a build without CUDA: every answer is "no device".
#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/cuda_timing.h"

namespace kernels {

bool cuda_available(std::string* reason) {
    if (reason) *reason = "CUDA not compiled in (configure with nvcc on PATH, RWKVBENCH_CUDA=AUTO or ON)";
    return false;
}

std::vector<cuda_device_info> cuda_devices() { return {}; }

std::string cuda_driver_version() { return ""; }

std::unique_ptr<backend> make_cuda_backend(int) {
    std::string reason;
    cuda_available(&reason);
    throw harness::unsupported_error("--device cuda: " + reason);
}

double cuda_time_ms(backend&, const std::function<void()>&) {
    throw harness::unsupported_error("cuda_time_ms: CUDA not compiled in");
}

std::optional<std::uint64_t> cuda_memory_used(backend&) { return std::nullopt; }

}  // namespace kernels
