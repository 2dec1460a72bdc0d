// The reference implementation of every op: the specification the backends
// are tested against. Plain loops over host tensors, written to be read.
//
// Each function is a template on the accumulator type. ref::*<double> is the
// reference; ref::*<float> is the same algorithm in float, which the parity
// tests use to measure how much error plain float arithmetic makes on a
// case, and so to derive the tolerance a backend gets (STYLE.md §3).
#pragma once

#include "kernels/ops.h"
#include "kernels/tensor.h"

namespace kernels::ref {

// Element i (flat index) of a weight tensor, decoded to float.
float load_weight(const tensor_view& w, std::int64_t i);

template <class acc> void embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out);
template <class acc> void layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias,
                                    float eps, const tensor_view& out);
template <class acc> void matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias,
                                 const tensor_view& out);
template <class acc> void token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                                      const tensor_view& out);
// T = rows of k (1 for the step op).
template <class acc> void wkv_sequence(const tensor_view& w, const tensor_view& u, const tensor_view& k,
                                       const tensor_view& v, const tensor_view& state, const tensor_view& out);
template <class acc> void unary(op_kind kind, const tensor_view& x, const tensor_view& out);
template <class acc> void binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out);
template <class acc> void row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out);
template <class acc> void argmax(const tensor_view& x, const tensor_view& out);
template <class acc> void rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out);
template <class acc> void attention(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                                    const attention_params& p, const tensor_view& out);
template <class acc> void token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                                     const tensor_view& out);
template <class acc> void lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out);
template <class acc> void group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias,
                                     std::int64_t n_groups, float eps, const tensor_view& out);
template <class acc> void wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v,
                               const tensor_view& decay, const tensor_view& bonus, const tensor_view& state,
                               const tensor_view& out);
template <class acc> void wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
                               const tensor_view& kk, const tensor_view& a, const tensor_view& state,
                               const tensor_view& out);
template <class acc> void rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k,
                                     const tensor_view& k_a, std::int64_t head_size, const tensor_view& kk);
template <class acc> void rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v,
                                      const tensor_view& r_k, const tensor_view& out);

}  // namespace kernels::ref

#include <memory>

namespace kernels {
class backend;
}

namespace kernels::ref {

// The reference wrapped as a host-memory backend named "ref" (double
// accumulators) or "ref-f32" (float accumulators), so that a parity case can
// run the same code on the reference and on a real backend.
std::unique_ptr<backend> make_ref_backend(bool double_accumulators = true);

}  // namespace kernels::ref
