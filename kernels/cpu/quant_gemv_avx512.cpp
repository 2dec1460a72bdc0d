// AVX-512 (F, BW, VL) + FMA + F16C instantiation of the block-format kernels
// (quant_gemv_simd.h): a block's 32 values as two 16-lane registers, Q8_0's
// widened from 16 bytes each, the 4- and 5-bit formats' looked up in a
// 16-entry table (unpack); four rows in registers.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mfma -mf16c.
#include "quant_gemv_simd.h"

namespace kernels::cpu {
namespace {

struct avx512_quant {
    using reg = __m512;
    static constexpr int groups = 2, rows = 4;
    static reg zero() { return _mm512_setzero_ps(); }
    static reg load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
    static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
    static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
    static reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
    static float reduce(reg v) { return _mm512_reduce_add_ps(v); }
    static reg widen_halves(short h) { return _mm512_cvtph_ps(_mm256_set1_epi16(h)); }

    template <quant_format F>
    static void unpack(const unsigned char* b, reg* q, reg& d, reg& m) {
        d = quant_scale<avx512_quant>(b);
        m = zero();
        if constexpr (F == quant_format::q8_0) {
            for (int g = 0; g < 2; ++g)
                q[g] = _mm512_cvtepi32_ps(
                    _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2 + 16 * g))));
            return;
        }
        constexpr bool offset = quant_has_offset(F);
        constexpr bool five_bits = quant_has_fifth_bit(F);
        if (offset) m = quant_scale<avx512_quant>(b + 2);
        // Each value's float from a 16-entry table: vpermps reads only an
        // index lane's low four bits, so a byte widened to a lane indexes by
        // its low nibble as it is and by its high one after a shift. A fifth
        // bit (bit e of qh for element e) picks the upper table instead.
        // Exact, as cvt(n - bias), with fewer instructions per block.
        constexpr float low = offset ? 0.0f : five_bits ? -16.0f : -8.0f;
        const __m512 steps = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512 table = _mm512_add_ps(steps, _mm512_set1_ps(low));
        const __m512i bytes = _mm512_cvtepu8_epi32(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + (offset ? 4 : 2) + (five_bits ? 4 : 0))));
        const __m512i high = _mm512_srli_epi32(bytes, 4);
        q[0] = _mm512_permutexvar_ps(bytes, table);
        q[1] = _mm512_permutexvar_ps(high, table);
        if constexpr (five_bits) {
            std::uint32_t qh;
            std::memcpy(&qh, b + (offset ? 4 : 2), 4);
            const __m512 upper = _mm512_add_ps(table, _mm512_set1_ps(16.0f));
            q[0] = _mm512_mask_permutexvar_ps(q[0], static_cast<__mmask16>(qh), bytes, upper);
            q[1] = _mm512_mask_permutexvar_ps(q[1], static_cast<__mmask16>(qh >> 16), high, upper);
        }
    }
};

}  // namespace

void quant_gemv_avx512(const quant_gemv_args& a, quant_format f) { quant_gemv<avx512_quant>(a, f); }

}  // namespace kernels::cpu
