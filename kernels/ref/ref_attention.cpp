// Reference rotary embedding and causal attention over a KV cache.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../common/rotary_math.h"
#include "kernels/ref.h"

namespace kernels::ref {

// x, out: (T, H, D). For each pair (i, i + n_rot/2) of the first n_rot dims:
// angle = (pos0 + t) / base^(2i / n_rot). The angle is formed in float as in
// Hugging Face (inv_freq is a float32 buffer there) by the shared
// rotary_angle, then rotated in acc.
template <class acc>
void rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out) {
    check_rotary(x, p, out);
    const std::int64_t n_tokens = x.shape[0], n_heads = x.shape[1], head_dim = x.shape[2];
    const int half = p.n_rot / 2;
    std::vector<float> head(head_dim);
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        for (std::int64_t h = 0; h < n_heads; ++h) {
            const float* x_th = x.as<const float>() + (t * n_heads + h) * head_dim;  // seek to x[t, h, :]
            std::copy(x_th, x_th + head_dim, head.begin());  // out may alias x
            float* out_th = out.as<float>() + (t * n_heads + h) * head_dim;
            for (std::int64_t d = 0; d < head_dim; ++d) out_th[d] = head[d];
            for (int i = 0; i < half; ++i) {
                const float angle = rotary_angle(static_cast<int>(p.pos0 + t), i, p.n_rot, p.base);
                const acc c = std::cos(acc(angle)), s = std::sin(acc(angle));
                const acc a = head[i], b = head[i + half];
                out_th[i] = static_cast<float>(a * c - b * s);
                out_th[i + half] = static_cast<float>(b * c + a * s);
            }
        }
    }
}

// q, out: (T, H, D); caches: (capacity, H, D). Query t sits at position
// n_past + t and sees keys 0 .. n_past + t. Two passes per query: scores,
// then a softmax with the maximum subtracted, then the weighted sum of values.
template <class acc>
void attention(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
               const attention_params& p, const tensor_view& out) {
    check_attention(q, k_cache, v_cache, p, out);
    const std::int64_t n_tokens = q.shape[0], n_heads = q.shape[1], head_dim = q.shape[2];
    const std::int64_t key_stride = n_heads * head_dim;  // from position j to j + 1
    std::vector<acc> scores;
    for (std::int64_t h = 0; h < n_heads; ++h) {
        const float* k_h = k_cache.as<const float>() + h * head_dim;  // seek to k_cache[0, h, :]
        const float* v_h = v_cache.as<const float>() + h * head_dim;
        for (std::int64_t t = 0; t < n_tokens; ++t) {
            const float* q_th = q.as<const float>() + (t * n_heads + h) * head_dim;
            const std::int64_t n_keys = p.n_past + t + 1;
            scores.assign(n_keys, 0);
            for (std::int64_t j = 0; j < n_keys; ++j) {
                acc dot = 0;
                for (std::int64_t d = 0; d < head_dim; ++d) dot += acc(q_th[d]) * acc(k_h[j * key_stride + d]);
                scores[j] = dot * acc(p.scale);
            }
            const acc max = *std::max_element(scores.begin(), scores.end());
            acc sum = 0;
            for (acc& s : scores) sum += (s = std::exp(s - max));
            float* out_th = out.as<float>() + (t * n_heads + h) * head_dim;
            for (std::int64_t d = 0; d < head_dim; ++d) {
                acc o = 0;
                for (std::int64_t j = 0; j < n_keys; ++j) o += scores[j] * acc(v_h[j * key_stride + d]);
                out_th[d] = static_cast<float>(o / sum);
            }
        }
    }
}

template void rotary<float>(const tensor_view&, const rotary_params&, const tensor_view&);
template void rotary<double>(const tensor_view&, const rotary_params&, const tensor_view&);
template void attention<float>(const tensor_view&, const tensor_view&, const tensor_view&, const attention_params&,
                               const tensor_view&);
template void attention<double>(const tensor_view&, const tensor_view&, const tensor_view&, const attention_params&,
                                const tensor_view&);

}  // namespace kernels::ref
