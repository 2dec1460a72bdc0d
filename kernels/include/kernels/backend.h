// A backend owns device memory and runs ops. The CPU backend is always
// present; the CUDA backend exists when CUDA was compiled in and a device is
// usable. Ask supports() before running an op: "not supported" is an answer.
//
// All tensors passed to a backend live on its device. Ops are asynchronous on
// CUDA (one stream per backend); download() and synchronize() wait.
// Errors: a shape/dtype the op does not accept throws
// harness::unsupported_error; a device failure throws harness::backend_error.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cpu_options.h"
#include "kernels/ops.h"
#include "kernels/tensor.h"

namespace kernels {

class backend {
public:
    virtual ~backend() = default;

    virtual std::string_view name() const = 0;  // "cpu", "cuda"
    virtual device_kind device() const = 0;
    virtual bool supports(const op_desc& desc) const = 0;

    // Memory on this backend's device.
    virtual void* alloc(std::size_t bytes) = 0;
    virtual void free(void* p) = 0;
    virtual void upload(void* dst, const void* host_src, std::size_t bytes) = 0;
    virtual void download(void* host_dst, const void* src, std::size_t bytes) = 0;
    virtual void fill_bytes(void* dst, unsigned char value, std::size_t bytes) = 0;
    // Device-to-device copy on this backend (regions must not overlap).
    virtual void copy(void* dst, const void* src, std::size_t bytes) = 0;
    virtual void synchronize() = 0;

    // --- ops (see op_kind for the definitions and ops.h for the shapes) ---
    virtual void embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out) = 0;
    virtual void layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias,
                           float eps, const tensor_view& out) = 0;
    // `bias` may be an empty view.
    virtual void matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias,
                        const tensor_view& out) = 0;
    virtual void token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                             const tensor_view& out) = 0;
    // k, v, out: [C] for the step, [T, C] for the sequence; state [3, C]. out
    // overlaps no input (the CPU kernel reads and writes them unaliased).
    virtual void wkv_step(const tensor_view& w, const tensor_view& u, const tensor_view& k,
                          const tensor_view& v, const tensor_view& state, const tensor_view& out) = 0;
    virtual void wkv_sequence(const tensor_view& w, const tensor_view& u, const tensor_view& k,
                              const tensor_view& v, const tensor_view& state,
                              const tensor_view& out) = 0;
    // sigmoid, squared_relu, gelu_erf, gelu_tanh, tanh, silu; out may alias x.
    virtual void unary(op_kind kind, const tensor_view& x, const tensor_view& out) = 0;
    // add, mul; out may alias a.
    virtual void binary(op_kind kind, const tensor_view& a, const tensor_view& b,
                        const tensor_view& out) = 0;
    // softmax, log_softmax over the last dim; out may alias x.
    virtual void row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out) = 0;
    virtual void argmax(const tensor_view& x, const tensor_view& out) = 0;
    // x, out: [T, H, D]; out may alias x.
    virtual void rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out) = 0;
    virtual void attention(const tensor_view& q, const tensor_view& k_cache,
                           const tensor_view& v_cache, const attention_params& p,
                           const tensor_view& out) = 0;

    // --- RWKV v5.2 / v7 (shapes: the check_* functions in ops.h) ---
    virtual void token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                            const tensor_view& out) = 0;
    // out may alias a.
    virtual void lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out) = 0;
    // out may alias x.
    virtual void group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias,
                            std::int64_t n_groups, float eps, const tensor_view& out) = 0;
    virtual void wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
                      const tensor_view& bonus, const tensor_view& state, const tensor_view& out) = 0;
    // w: the decay's logit (w0 + the low-rank term); the op applies rwkv7_decay.
    virtual void wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
                      const tensor_view& kk, const tensor_view& a, const tensor_view& state,
                      const tensor_view& out) = 0;
    // k is updated in place; kk is written.
    virtual void rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k,
                            const tensor_view& k_a, std::int64_t head_size, const tensor_view& kk) = 0;
    virtual void rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v,
                             const tensor_view& r_k, const tensor_view& out) = 0;
};

// The CPU backend. n_threads <= 0 means "all cores"; the count is shared by
// our OpenMP loops and OpenBLAS (one pool).
std::unique_ptr<backend> make_cpu_backend(int n_threads = 0);

// Whether this build has CUDA and a usable device; `reason` says why not
// ("CUDA not compiled in", "insufficient driver", "no CUDA device").
bool cuda_available(std::string* reason = nullptr);

struct cuda_device_info {
    int index = 0;
    std::string name;
    std::size_t total_memory = 0;
    int cc_major = 0, cc_minor = 0;
};
// Empty when cuda_available() is false.
std::vector<cuda_device_info> cuda_devices();
// The installed driver's CUDA version, e.g. "13.0"; "" without a driver or without CUDA.
std::string cuda_driver_version();

// Throws harness::unsupported_error (with the reason) when CUDA is unusable.
std::unique_ptr<backend> make_cuda_backend(int device_index = 0);

// By device name; "cpu" or "cuda" (the GPU numbered `cuda_device`).
// int8_activations: cpu_options::int8_activations (usage_error on cuda;
// unsupported_error on a CPU without AVX2).
std::unique_ptr<backend> make_backend(std::string_view device, int n_threads = 0, int cuda_device = 0,
                                      bool int8_activations = false);

// Facts for `rwkvbench info`: the BLAS library and its thread count.
std::string blas_description();
int cpu_thread_count();

// The kernels OpenBLAS uses ("Prescott", "SkylakeX", ...).
std::string blas_core_name();
// The OPENBLAS_CORETYPE that gives OpenBLAS kernels for a CPU whose best
// path is `best`, where OpenBLAS picked `core` (openblas_get_corename()),
// kernels without AVX2, as it does on CPU models newer than it knows;
// nullopt where its choice stands (blas_kernels.cpp).
std::optional<std::string> blas_core_for(std::string_view core, cpu_isa best);
// Called first in main: where blas_core_for names other kernels,
// OPENBLAS_CORETYPE is not set and OpenBLAS is built for several targets
// (DYNAMIC_ARCH), runs this program again (same argv, same process) with
// it set, since OpenBLAS reads it only when it loads.
// Returns where nothing changes or the exec fails.
void use_blas_kernels_for_this_cpu(char** argv);

}  // namespace kernels
