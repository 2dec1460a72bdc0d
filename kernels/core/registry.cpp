// Backends by device name, as the command line spells them.
#include "harness/errors.h"
#include "kernels/backend.h"

namespace kernels {

std::unique_ptr<backend> make_backend(std::string_view device, int n_threads, int cuda_device) {
    if (device == "cpu") return make_cpu_backend(n_threads);
    if (device == "cuda") return make_cuda_backend(cuda_device);
    throw harness::usage_error("unknown device '" + std::string(device) + "' (expected cpu or cuda)");
}

}  // namespace kernels
