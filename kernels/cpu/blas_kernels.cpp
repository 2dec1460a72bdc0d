// OpenBLAS's kernels for this CPU. Built with DYNAMIC_ARCH (Debian's), it
// picks kernels from the CPU model when it loads, before main; a model newer
// than it knows gets its oldest x86-64 kernels: Debian 12's 0.3.21 on an
// Emerald Rapids Xeon (model 207) runs SSE3 "Prescott" sgemm, and Pythia's
// prefill ran at 40% of its speed with the AVX-512 kernels (180 against 430
// tokens/s). OPENBLAS_CORETYPE, read at that load, names the kernels
// instead: where OpenBLAS fell back below AVX2 on a CPU with AVX2 or
// AVX-512, the program is run again with it set.
#include <cblas.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

#include "harness/cpu_features.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"

namespace kernels {

std::string blas_core_name() { return openblas_get_corename(); }

std::optional<std::string> blas_core_for(std::string_view core, cpu_isa best) {
    std::string lower(core);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    // OpenBLAS's x86-64 targets without AVX2 (and its names for "unknown").
    static constexpr std::array<std::string_view, 16> pre_avx2 = {
        "prescott", "core2",      "penryn",   "dunnington", "nehalem", "atom",    "katmai",  "coppermine",
        "northwood", "banias",    "opteron",  "opteron_sse3", "barcelona", "bobcat", "sandybridge", "generic"};
    if (std::find(pre_avx2.begin(), pre_avx2.end(), lower) == pre_avx2.end()) return std::nullopt;
    switch (best) {
        case cpu_isa::avx512_bf16: return "Cooperlake";  // SkylakeX's sgemm, plus bf16 routines
        case cpu_isa::avx512: return "SkylakeX";
        case cpu_isa::avx2: return "Haswell";
        default: return std::nullopt;
    }
}

void use_blas_kernels_for_this_cpu(char** argv) {
    if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;  // the user's choice, or this is the run again
    // Only an OpenBLAS built for several targets reads it.
    if (std::string_view(openblas_get_config()).find("DYNAMIC_ARCH") == std::string_view::npos) return;
    const cpu_isa best = cpu_isa_available(cpu_isa::avx512_bf16) ? cpu_isa::avx512_bf16
                         : cpu_isa_available(cpu_isa::avx512)     ? cpu_isa::avx512
                         : cpu_isa_available(cpu_isa::avx2) && harness::detect_cpu_features().fma
                             ? cpu_isa::avx2
                             : cpu_isa::scalar;
    const auto core = blas_core_for(openblas_get_corename(), best);
    if (!core) return;
    ::setenv("OPENBLAS_CORETYPE", core->c_str(), 1);
    ::execv("/proc/self/exe", argv);
    // No /proc (or exec refused): go on with OpenBLAS's own choice, which
    // the report's BLAS line names.
    ::unsetenv("OPENBLAS_CORETYPE");
}

}  // namespace kernels
