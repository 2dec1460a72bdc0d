// The benchmarks' main: Google Benchmark's, after making OpenBLAS use
// kernels for this CPU as rwkvbench does (the roofline's sgemm is the bound
// the engines' prefill is held to, so it must be the one users get).
#include <benchmark/benchmark.h>

#include "kernels/backend.h"

int main(int argc, char** argv) {
    kernels::use_blas_kernels_for_this_cpu(argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
