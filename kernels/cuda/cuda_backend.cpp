// The CUDA backend: device memory, one stream and one cuBLAS handle per
// backend, and the dispatch of every op to cuBLAS or a kernel launcher.
// Compiled by the host compiler; kernels live in the .cu files.
//
// Matmul: f32 weights -> cublasSgemm; f16/bf16 weights -> the warp-per-row
// kernel for T <= 4, otherwise blocks of weight rows converted to f32 in a
// scratch buffer and multiplied with cublasSgemm, so activations stay f32.
// TF32 is off (CUBLAS_DEFAULT_MATH), so f32 results are comparable with CPU.
//
// Attention: naive = cuBLAS scores + masked softmax + cuBLAS; fused = the
// tiled FlashAttention-2-style kernel for prefill chunks, the key-split
// (flash-decoding) kernel for decode steps and heads wider than 128.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>

#include "cuda_check.h"
#include "kernels/backend.h"
#include "kernels/cuda_timing.h"
#include "launchers.cuh"

namespace kernels {
namespace cuda {

void throw_cuda_error(cudaError_t err, const char* stmt, const char* file, int line) {
    int device = -1;
    cudaGetDevice(&device);
    throw harness::backend_error(stmt, file, line,
                                 std::string("CUDA error ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err) +
                                     " (device " + std::to_string(device) + ")");
}

void throw_cublas_error(cublasStatus_t st, const char* stmt, const char* file, int line) {
    int device = -1;
    cudaGetDevice(&device);
    throw harness::backend_error(stmt, file, line,
                                 std::string("cuBLAS error ") + cublasGetStatusName(st) + ": " +
                                     cublasGetStatusString(st) + " (device " + std::to_string(device) + ")");
}

namespace {

class cuda_backend final : public backend {
public:
    explicit cuda_backend(int device_index) : device_(device_index) {
        CUDA_CHECK(cudaSetDevice(device_));
        CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        CUBLAS_CHECK(cublasCreate(&cublas_));
        CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
        CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));
        CUDA_CHECK(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, device_));
    }
    ~cuda_backend() override {
        // Destructors must not throw: errors here are ignored on purpose.
        if (scratch_) cudaFree(scratch_);
        cublasDestroy(cublas_);
        cudaStreamDestroy(stream_);
    }

    std::string_view name() const override { return "cuda"; }
    device_kind device() const override { return device_kind::cuda; }
    bool supports(const op_desc& desc) const override {
        if (is_quantized(desc.weight_type)) return desc.kind == op_kind::matmul;
        if (desc.kind == op_kind::matmul || desc.kind == op_kind::embedding) return desc.weight_type != dtype::i32;
        return desc.weight_type == dtype::f32;
    }
    cudaStream_t stream() const { return stream_; }
    int device_index() const { return device_; }

    void* alloc(std::size_t bytes) override {
        void* p = nullptr;
        CUDA_CHECK(cudaMalloc(&p, bytes == 0 ? 1 : bytes));
        return p;
    }
    void free(void* p) override { CUDA_CHECK(cudaFree(p)); }
    void upload(void* dst, const void* src, std::size_t bytes) override {
        CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
        CUDA_CHECK(cudaStreamSynchronize(stream_));  // src may be freed by the caller right after
    }
    void download(void* dst, const void* src, std::size_t bytes) override {
        CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
        CUDA_CHECK(cudaStreamSynchronize(stream_));
    }
    void fill_bytes(void* dst, unsigned char value, std::size_t bytes) override {
        CUDA_CHECK(cudaMemsetAsync(dst, value, bytes, stream_));
    }
    void copy(void* dst, const void* src, std::size_t bytes) override {
        CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
    }
    void synchronize() override { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

    void embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out) override {
        check_embedding(table, ids, out);
        on_device({&table, &ids, &out});
        cuda::embedding_forward(table.data, table.type, ids.as<const std::int32_t>(), ids.shape[0], table.shape[0],
                                table.shape[1], out.as<float>(), stream_);
    }

    void layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, float eps,
                   const tensor_view& out) override {
        check_layernorm(x, weight, bias, out);
        on_device({&x, &weight, &bias, &out});
        cuda::layernorm_forward(x.as<const float>(), weight.as<const float>(), bias.as<const float>(), eps, x.rows(),
                                x.dim_from_end(0), out.as<float>(), stream_);
    }

    void matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias, const tensor_view& out) override {
        check_matmul(x, w, bias, out);
        on_device({&x, &w, &bias, &out});
        const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1], n_out = w.shape[0];
        if (is_quantized(w.type)) {
            quant_matmul(x, w, out);
        } else if (w.type == dtype::f32) {
            sgemm_xwt(x.as<const float>(), w.as<const float>(), n_tokens, n_in, n_out, n_out, out.as<float>());
        } else if (n_tokens <= cuda::half_gemv_max_tokens) {
            cuda::half_gemv_forward(x.as<const float>(), w.as<const std::uint16_t>(), w.type == dtype::bf16, n_tokens,
                                    n_in, n_out, out.as<float>(), stream_);
        } else {
            converted_sgemm(x, n_out, out, [&](std::int64_t row0, std::int64_t rows, float* dst) {
                cuda::convert_to_f32(w.as<const std::uint16_t>() + row0 * n_in, w.type, rows * n_in, dst, stream_);
            });
        }
        if (!bias.empty()) cuda::add_row_bias(out.as<float>(), bias.as<const float>(), n_tokens, n_out, stream_);
    }

    // Block-quantized weights: the warp-per-row kernel for decode, else
    // rows dequantized (up to 64 MiB of floats at a time) for cuBLAS.
    void quant_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& out) {
        const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1], n_out = w.shape[0];
        const quant_format f = quant_format_of(w.type);
        const auto* wp = w.as<const unsigned char>();
        if (n_tokens <= cuda::quant_gemv_max_tokens) {
            cuda::quant_gemv_forward(x.as<const float>(), wp, f, n_tokens, n_in, n_out, out.as<float>(), stream_);
            return;
        }
        const std::int64_t row_bytes = storage_bytes(w.type, n_in);
        converted_sgemm(x, n_out, out, [&](std::int64_t row0, std::int64_t rows, float* dst) {
            cuda::dequantize_forward(wp + row0 * row_bytes, f, rows * n_in, dst, stream_);
        });
    }

    // out = x . W^T for weights cuBLAS cannot read: up to 64 MiB of rows at a
    // time converted by `convert_rows(row0, rows, dst)` into scratch, then
    // one sgemm per block.
    template <class Convert>
    void converted_sgemm(const tensor_view& x, std::int64_t n_out, const tensor_view& out, Convert convert_rows) {
        const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1];
        const std::int64_t block = std::max<std::int64_t>(1, (std::int64_t{16} << 20) / n_in);
        float* converted = scratch_floats(static_cast<std::size_t>(std::min(block, n_out) * n_in));
        for (std::int64_t row0 = 0; row0 < n_out; row0 += block) {
            const std::int64_t rows = std::min(block, n_out - row0);
            convert_rows(row0, rows, converted);
            sgemm_xwt(x.as<const float>(), converted, n_tokens, n_in, rows, n_out, out.as<float>() + row0);
        }
    }

    void token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                     const tensor_view& out) override {
        check_token_shift(x, x_prev, mix, out);
        on_device({&x, &x_prev, &mix, &out});
        cuda::token_shift_forward(x.as<const float>(), x_prev.as<const float>(), mix.as<const float>(), x.shape[0],
                                  x.shape[1], out.as<float>(), stream_);
    }

    void wkv_step(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                  const tensor_view& state, const tensor_view& out) override {
        check_wkv(w, u, k, v, state, out);
        if (k.rows() != 1) throw harness::unsupported_error("wkv_step: expected one token, got " + k.describe());
        wkv_sequence(w, u, k, v, state, out);
    }

    void wkv_sequence(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                      const tensor_view& state, const tensor_view& out) override {
        check_wkv(w, u, k, v, state, out);
        on_device({&w, &u, &k, &v, &state, &out});
        cuda::wkv_forward(w.as<const float>(), u.as<const float>(), k.as<const float>(), v.as<const float>(), k.rows(),
                          k.dim_from_end(0), state.as<float>(), out.as<float>(), stream_);
    }

    void unary(op_kind kind, const tensor_view& x, const tensor_view& out) override {
        check_unary(kind, x, out);
        on_device({&x, &out});
        cuda::unary_forward(kind, x.as<const float>(), x.numel(), out.as<float>(), stream_);
    }

    void binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out) override {
        check_binary(kind, a, b, out);
        on_device({&a, &b, &out});
        cuda::binary_forward(kind, a.as<const float>(), b.as<const float>(), a.numel(), b.numel(), out.as<float>(),
                             stream_);
    }

    void row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out) override {
        check_row_softmax(kind, x, out);
        on_device({&x, &out});
        cuda::softmax_forward(x.as<const float>(), x.rows(), x.dim_from_end(0), kind == op_kind::log_softmax,
                              out.as<float>(), stream_);
    }

    void argmax(const tensor_view& x, const tensor_view& out) override {
        check_argmax(x, out);
        on_device({&x, &out});
        cuda::argmax_forward(x.as<const float>(), x.rows(), x.dim_from_end(0), out.as<std::int32_t>(), stream_);
    }

    void rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out) override {
        check_rotary(x, p, out);
        on_device({&x, &out});
        cuda::rotary_forward(x.as<const float>(), x.shape[0], x.shape[1], x.shape[2], p, out.as<float>(), stream_);
    }

    void attention(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                   const attention_params& p, const tensor_view& out) override {
        check_attention(q, k_cache, v_cache, p, out);
        on_device({&q, &k_cache, &v_cache, &out});
        const std::int64_t n_tokens = q.shape[0], n_heads = q.shape[1], head_dim = q.shape[2];
        const std::int64_t n_keys = p.n_past + n_tokens;
        const int ld = as_int(n_heads * head_dim);  // q, out and caches: rows of all heads
        if (p.variant == attention_variant::fused && n_tokens >= cuda::attention_tiled_min_tokens &&
            head_dim <= cuda::attention_tiled_max_head_dim) {
            cuda::attention_tiled_forward(q.as<const float>(), k_cache.as<const float>(), v_cache.as<const float>(),
                                          n_tokens, n_heads, head_dim, p.n_past, p.scale, out.as<float>(), stream_);
            return;
        }
        if (p.variant == attention_variant::fused) {
            const std::int64_t splits = cuda::attention_fused_splits(n_tokens, n_heads, n_keys, sm_count_);
            float* partials = scratch_floats(cuda::attention_fused_scratch_floats(n_tokens, n_heads, head_dim, splits));
            cuda::attention_fused_forward(q.as<const float>(), k_cache.as<const float>(), v_cache.as<const float>(),
                                          n_tokens, n_heads, head_dim, p.n_past, p.scale, splits, partials,
                                          out.as<float>(), stream_);
            return;
        }
        // naive: scores[h] = Q_h K_h^T for all heads at once (T x n_keys each).
        // In cuBLAS's column-major terms scores_h^T = K_h Q_h^T.
        float* scores = scratch_floats(static_cast<std::size_t>(n_heads * n_tokens * n_keys));
        const float one = 1.0f, zero = 0.0f;
        CUBLAS_CHECK(cublasSgemmStridedBatched(
            cublas_, CUBLAS_OP_T, CUBLAS_OP_N, as_int(n_keys), as_int(n_tokens), as_int(head_dim), &one,
            k_cache.as<const float>(), ld, head_dim, q.as<const float>(), ld, head_dim, &zero, scores, as_int(n_keys),
            n_tokens * n_keys, as_int(n_heads)));
        cuda::masked_softmax_forward(scores, n_heads, n_tokens, n_keys, p.n_past, p.scale, stream_);
        // out_h = P_h V_h; column-major: out_h^T = V_h^T P_h^T.
        CUBLAS_CHECK(cublasSgemmStridedBatched(cublas_, CUBLAS_OP_N, CUBLAS_OP_N, as_int(head_dim), as_int(n_tokens),
                                               as_int(n_keys), &one, v_cache.as<const float>(), ld, head_dim, scores,
                                               as_int(n_keys), n_tokens * n_keys, &zero, out.as<float>(), ld, head_dim,
                                               as_int(n_heads)));
    }

    void token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                    const tensor_view& out) override {
        check_token_lerp(x, x_prev, mix, out);
        on_device({&x, &x_prev, &mix, &out});
        cuda::token_lerp_forward(x.as<const float>(), x_prev.as<const float>(), mix.as<const float>(), x.shape[0],
                                 x.shape[1], out.as<float>(), stream_);
    }
    void lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out) override {
        check_lerp(a, b, t, out);
        on_device({&a, &b, &t, &out});
        cuda::lerp_forward(a.as<const float>(), b.as<const float>(), t.as<const float>(), a.numel(), out.as<float>(),
                           stream_);
    }
    void group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, std::int64_t n_groups,
                    float eps, const tensor_view& out) override {
        check_group_norm(x, weight, bias, n_groups, out);
        on_device({&x, &weight, &bias, &out});
        cuda::group_norm_forward(x.as<const float>(), weight.as<const float>(), bias.as<const float>(), eps, x.shape[0],
                                 n_groups, x.shape[1] / n_groups, out.as<float>(), stream_);
    }
    void wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
              const tensor_view& bonus, const tensor_view& state, const tensor_view& out) override {
        check_wkv5(r, k, v, decay, bonus, state, out);
        on_device({&r, &k, &v, &decay, &bonus, &state, &out});
        check_head_size(op_kind::wkv5, state.shape[1]);
        cuda::wkv5_forward(r.as<const float>(), k.as<const float>(), v.as<const float>(), decay.as<const float>(),
                           bonus.as<const float>(), r.shape[0], r.shape[1], state.shape[0], state.shape[1],
                           state.as<float>(), out.as<float>(), stream_);
    }
    void wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
              const tensor_view& kk, const tensor_view& a, const tensor_view& state, const tensor_view& out) override {
        check_wkv7(r, w, k, v, kk, a, state, out);
        on_device({&r, &w, &k, &v, &kk, &a, &state, &out});
        check_head_size(op_kind::wkv7, state.shape[1]);
        cuda::wkv7_forward(r.as<const float>(), w.as<const float>(), k.as<const float>(), v.as<const float>(),
                           kk.as<const float>(), a.as<const float>(), r.shape[0], r.shape[1], state.shape[0],
                           state.shape[1], state.as<float>(), out.as<float>(), stream_);
    }
    void rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k, const tensor_view& k_a,
                    std::int64_t head_size, const tensor_view& kk) override {
        check_rwkv7_keys(k, a, k_k, k_a, head_size, kk);
        on_device({&k, &a, &k_k, &k_a, &kk});
        cuda::rwkv7_keys_forward(k.as<float>(), a.as<const float>(), k_k.as<const float>(), k_a.as<const float>(),
                                 k.shape[0], k.shape[1], head_size, kk.as<float>(), stream_);
    }
    void rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& r_k,
                     const tensor_view& out) override {
        check_rwkv7_bonus(r, k, v, r_k, out);
        on_device({&r, &k, &v, &r_k, &out});
        cuda::rwkv7_bonus_forward(r.as<const float>(), k.as<const float>(), v.as<const float>(), r_k.as<const float>(),
                                  r.shape[0], r.shape[1], r_k.shape[1], out.as<float>(), stream_);
    }

private:
    static void check_head_size(op_kind kind, std::int64_t n) {
        if (n > cuda::wkv57_max_head_size)
            throw harness::unsupported_error(std::string(op_name(kind)) + ": head size " + std::to_string(n) +
                                             " exceeds the CUDA kernel's " + std::to_string(cuda::wkv57_max_head_size));
    }

    static int as_int(std::int64_t v) {
        if (v > 0x7fffffff) throw harness::unsupported_error("cuda: dimension " + std::to_string(v) + " exceeds 2^31");
        return static_cast<int>(v);
    }

    void on_device(std::initializer_list<const tensor_view*> ts) const {
        for (const tensor_view* t : ts)
            if (!t->empty() && t->device != device_kind::cuda)
                throw harness::unsupported_error("cuda backend: tensor " + t->describe() + " is not in device memory");
    }

    // out[T, rows] (leading dim ldo) = x[T, K] . w[rows, K]^T. Column-major:
    // out^T = w x^T with w seen as the K x rows matrix w^T.
    void sgemm_xwt(const float* x, const float* w, std::int64_t n_tokens, std::int64_t n_in, std::int64_t rows,
                   std::int64_t ldo, float* out) {
        const float one = 1.0f, zero = 0.0f;
        CUBLAS_CHECK(cublasSgemm(cublas_, CUBLAS_OP_T, CUBLAS_OP_N, as_int(rows), as_int(n_tokens), as_int(n_in), &one,
                                 w, as_int(n_in), x, as_int(n_in), &zero, out, as_int(ldo)));
    }

    // A scratch buffer reused between ops; grows, never shrinks. Ops on our
    // one stream are ordered, so reuse is safe.
    float* scratch_floats(std::size_t n) {
        if (n > scratch_size_) {
            if (scratch_) {
                CUDA_CHECK(cudaStreamSynchronize(stream_));
                CUDA_CHECK(cudaFree(scratch_));
                scratch_ = nullptr;
            }
            CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&scratch_), n * sizeof(float)));
            scratch_size_ = n;
        }
        return scratch_;
    }

    int device_;
    int sm_count_ = 1;  // multiprocessors: how many key splits fused attention needs to fill the GPU
    cudaStream_t stream_ = nullptr;
    cublasHandle_t cublas_ = nullptr;
    float* scratch_ = nullptr;
    std::size_t scratch_size_ = 0;
};

}  // namespace
}  // namespace cuda

bool cuda_available(std::string* reason) {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        // No driver, an old driver, no device: all mean "no CUDA device".
        if (reason) *reason = std::string("no CUDA device (") + cudaGetErrorString(err) + ")";
        cudaGetLastError();  // clear the sticky error for later calls
        return false;
    }
    if (count == 0) {
        if (reason) *reason = "no CUDA device";
        return false;
    }
    return true;
}

std::string cuda_driver_version() {
    int v = 0;
    if (cudaDriverGetVersion(&v) != cudaSuccess || v == 0) {
        cudaGetLastError();
        return "";
    }
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

std::vector<cuda_device_info> cuda_devices() {
    std::vector<cuda_device_info> devices;
    if (!cuda_available()) return devices;
    int count = 0;
    CUDA_CHECK(cudaGetDeviceCount(&count));
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        CUDA_CHECK(cudaGetDeviceProperties(&prop, i));
        devices.push_back({i, prop.name, prop.totalGlobalMem, prop.major, prop.minor});
    }
    return devices;
}

std::unique_ptr<backend> make_cuda_backend(int device_index) {
    std::string reason;
    if (!cuda_available(&reason)) throw harness::unsupported_error("--device cuda: " + reason);
    return std::make_unique<cuda::cuda_backend>(device_index);
}

double cuda_time_ms(backend& b, const std::function<void()>& work) {
    auto* cb = dynamic_cast<cuda::cuda_backend*>(&b);
    if (!cb) throw harness::unsupported_error("cuda_time_ms: not a CUDA backend");
    cudaEvent_t start, stop;
    CUDA_CHECK(cudaEventCreate(&start));
    CUDA_CHECK(cudaEventCreate(&stop));
    CUDA_CHECK(cudaEventRecord(start, cb->stream()));
    work();
    CUDA_CHECK(cudaEventRecord(stop, cb->stream()));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return ms;
}

std::optional<std::uint64_t> cuda_memory_used(backend& b) {
    auto* cb = dynamic_cast<cuda::cuda_backend*>(&b);
    if (!cb) return std::nullopt;
    cb->synchronize();  // frees and allocations queued on the stream have happened
    std::size_t free = 0, total = 0;
    CUDA_CHECK(cudaSetDevice(cb->device_index()));
    CUDA_CHECK(cudaMemGetInfo(&free, &total));
    return static_cast<std::uint64_t>(total - free);
}

}  // namespace kernels
