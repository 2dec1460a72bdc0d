// Backends by device name, as the command line spells them.
#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"

namespace kernels {

std::unique_ptr<backend> make_backend(std::string_view device, int n_threads, int cuda_device, bool int8_activations) {
    if (device == "cpu") {
        cpu_options options;
        options.n_threads = n_threads, options.int8_activations = int8_activations;
        return make_cpu_backend(options);
    }
    if (device == "cuda" && int8_activations)
        throw harness::usage_error("--int8-activations runs on the CPU backend only (--device cpu)");
    if (device == "cuda") return make_cuda_backend(cuda_device);
    throw harness::usage_error("unknown device '" + std::string(device) + "' (expected cpu or cuda)");
}

}  // namespace kernels
