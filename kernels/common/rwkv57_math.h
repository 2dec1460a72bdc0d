// RWKV v5.2 and v7 per-element math shared by every backend, in the order
// ChatRWKV's model.py (strategy fp32) evaluates it, so that backends differ
// from the official implementation only by summation order.
//
// WKV-5.2, per head, state s[i][j] (i = key channel, j = value channel):
//   out[j]   = sum_i r[i] * (u[i] * k[i] * v[j] + s[i][j])
//   s[i][j] <- k[i] * v[j] + w[i] * s[i][j]        (w = exp(-exp(time_decay)))
// WKV-7, per head, state s[i][j] (i = value channel, j = key channel):
//   sa[i]    = sum_j s[i][j] * a[j]                 (a = -kk)
//   s[i][j] <- s[i][j] * w[j] + sa[i] * b[j] + v[i] * k[j]   (b = kk * iclr)
//   out[i]   = sum_j s[i][j] * r[j]                 (with the new state)
// with w[j] = exp(-e^{-1/2} sigmoid(w0 + lora_w)) (model.py's non-CUDA form).
#pragma once

#include <math.h>

#include "activation_math.h"
#include "kernels/hd.h"

namespace kernels {

KERNELS_HD float silu_f(float x) { return x / (1.0f + expf(-x)); }

// model.py writes e^{-1/2} as 0.606531.
KERNELS_HD float rwkv7_decay(float w) { return expf(-0.606531f * sigmoid_f(w)); }

// One (key i, value j) element of a WKV-5.2 head for one token: updates s and
// returns its term of out[j].
KERNELS_HD float wkv5_element(float& s, float r_i, float k_i, float w_i, float u_i, float v_j) {
    const float kv = k_i * v_j;
    const float term = r_i * (u_i * kv + s);
    s = kv + w_i * s;
    return term;
}

// One (value i, key j) element of a WKV-7 head for one token: the new s.
KERNELS_HD float wkv7_element(float s, float w_j, float sa_i, float b_j, float v_i, float k_j) {
    return s * w_j + sa_i * b_j + v_i * k_j;
}

// F.normalize's floor on the norm.
inline constexpr float rwkv7_normalize_eps = 1e-12f;

// k's in-context learning-rate scaling: k * (1 + (a - 1) * k_a).
KERNELS_HD float rwkv7_key(float k, float a, float k_a) { return k * (1.0f + (a - 1.0f) * k_a); }

KERNELS_HD float lerp_f(float a, float b, float t) { return a + (b - a) * t; }

}  // namespace kernels
