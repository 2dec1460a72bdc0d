// The CPU's AVX2 dequantization of rwkv.cpp's block formats against the
// portable one (kernels/quant.h, itself checked bit for bit against ggml's
// files in tests/engines/quantized_test.cpp): the same floats, bit for bit,
// for random blocks of every format — scales normal, subnormal and zero.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "../../kernels/cpu/cpu_backend.h"
#include "harness/cpu_features.h"
#include "kernels/quant.h"

namespace {

using kernels::quant_format;

std::vector<unsigned char> random_blocks(quant_format f, int n_blocks, std::mt19937& rng) {
    const int bytes = kernels::quant_block_bytes(f);
    std::vector<unsigned char> blocks(static_cast<std::size_t>(n_blocks * bytes));
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : blocks) b = static_cast<unsigned char>(byte(rng));
    // Scales (and offsets) as fp16: normal, subnormal (exponent bits 0) and zero.
    for (int i = 0; i < n_blocks; ++i) {
        unsigned char* p = blocks.data() + i * bytes;
        const int kind = i % 3;
        const std::uint16_t d = kind == 0 ? static_cast<std::uint16_t>(0x3000 + byte(rng))
                                : kind == 1 ? static_cast<std::uint16_t>(byte(rng) << 1)
                                            : 0;
        p[0] = static_cast<unsigned char>(d & 0xFF), p[1] = static_cast<unsigned char>(d >> 8);
    }
    return blocks;
}

TEST(QuantCpu, Avx2DequantizationIsBitIdenticalToThePortableOne) {
    const auto& cpu = harness::detect_cpu_features();
    if (!(cpu.avx2 && cpu.fma && cpu.f16c)) GTEST_SKIP() << "this CPU lacks AVX2/FMA/F16C";
    std::mt19937 rng(7);
    for (quant_format f : {quant_format::q4_0, quant_format::q4_1, quant_format::q5_0, quant_format::q5_1,
                           quant_format::q8_0}) {
        const int n_blocks = 96;
        const auto blocks = random_blocks(f, n_blocks, rng);
        std::vector<float> portable(n_blocks * 32), avx2(n_blocks * 32, -7.0f);
        kernels::dequantize_row(f, blocks.data(), n_blocks * 32, portable.data());
        kernels::cpu::quant_dequantize_avx2(f, blocks.data(), n_blocks * 32, avx2.data());
        EXPECT_EQ(0, std::memcmp(portable.data(), avx2.data(), portable.size() * 4)) << kernels::quant_name(f);
    }
}

// The quantizer keeps what it can: quantizing dequantized Q8_0 blocks gives
// the blocks back (d = amax / 127 recovers the stored scale).
TEST(QuantCpu, Q8RoundTripsThroughItsOwnValues) {
    std::mt19937 rng(8);
    std::uniform_real_distribution<float> value(-2, 2);
    std::vector<float> x(32 * 40);
    for (float& v : x) v = value(rng);
    std::vector<unsigned char> once(40 * 34), twice(40 * 34);
    kernels::quantize_row(quant_format::q8_0, x.data(), 32 * 40, once.data());
    std::vector<float> back(x.size());
    kernels::dequantize_row(quant_format::q8_0, once.data(), 32 * 40, back.data());
    kernels::quantize_row(quant_format::q8_0, back.data(), 32 * 40, twice.data());
    EXPECT_EQ(once, twice);
}

}  // namespace
