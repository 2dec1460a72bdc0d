// Reference RWKV v5.2 / v7 ops, written from model.py's tensor formulas
// without the shared helpers (kernels/common/rwkv57_math.h), so that
// agreement with the backends means something.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ref.h"

namespace kernels::ref {
namespace {

float f(const tensor_view& t, std::int64_t i) { return t.as<const float>()[i]; }

}  // namespace

template <class acc>
void token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix, const tensor_view& out) {
    check_token_lerp(x, x_prev, mix, out);
    const std::int64_t n_tokens = x.shape[0], c = x.shape[1];
    for (std::int64_t t = 0; t < n_tokens; ++t)
        for (std::int64_t i = 0; i < c; ++i) {
            const acc cur = f(x, t * c + i), prev = t == 0 ? f(x_prev, i) : f(x, (t - 1) * c + i);
            out.as<float>()[t * c + i] = static_cast<float>(cur + (prev - cur) * acc(f(mix, i)));
        }
}

template <class acc>
void lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out) {
    check_lerp(a, b, t, out);
    for (std::int64_t i = 0; i < a.numel(); ++i) {
        const acc x = f(a, i), y = f(b, i);
        out.as<float>()[i] = static_cast<float>(x + (y - x) * acc(f(t, i)));
    }
}

template <class acc>
void group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, std::int64_t n_groups,
                float eps, const tensor_view& out) {
    check_group_norm(x, weight, bias, n_groups, out);
    const std::int64_t rows = x.shape[0], c = x.shape[1], n = c / n_groups;
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t g = 0; g < n_groups; ++g) {
            const std::int64_t base = r * c + g * n;
            acc mean = 0, var = 0;
            for (std::int64_t i = 0; i < n; ++i) mean += f(x, base + i);
            mean /= acc(n);
            for (std::int64_t i = 0; i < n; ++i) var += (f(x, base + i) - mean) * (f(x, base + i) - mean);
            var /= acc(n);
            const acc inv = 1 / std::sqrt(var + acc(eps));
            for (std::int64_t i = 0; i < n; ++i) {
                const std::int64_t ch = g * n + i;
                out.as<float>()[base + i] =
                    static_cast<float>((f(x, base + i) - mean) * inv * acc(f(weight, ch)) + acc(f(bias, ch)));
            }
        }
}

// a = k v^T; out = r (u * a + s); s = a + w * s — per head, token by token.
template <class acc>
void wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
          const tensor_view& bonus, const tensor_view& state, const tensor_view& out) {
    check_wkv5(r, k, v, decay, bonus, state, out);
    const std::int64_t n_tokens = r.shape[0], c = r.shape[1], h_count = state.shape[0], n = state.shape[1];
    float* s = state.as<float>();
    for (std::int64_t h = 0; h < h_count; ++h) {
        std::vector<acc> st(s + h * n * n, s + (h + 1) * n * n);
        for (std::int64_t t = 0; t < n_tokens; ++t) {
            const std::int64_t row = t * c + h * n;
            for (std::int64_t j = 0; j < n; ++j) {
                acc y = 0;
                for (std::int64_t i = 0; i < n; ++i) {
                    const acc a = acc(f(k, row + i)) * f(v, row + j);
                    y += acc(f(r, row + i)) * (acc(f(bonus, h * n + i)) * a + st[i * n + j]);
                }
                out.as<float>()[row + j] = static_cast<float>(y);
            }
            for (std::int64_t i = 0; i < n; ++i)
                for (std::int64_t j = 0; j < n; ++j)
                    st[i * n + j] = acc(f(k, row + i)) * f(v, row + j) + acc(f(decay, h * n + i)) * st[i * n + j];
        }
        for (std::int64_t e = 0; e < n * n; ++e) s[h * n * n + e] = static_cast<float>(st[e]);
    }
}

// S = S diag(w) + S (-kk)(kk*a)^T + v k^T; out = S r — per head, token by token.
template <class acc>
void wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v, const tensor_view& kk,
          const tensor_view& a, const tensor_view& state, const tensor_view& out) {
    check_wkv7(r, w, k, v, kk, a, state, out);
    const std::int64_t n_tokens = r.shape[0], c = r.shape[1], h_count = state.shape[0], n = state.shape[1];
    float* s = state.as<float>();
    for (std::int64_t h = 0; h < h_count; ++h) {
        std::vector<acc> st(s + h * n * n, s + (h + 1) * n * n), next(static_cast<std::size_t>(n * n));
        for (std::int64_t t = 0; t < n_tokens; ++t) {
            const std::int64_t row = t * c + h * n;
            for (std::int64_t i = 0; i < n; ++i)
                for (std::int64_t j = 0; j < n; ++j) {
                    acc sab = 0;  // (S ab)[i][j], ab[m][j] = -kk[m] * kk[j] * a[j]
                    for (std::int64_t m = 0; m < n; ++m)
                        sab += st[i * n + m] * -acc(f(kk, row + m)) * (acc(f(kk, row + j)) * f(a, row + j));
                    const acc decay = std::exp(acc(-0.606531f) / (1 + std::exp(-acc(f(w, row + j)))));
                    next[i * n + j] = st[i * n + j] * decay + sab + acc(f(v, row + i)) * f(k, row + j);
                }
            st.swap(next);
            for (std::int64_t i = 0; i < n; ++i) {
                acc y = 0;
                for (std::int64_t j = 0; j < n; ++j) y += st[i * n + j] * f(r, row + j);
                out.as<float>()[row + i] = static_cast<float>(y);
            }
        }
        for (std::int64_t e = 0; e < n * n; ++e) s[h * n * n + e] = static_cast<float>(st[e]);
    }
}

template <class acc>
void rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k, const tensor_view& k_a,
                std::int64_t head_size, const tensor_view& kk) {
    check_rwkv7_keys(k, a, k_k, k_a, head_size, kk);
    const std::int64_t c = k.shape[1], heads = k.numel() / head_size;
    for (std::int64_t h = 0; h < heads; ++h) {
        const std::int64_t base = h * head_size, ch0 = base % c;
        acc norm = 0;
        for (std::int64_t j = 0; j < head_size; ++j) {
            const acc x = acc(f(k, base + j)) * f(k_k, ch0 + j);
            norm += x * x;
        }
        norm = std::max<acc>(std::sqrt(norm), acc(1e-12));
        for (std::int64_t j = 0; j < head_size; ++j) {
            kk.as<float>()[base + j] = static_cast<float>(acc(f(k, base + j)) * f(k_k, ch0 + j) / norm);
            k.as<float>()[base + j] =
                static_cast<float>(acc(f(k, base + j)) * (1 + (acc(f(a, base + j)) - 1) * f(k_a, ch0 + j)));
        }
    }
}

template <class acc>
void rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& r_k,
                 const tensor_view& out) {
    check_rwkv7_bonus(r, k, v, r_k, out);
    const std::int64_t c = r.shape[1], n = r_k.shape[1], heads = r.numel() / n;
    for (std::int64_t h = 0; h < heads; ++h) {
        const std::int64_t base = h * n, ch0 = base % c;
        acc sum = 0;
        for (std::int64_t j = 0; j < n; ++j) sum += acc(f(r, base + j)) * f(k, base + j) * f(r_k, ch0 + j);
        for (std::int64_t j = 0; j < n; ++j)
            out.as<float>()[base + j] = static_cast<float>(f(out, base + j) + sum * f(v, base + j));
    }
}

#define KERNELS_REF_RWKV57(acc)                                                                                     \
    template void token_lerp<acc>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&);  \
    template void lerp<acc>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&);        \
    template void group_norm<acc>(const tensor_view&, const tensor_view&, const tensor_view&, std::int64_t, float,  \
                                  const tensor_view&);                                                              \
    template void wkv5<acc>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&,         \
                            const tensor_view&, const tensor_view&, const tensor_view&);                            \
    template void wkv7<acc>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&,         \
                            const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&);        \
    template void rwkv7_keys<acc>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&,   \
                                  std::int64_t, const tensor_view&);                                                \
    template void rwkv7_bonus<acc>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&,  \
                                   const tensor_view&);
KERNELS_REF_RWKV57(float)
KERNELS_REF_RWKV57(double)
#undef KERNELS_REF_RWKV57

}  // namespace kernels::ref
