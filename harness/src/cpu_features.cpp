#include "harness/cpu_features.h"

#include <fstream>
#include <thread>

namespace harness {
namespace {

std::string read_cpu_model_name() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
        }
    }
    return {};
}

cpu_features detect() {
    cpu_features f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    // GCC 12's __builtin_cpu_supports knows neither f16c nor avx512bf16; ask
    // CPUID directly (leaf 1 ECX bit 29; leaf 7 subleaf 1 EAX bit 5).
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    f.f16c = (c >> 29) & 1;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a >= 7) {
        __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
        f.avx512_vnni = f.avx512f && ((c >> 11) & 1);
        __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
        f.avx512_bf16 = f.avx512f && ((a >> 5) & 1);
    }
#endif
    f.model_name = read_cpu_model_name();
    f.logical_cores = static_cast<int>(std::thread::hardware_concurrency());
    return f;
}

}  // namespace

std::string cpu_features::summary() const {
    std::string s;
    auto add = [&](bool on, const char* name) {
        if (!on) return;
        if (!s.empty()) s += ' ';
        s += name;
    };
    add(avx2, "avx2");
    add(fma, "fma");
    add(f16c, "f16c");
    add(avx512f, "avx512f");
    add(avx512bw, "avx512bw");
    add(avx512vl, "avx512vl");
    add(avx512_bf16, "avx512_bf16");
    add(avx512_vnni, "avx512_vnni");
    return s.empty() ? "baseline x86-64" : s;
}

const cpu_features& detect_cpu_features() {
    static const cpu_features features = detect();
    return features;
}

}  // namespace harness
