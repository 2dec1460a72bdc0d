// A non-owning view of a tensor: pointer, dtype, shape, strides and the
// device its memory lives on. Strides are in elements; shape[0] is the
// outermost dimension (row-major, as PyTorch and safetensors store tensors).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "kernels/dtype.h"

namespace kernels {

enum class device_kind { cpu, cuda };

inline constexpr int max_dims = 4;

struct tensor_view {
    void* data = nullptr;
    dtype type = dtype::f32;
    int n_dims = 0;
    std::array<std::int64_t, max_dims> shape{};
    std::array<std::int64_t, max_dims> stride{};
    device_kind device = device_kind::cpu;

    // A contiguous row-major view.
    static tensor_view make(void* data, dtype type, std::initializer_list<std::int64_t> shape,
                            device_kind device = device_kind::cpu);

    bool empty() const { return data == nullptr; }
    std::int64_t numel() const;
    std::int64_t size_bytes() const { return storage_bytes(type, numel()); }
    bool is_contiguous() const;
    // Size of dimension d counted from the end: dim_from_end(0) is the innermost.
    std::int64_t dim_from_end(int d) const { return shape[n_dims - 1 - d]; }
    // Number of rows when viewed as a matrix [numel / last_dim, last_dim].
    std::int64_t rows() const { return n_dims == 0 ? 1 : numel() / shape[n_dims - 1]; }

    template <class T>
    T* as() const { return static_cast<T*>(data); }

    // "f32[3,64]" for messages.
    std::string describe() const;
};

}  // namespace kernels
