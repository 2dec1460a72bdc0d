// The last matmul of every engine: rows of the final hidden state times the
// head, into the caller's host logits. On the CPU the matmul writes straight
// into them: in perplexity mode that is [T, n_vocab] floats (206 MB for 1024
// tokens of a 50277-word vocabulary) neither held twice nor copied. Other
// devices go through a device buffer, grown when more rows come, and one
// download.
#pragma once

#include <cstddef>

#include "kernels/backend.h"
#include "kernels/device_buffer.h"

namespace engines {

inline void head_logits(kernels::backend& b, const kernels::tensor_view& rows, const kernels::tensor_view& head,
                        float* out, kernels::device_buffer& device_logits) {
    const std::int64_t n = rows.shape[0], v = head.shape[0];
    const auto bytes = static_cast<std::size_t>(n * v) * sizeof(float);
    if (b.device() == kernels::device_kind::cpu) {
        b.matmul(rows, head, kernels::tensor_view{}, kernels::tensor_view::make(out, kernels::dtype::f32, {n, v}));
        return;
    }
    if (device_logits.bytes() < bytes) device_logits = kernels::device_buffer(b, bytes);
    b.matmul(rows, head, kernels::tensor_view{}, device_logits.view(kernels::dtype::f32, {n, v}));
    b.download(out, device_logits.data(), bytes);
}

}  // namespace engines
