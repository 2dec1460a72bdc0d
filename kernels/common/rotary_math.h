// Rotary position embedding in the GPT-NeoX ("rotate half") form, on the first
// n_rot dims of each head: pair i with i + n_rot/2, angle = pos * inv_freq_i,
// inv_freq_i = 1 / base^(2i / n_rot). The angle is computed in float exactly as
// Hugging Face's GPTNeoXRotaryEmbedding does (float32 inv_freq, float32
// product), so large positions round the same way.
#pragma once

#include <math.h>

#include "kernels/hd.h"

namespace kernels {

KERNELS_HD float rotary_angle(int pos, int i, int n_rot, float base) {
    // base^(2i/n_rot) is taken in double and rounded once to float: the
    // correctly rounded float power, the same bits on host and device. powf is
    // not: CUDA's is within 2 ulp, glibc's within 1, and at position 100 one
    // ulp of inv_freq moves the angle by ~3e-6 rad (seen on an H100: 4e-6 off).
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(n_rot);
    const float power = static_cast<float>(pow(static_cast<double>(base), static_cast<double>(exponent)));
    const float inv_freq = 1.0f / power;
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
