// What the CPU we run on can do, asked at run time: the build targets plain
// x86-64 and picks AVX2/AVX-512 code paths from these answers.
#pragma once

#include <string>

namespace harness {

struct cpu_features {
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;
    bool avx512f = false;
    bool avx512bw = false;
    bool avx512vl = false;
    bool avx512_bf16 = false;
    bool avx512_vnni = false;  // vpdpbusd: the int8-activation row dots
    std::string model_name;  // from /proc/cpuinfo; empty when unknown
    int logical_cores = 0;

    // "avx2 fma f16c avx512f ..." — the features that are present.
    std::string summary() const;
};

// Detected once, then cached.
const cpu_features& detect_cpu_features();

}  // namespace harness
