// Reference WKV-4: the recurrence written in the log domain without the
// shared helper, so that agreement with kernels/common/wkv_math.h means
// something. For each channel, with state (aa, bb, pp) meaning
//   num = aa * e^pp,  den = bb * e^pp,
// token t outputs (num + e^{u+k} v) / (den + e^{u+k}) and then
//   num <- e^w num + e^k v,  den <- e^w den + e^k   (w = -exp(time_decay) < 0).
// We keep (aa, bb, pp) normalised at the largest exponent, as the official
// kernel does, so the final state is comparable slot by slot.
#include <algorithm>
#include <cmath>

#include "kernels/ref.h"

namespace kernels::ref {

// k, v, out: (T, C); w, u: (C); state: (3, C) = aa, bb, pp.
template <class acc>
void wkv_sequence(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                  const tensor_view& state, const tensor_view& out) {
    check_wkv(w, u, k, v, state, out);
    const std::int64_t n_embd = k.dim_from_end(0), n_tokens = k.rows();
    float* aa = state.as<float>();
    float* bb = aa + n_embd;
    float* pp = bb + n_embd;
    for (std::int64_t c = 0; c < n_embd; ++c) {
        acc a = aa[c], b = bb[c], p = pp[c];
        const acc decay = w.as<const float>()[c], bonus = u.as<const float>()[c];
        for (std::int64_t t = 0; t < n_tokens; ++t) {
            const acc kt = k.as<const float>()[t * n_embd + c];
            const acc vt = v.as<const float>()[t * n_embd + c];
            // Output: combine the old state (exponent p) with this token (exponent u + k).
            const acc top = std::max(p, bonus + kt);
            const acc scale_state = std::exp(p - top), scale_token = std::exp(bonus + kt - top);
            out.as<float>()[t * n_embd + c] =
                static_cast<float>((a * scale_state + vt * scale_token) / (b * scale_state + scale_token));
            // Update: decay the state (exponent p + w) and add the token (exponent k).
            const acc next = std::max(p + decay, kt);
            const acc keep = std::exp(p + decay - next), add = std::exp(kt - next);
            a = a * keep + vt * add;
            b = b * keep + add;
            p = next;
        }
        aa[c] = static_cast<float>(a);
        bb[c] = static_cast<float>(b);
        pp[c] = static_cast<float>(p);
    }
}

template void wkv_sequence<float>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&,
                                  const tensor_view&, const tensor_view&);
template void wkv_sequence<double>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&,
                                   const tensor_view&, const tensor_view&);

}  // namespace kernels::ref
