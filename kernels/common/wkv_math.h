// The numerically stable WKV-4 recurrence, shared by every backend.
//
// Per channel the state is (aa, bb, pp): aa/bb are the numerator/denominator
// of the weighted average of past values, both scaled by exp(-pp) so that no
// exponent overflows. `w` is the per-channel decay already transformed to
// -exp(time_decay) (as ChatRWKV's model.py does at load time), `u` is
// time_first. The output for a token uses the OLD state plus the current
// token with bonus u; then the state absorbs the token with decay w. This is
// exactly the order of ChatRWKV's RNN mode and of the official CUDA kernel.
// The exponential is a parameter: libm's (and CUDA's) expf by default; the
// CPU kernel passes its vectorisable exp_fast, so that GCC runs 16 channels
// per instruction instead of four expf calls per channel and token.
#pragma once

#include <math.h>

#include "kernels/hd.h"

namespace kernels {

struct wkv_triplet {
    float aa, bb, pp;
};

// The initial state: nothing seen; pp is a large negative exponent (model.py
// and rwkv.cpp use -1e30).
inline constexpr float wkv_initial_pp = -1e30f;

struct libm_exp {
    KERNELS_HD float operator()(float x) const { return expf(x); }
};

// max written as a comparison, which vectorises (fmaxf's NaN rule does not
// without -ffast-math); the two differ only for NaN inputs.
KERNELS_HD float wkv_max(float a, float b) { return a > b ? a : b; }

// wkv_t = (e^{pp} aa + e^{u+k} v) / (e^{pp} bb + e^{u+k}), evaluated at the common
// exponent max(pp, u+k).
template <class Exp = libm_exp>
KERNELS_HD float wkv_output(wkv_triplet s, float u, float k, float v, Exp exp = {}) {
    const float ww = u + k;
    const float p = wkv_max(s.pp, ww);
    const float e1 = exp(s.pp - p);
    const float e2 = exp(ww - p);
    return (e1 * s.aa + e2 * v) / (e1 * s.bb + e2);
}

// Decay the state by e^{w} and add the token with weight e^{k}.
template <class Exp = libm_exp>
KERNELS_HD wkv_triplet wkv_update(wkv_triplet s, float w, float k, float v, Exp exp = {}) {
    const float ww = w + s.pp;
    const float p = wkv_max(ww, k);
    const float e1 = exp(ww - p);
    const float e2 = exp(k - p);
    return {e1 * s.aa + e2 * v, e1 * s.bb + e2, p};
}

}  // namespace kernels
