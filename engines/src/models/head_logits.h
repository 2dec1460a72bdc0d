// The last matmul of every engine: rows of the final hidden state times the
// head, into the caller's host memory, as logits or (score()) as the
// log-probability of one target per row.
//  * Logits: on the CPU the matmul writes straight into the caller's rows:
//    in perplexity mode that is [T, n_vocab] floats (206 MB for 1024 tokens
//    of a 50277-word vocabulary) neither held twice nor copied. Other
//    devices go through a device buffer, grown when more rows come, and one
//    download.
//  * Log-probabilities: the head runs in slices of the vocabulary of at most
//    16 MiB of logits; each slice's rows are reduced to a log-sum-exp
//    (kernels::softmax_shifts, float exponentials summed in double) while
//    they are in the caches, the slices' sums combined in double, and the
//    target's logit taken from its slice. [T, n_vocab] is never held.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/device_buffer.h"
#include "kernels/softmax_shift.h"

namespace engines {

// Where a chunk's head rows go: host logits [rows, n_vocab], or one target
// per row and its log-probability (score()).
struct head_output {
    float* logits = nullptr;
    std::span<const std::int32_t> targets;
    double* logprobs = nullptr;

    head_output(float* host_logits) : logits(host_logits) {}  // implicit: the forward paths pass their rows
    head_output(std::span<const std::int32_t> t, double* lp) : targets(t), logprobs(lp) {}
};

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

// log p(targets[r]) for each row r, the head in vocabulary slices of at most
// 16 MiB of logits. CPU only: the slices are read where they lie (the
// engines' score() takes other devices through engine::score).
inline void head_logprobs(kernels::backend& b, const kernels::tensor_view& rows, const kernels::tensor_view& head,
                          std::span<const std::int32_t> targets, double* logprobs, kernels::device_buffer& scratch) {
    constexpr std::size_t slice_bytes = std::size_t{16} << 20;
    if (b.device() != kernels::device_kind::cpu)
        throw harness::unsupported_error("head_logprobs: the sliced head reads its logits on the CPU");
    const std::int64_t n = rows.shape[0], v = head.shape[0], c = head.shape[1];
    const std::int64_t slice = std::clamp<std::int64_t>(
        static_cast<std::int64_t>(slice_bytes / sizeof(float)) / std::max<std::int64_t>(n, 1), 1, v);
    const auto bytes = static_cast<std::size_t>(n * slice) * sizeof(float);
    if (scratch.bytes() < bytes) scratch = kernels::device_buffer(b, bytes);
    // Per row: the log-sum-exp so far as m + log(s), and the target's logit.
    std::vector<double> m(static_cast<std::size_t>(n), -INFINITY), s(static_cast<std::size_t>(n), 0.0),
        target_logit(static_cast<std::size_t>(n), 0.0);
    std::vector<kernels::softmax_shift> shift(static_cast<std::size_t>(n));
    for (std::int64_t v0 = 0; v0 < v; v0 += slice) {
        const std::int64_t width = std::min(slice, v - v0);
        kernels::tensor_view part = head;  // rows v0 .. v0 + width of the head
        part.data = static_cast<char*>(head.data) + kernels::storage_bytes(head.type, v0 * c);
        part.shape[0] = width;
        b.matmul(rows, part, kernels::tensor_view{}, scratch.view(kernels::dtype::f32, {n, width}));
        const float* logits = static_cast<const float*>(scratch.data());
        kernels::softmax_shifts(logits, n, width, shift.data());
        for (std::int64_t r = 0; r < n; ++r) {
            const auto i = static_cast<std::size_t>(r);
            const double lse = shift[i].max + shift[i].log_sum, top = std::max(m[i], lse);
            s[i] = s[i] * std::exp(m[i] - top) + std::exp(lse - top);
            m[i] = top;
            const std::int64_t t = targets[i] - v0;
            if (t >= 0 && t < width) target_logit[i] = logits[r * width + t];
        }
    }
    for (std::int64_t r = 0; r < n; ++r) {
        const auto i = static_cast<std::size_t>(r);
        logprobs[r] = target_logit[i] - (m[i] + std::log(s[i]));
    }
}

// A chunk's head rows to `out`: logits or log-probabilities.
inline void run_head(kernels::backend& b, const kernels::tensor_view& rows, const kernels::tensor_view& head,
                     const head_output& out, kernels::device_buffer& scratch) {
    if (out.logits) return head_logits(b, rows, head, out.logits, scratch);
    head_logprobs(b, rows, head, out.targets, out.logprobs, scratch);
}

}  // namespace engines
