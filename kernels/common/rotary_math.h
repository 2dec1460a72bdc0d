// Rotary position embedding in the GPT-NeoX ("rotate half") form, on the first
// n_rot dims of each head: pair i with i + n_rot/2, angle = pos * inv_freq_i,
// inv_freq_i = 1 / base^(2i / n_rot). The angle is computed in float exactly as
// Hugging Face's GPTNeoXRotaryEmbedding does (float32 inv_freq, float32
// product), so large positions round the same way.
#pragma once

#include <math.h>

#include "hd.h"

namespace kernels {

KERNELS_HD float rotary_angle(int pos, int i, int n_rot, float base) {
    const float inv_freq = 1.0f / powf(base, static_cast<float>(2 * i) / static_cast<float>(n_rot));
    return static_cast<float>(pos) * inv_freq;
}

// Rotates the pair (x1, x2) = (x[i], x[i + n_rot/2]) by angle.
KERNELS_HD void rotary_rotate(float x1, float x2, float angle, float* y1, float* y2) {
    const float c = cosf(angle);
    const float s = sinf(angle);
    *y1 = x1 * c - x2 * s;
    *y2 = x2 * c + x1 * s;
}

}  // namespace kernels
