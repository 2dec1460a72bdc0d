#include "kernels/tensor.h"

#include <stdexcept>

namespace kernels {

tensor_view tensor_view::make(void* data, dtype type, std::initializer_list<std::int64_t> shape,
                              device_kind device) {
    if (shape.size() > static_cast<std::size_t>(max_dims))
        throw std::invalid_argument("tensor_view: more than 4 dims");
    tensor_view v;
    v.data = data;
    v.type = type;
    v.device = device;
    v.n_dims = static_cast<int>(shape.size());
    int d = 0;
    for (std::int64_t s : shape) v.shape[d++] = s;
    std::int64_t stride = 1;
    for (int i = v.n_dims - 1; i >= 0; --i) {
        v.stride[i] = stride;
        stride *= v.shape[i];
    }
    return v;
}

std::int64_t tensor_view::numel() const {
    std::int64_t n = 1;
    for (int i = 0; i < n_dims; ++i) n *= shape[i];
    return n;
}

bool tensor_view::is_contiguous() const {
    std::int64_t expected = 1;
    for (int i = n_dims - 1; i >= 0; --i) {
        if (shape[i] != 1 && stride[i] != expected) return false;
        expected *= shape[i];
    }
    return true;
}

std::string tensor_view::describe() const {
    std::string s(dtype_name(type));
    s += '[';
    for (int i = 0; i < n_dims; ++i) {
        if (i) s += ',';
        s += std::to_string(shape[i]);
    }
    return s + ']';
}

}  // namespace kernels
