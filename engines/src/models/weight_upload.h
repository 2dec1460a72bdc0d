// Copies a host float tensor to a backend in the weight dtype the user chose
// (shared by the RWKV and transformer loaders).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
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

// The embedding's and the head's dtype under a matrix dtype: the same, except
// f32 under a block format (rwkv.cpp's quantizer leaves them f32, and the
// embedding op reads element types only).
inline kernels::dtype edge_type_of(kernels::dtype matrix_type) {
    return kernels::is_quantized(matrix_type) ? kernels::dtype::f32 : matrix_type;
}

kernels::device_buffer upload_as(kernels::backend& b, const float_tensor& t, kernels::dtype type, const std::string& name);

// The RWKV loaders' way through a checkpoint: every tensor fetched with its
// shape checked and counted as parameters, every upload counted in device
// bytes. Vectors go up in f32, matrices in the chosen weight dtype.
class weight_uploader {
public:
    weight_uploader(std::function<float_tensor(const std::string&)> source, kernels::backend& b,
                    kernels::dtype matrix_type)
        : source_(std::move(source)), b_(b), matrix_type_(matrix_type) {}

    float_tensor get(const std::string& name, const std::vector<std::int64_t>& shape) {
        float_tensor t = fetch_checked(source_, name, shape);
        n_params_ += t.values.size();
        return t;
    }
    kernels::device_buffer upload(const float_tensor& t, kernels::dtype type, const std::string& name) {
        kernels::device_buffer buf = upload_as(b_, t, type, name);
        bytes_ += buf.bytes();
        return buf;
    }
    kernels::device_buffer vec(const std::string& name, std::int64_t n) {
        return upload(get(name, {n}), kernels::dtype::f32, name);
    }
    kernels::device_buffer mat(const std::string& name, std::int64_t rows, std::int64_t cols) {
        return upload(get(name, {rows, cols}), matrix_type_, name);
    }
    kernels::device_buffer f32_mat(const std::string& name, std::int64_t rows, std::int64_t cols) {
        return upload(get(name, {rows, cols}), kernels::dtype::f32, name);
    }
    kernels::dtype edge_type() const { return edge_type_of(matrix_type_); }
    kernels::device_buffer head(const std::string& name, std::int64_t rows, std::int64_t cols) {
        return upload(get(name, {rows, cols}), edge_type(), name);
    }
    // emb.weight [V, C] with blocks.0.ln0 folded in, as model.py does once at
    // load time (every RWKV generation), in the matrix dtype.
    kernels::device_buffer folded_embedding(std::int64_t n_vocab, std::int64_t n_embd);
    std::uint64_t n_params() const { return n_params_; }
    std::uint64_t bytes() const { return bytes_; }

private:
    std::function<float_tensor(const std::string&)> source_;
    kernels::backend& b_;
    kernels::dtype matrix_type_;
    std::uint64_t n_params_ = 0, bytes_ = 0;
};

}  // namespace engines
