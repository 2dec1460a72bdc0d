// Options of the CPU backend. The ISA is chosen at run time from what the CPU
// offers; forcing a lower one lets tests and benchmarks cover every path.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

namespace kernels {

class backend;

enum class cpu_isa { auto_detect, scalar, avx2, avx512, avx512_bf16 };

std::string_view cpu_isa_name(cpu_isa isa);
std::optional<cpu_isa> parse_cpu_isa(std::string_view name);
// Whether this machine can run code for `isa` (auto_detect and scalar: always).
bool cpu_isa_available(cpu_isa isa);
// The ISA a request resolves to on this machine: auto_detect -> the best
// exact path (avx512, else avx2, else scalar); others are returned as given.
cpu_isa resolve_cpu_isa(cpu_isa requested);

struct cpu_options {
    int n_threads = 0;  // <= 0: all cores
    cpu_isa isa = cpu_isa::auto_detect;
    // Block-format weights at decode (up to 32 tokens) multiply activations
    // quantized to 8 bits per 32 values, as rwkv.cpp and llama.cpp do
    // (kernels/quant.h: quantize_activations_q8), on integer dot products:
    // AVX-512 VNNI's on the AVX-512 paths of CPUs that have it, else AVX2's
    // vpmaddubsw; off: f32 activations, exact. Refused on the scalar path.
    bool int8_activations = false;
};
// Whether this CPU can run the int8-activation row dots (it has AVX2).
bool int8_activations_available();

// Throws harness::unsupported_error when `options.isa` is not available here.
std::unique_ptr<backend> make_cpu_backend(const cpu_options& options);

}  // namespace kernels
