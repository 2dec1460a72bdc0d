// Per-element activations shared by every backend. The formulas are the ones
// of PyTorch: GELU "none" (erf) as GPT-NeoX uses, GELU "tanh" as GPT-2's
// gelu_new, sigmoid, and RWKV's squared ReLU.
#pragma once

#include <math.h>

#include "kernels/hd.h"

namespace kernels {

KERNELS_HD float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }

KERNELS_HD float squared_relu_f(float x) {
    const float r = x > 0.0f ? x : 0.0f;
    return r * r;
}

KERNELS_HD float gelu_erf_f(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

KERNELS_HD float gelu_tanh_f(float x) {
    const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);  // sqrt(2/pi)
    return 0.5f * x * (1.0f + tanhf(inner));
}

}  // namespace kernels
