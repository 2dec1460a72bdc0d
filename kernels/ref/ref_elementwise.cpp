// Reference: embedding, layernorm, token shift, activations, add/mul,
// softmax, argmax.
#include <cmath>
#include <vector>

#include "../common/activation_math.h"
#include "kernels/half_math.h"
#include "kernels/ref.h"

namespace kernels::ref {

float load_weight(const tensor_view& w, std::int64_t i) {
    switch (w.type) {
        case dtype::f32: return w.as<const float>()[i];
        case dtype::f16: return f16_to_f32(w.as<const std::uint16_t>()[i]);
        case dtype::bf16: return bf16_to_f32(w.as<const std::uint16_t>()[i]);
        case dtype::i32:
        case dtype::q4_0:  // block formats: whole rows at a time (ref_matmul.cpp)
        case dtype::q4_1:
        case dtype::q5_0:
        case dtype::q5_1:
        case dtype::q8_0: break;
    }
    return NAN;
}

// out: (T, C); ids: (T); table: (V, C)
template <class acc>
void embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out) {
    check_embedding(table, ids, out);
    const std::int64_t n_tokens = ids.shape[0], n_embd = table.shape[1], n_vocab = table.shape[0];
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        const std::int64_t id = ids.as<const std::int32_t>()[t];
        float* out_t = out.as<float>() + t * n_embd;  // seek to out[t, :]
        for (std::int64_t c = 0; c < n_embd; ++c)
            out_t[c] = (id >= 0 && id < n_vocab) ? load_weight(table, id * n_embd + c) : NAN;
    }
}

// Per row: mean and biased variance (divide by C, as torch's layer_norm).
template <class acc>
void layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, float eps,
               const tensor_view& out) {
    check_layernorm(x, weight, bias, out);
    const std::int64_t c_dim = x.dim_from_end(0), rows = x.rows();
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* x_r = x.as<const float>() + r * c_dim;
        float* out_r = out.as<float>() + r * c_dim;
        acc mean = 0;
        for (std::int64_t c = 0; c < c_dim; ++c) mean += x_r[c];
        mean /= static_cast<acc>(c_dim);
        acc var = 0;
        for (std::int64_t c = 0; c < c_dim; ++c) var += (x_r[c] - mean) * (x_r[c] - mean);
        var /= static_cast<acc>(c_dim);
        const acc inv_std = 1 / std::sqrt(var + static_cast<acc>(eps));
        for (std::int64_t c = 0; c < c_dim; ++c)
            out_r[c] = static_cast<float>((x_r[c] - mean) * inv_std * weight.as<const float>()[c] +
                                          bias.as<const float>()[c]);
    }
}

// out[t] = mix * x[t] + (1 - mix) * x[t-1], with x[-1] = x_prev.
template <class acc>
void token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix, const tensor_view& out) {
    check_token_shift(x, x_prev, mix, out);
    const std::int64_t n_tokens = x.shape[0], n_embd = x.shape[1];
    for (std::int64_t c = 0; c < n_embd; ++c) {
        const acc m = mix.as<const float>()[c];
        for (std::int64_t t = 0; t < n_tokens; ++t) {
            const acc cur = x.as<const float>()[t * n_embd + c];
            const acc prev = t == 0 ? x_prev.as<const float>()[c] : x.as<const float>()[(t - 1) * n_embd + c];
            out.as<float>()[t * n_embd + c] = static_cast<float>(m * cur + (1 - m) * prev);
        }
    }
}

template <class acc>
void unary(op_kind kind, const tensor_view& x, const tensor_view& out) {
    check_unary(kind, x, out);
    const std::int64_t n = x.numel();
    for (std::int64_t i = 0; i < n; ++i) {
        const acc v = x.as<const float>()[i];
        acc r = 0;
        switch (kind) {
            case op_kind::sigmoid: r = 1 / (1 + std::exp(-v)); break;
            case op_kind::squared_relu: r = v > 0 ? v * v : 0; break;
            case op_kind::tanh: r = std::tanh(v); break;
            case op_kind::silu: r = v / (1 + std::exp(-v)); break;
            case op_kind::gelu_erf: r = v / 2 * (1 + std::erf(v / std::sqrt(acc(2)))); break;
            case op_kind::gelu_tanh: {
                const acc pi = acc(3.14159265358979323846);
                r = v / 2 * (1 + std::tanh(std::sqrt(2 / pi) * (v + acc(0.044715) * v * v * v)));
                break;
            }
            default: break;
        }
        out.as<float>()[i] = static_cast<float>(r);
    }
}

template <class acc>
void binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out) {
    check_binary(kind, a, b, out);
    const std::int64_t n = a.numel(), nb = b.numel();
    for (std::int64_t i = 0; i < n; ++i) {
        const acc x = a.as<const float>()[i];
        const acc y = b.as<const float>()[i % nb];  // nb == n, or one broadcast row
        out.as<float>()[i] = static_cast<float>(kind == op_kind::add ? x + y : x * y);
    }
}

// softmax_i = exp(x_i - max) / sum_j exp(x_j - max); log_softmax_i = x_i - max - log(sum).
template <class acc>
void row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out) {
    check_row_softmax(kind, x, out);
    const std::int64_t n = x.dim_from_end(0), rows = x.rows();
    std::vector<float> row(n);
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* x_r = x.as<const float>() + r * n;
        for (std::int64_t i = 0; i < n; ++i) row[i] = x_r[i];  // out may alias x
        acc max = row[0];
        for (std::int64_t i = 1; i < n; ++i) max = std::max<acc>(max, row[i]);
        acc sum = 0;
        for (std::int64_t i = 0; i < n; ++i) sum += std::exp(row[i] - max);
        float* out_r = out.as<float>() + r * n;
        for (std::int64_t i = 0; i < n; ++i) {
            out_r[i] = kind == op_kind::softmax ? static_cast<float>(std::exp(row[i] - max) / sum)
                                                : static_cast<float>(row[i] - max - std::log(sum));
        }
    }
}

// The first index of the maximum (as torch.argmax on CPU and numpy do).
template <class acc>
void argmax(const tensor_view& x, const tensor_view& out) {
    check_argmax(x, out);
    const std::int64_t n = x.dim_from_end(0), rows = x.rows();
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* x_r = x.as<const float>() + r * n;
        std::int64_t best = 0;
        for (std::int64_t i = 1; i < n; ++i)
            if (x_r[i] > x_r[best]) best = i;
        out.as<std::int32_t>()[r] = static_cast<std::int32_t>(best);
    }
}

#define KERNELS_REF_INSTANTIATE(acc)                                                                        \
    template void embedding<acc>(const tensor_view&, const tensor_view&, const tensor_view&);               \
    template void layernorm<acc>(const tensor_view&, const tensor_view&, const tensor_view&, float,         \
                                 const tensor_view&);                                                       \
    template void token_shift<acc>(const tensor_view&, const tensor_view&, const tensor_view&,              \
                                   const tensor_view&);                                                     \
    template void unary<acc>(op_kind, const tensor_view&, const tensor_view&);                              \
    template void binary<acc>(op_kind, const tensor_view&, const tensor_view&, const tensor_view&);         \
    template void row_softmax<acc>(op_kind, const tensor_view&, const tensor_view&);                        \
    template void argmax<acc>(const tensor_view&, const tensor_view&);
KERNELS_REF_INSTANTIATE(float)
KERNELS_REF_INSTANTIATE(double)
#undef KERNELS_REF_INSTANTIATE

}  // namespace kernels::ref
