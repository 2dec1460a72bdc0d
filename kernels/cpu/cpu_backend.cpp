// CPU backend: construction, memory, ISA choice and the registry functions.
#include "cpu_backend.h"

#include <cblas.h>
#include <sys/mman.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>

#include "harness/cpu_features.h"
#include "harness/errors.h"

namespace kernels {

std::string_view cpu_isa_name(cpu_isa isa) {
    switch (isa) {
        case cpu_isa::auto_detect: return "auto";
        case cpu_isa::scalar: return "scalar";
        case cpu_isa::avx2: return "avx2";
        case cpu_isa::avx512: return "avx512";
        case cpu_isa::avx512_bf16: return "avx512_bf16";
    }
    return "?";
}

std::optional<cpu_isa> parse_cpu_isa(std::string_view name) {
    for (cpu_isa isa : {cpu_isa::auto_detect, cpu_isa::scalar, cpu_isa::avx2, cpu_isa::avx512, cpu_isa::avx512_bf16})
        if (cpu_isa_name(isa) == name) return isa;
    return std::nullopt;
}

bool cpu_isa_available(cpu_isa isa) {
    const auto& f = harness::detect_cpu_features();
    switch (isa) {
        case cpu_isa::auto_detect:
        case cpu_isa::scalar: return true;
        case cpu_isa::avx2: return f.avx2 && f.fma && f.f16c;
        case cpu_isa::avx512: return f.avx512f && f.avx512bw && f.avx512vl && f.f16c;
        case cpu_isa::avx512_bf16: return f.avx512f && f.avx512bw && f.avx512vl && f.f16c && f.avx512_bf16;
    }
    return false;
}

std::unique_ptr<backend> make_cpu_backend(const cpu_options& options) {
    return std::make_unique<cpu::cpu_backend>(options);
}

std::unique_ptr<backend> make_cpu_backend(int n_threads) {
    cpu_options options;
    options.n_threads = n_threads;
    return make_cpu_backend(options);
}

std::string blas_description() {
    return std::string(openblas_get_config()) + " (" +
           (openblas_get_parallel() == 2 ? "OpenMP" : openblas_get_parallel() == 1 ? "pthreads" : "serial") +
           ", " + std::to_string(openblas_get_num_threads()) + " threads)";
}

int cpu_thread_count() { return omp_get_max_threads(); }

cpu_isa resolve_cpu_isa(cpu_isa requested) {
    if (requested != cpu_isa::auto_detect) return requested;
    // The exact conversion path (avx512) is the default for bf16 too; the
    // native-bf16 path is a measured alternative, chosen explicitly.
    if (cpu_isa_available(cpu_isa::avx512)) return cpu_isa::avx512;
    if (cpu_isa_available(cpu_isa::avx2)) return cpu_isa::avx2;
    return cpu_isa::scalar;
}

bool int8_activations_available() { return cpu_isa_available(cpu_isa::avx2); }

namespace {

bool has_vnni() { return cpu_isa_available(cpu_isa::avx512) && harness::detect_cpu_features().avx512_vnni; }

}  // namespace

namespace cpu {

cpu_backend::cpu_backend(const cpu_options& options) {
    if (!cpu_isa_available(options.isa))
        throw harness::unsupported_error("cpu backend: this CPU lacks " + std::string(cpu_isa_name(options.isa)));
    isa_ = resolve_cpu_isa(options.isa);
    int8_activations_ = options.int8_activations;
    if (int8_activations_ && isa_ == cpu_isa::scalar)
        throw harness::unsupported_error("cpu backend: int8 activations run on the AVX2 and AVX-512 paths, not on " +
                                         std::string(cpu_isa_name(isa_)));
    // AVX-512 paths take VNNI's row dots where the CPU has them; AVX2's (and
    // AVX-512 CPUs without VNNI) take vpmaddubsw's.
    int8_vnni_ = int8_activations_ && (isa_ == cpu_isa::avx512 || isa_ == cpu_isa::avx512_bf16) && has_vnni();
    n_threads_ = options.n_threads > 0 ? options.n_threads : omp_get_num_procs();
    // One pool: OpenBLAS's OpenMP build uses the same OpenMP threads.
    omp_set_num_threads(n_threads_);
    openblas_set_num_threads(n_threads_);
}

bool cpu_backend::supports(const op_desc& desc) const {
    if (desc.kind == op_kind::matmul || desc.kind == op_kind::embedding) {
        if (isa_ == cpu_isa::avx512_bf16 && desc.kind == op_kind::matmul && desc.weight_type == dtype::f16)
            return false;  // the native-bf16 path has no f16 counterpart
        if (is_quantized(desc.weight_type)) return desc.kind == op_kind::matmul;
        return desc.weight_type != dtype::i32;
    }
    return desc.weight_type == dtype::f32;
}

void* cpu_backend::alloc(std::size_t bytes) {
    // Large buffers (weights, KV caches) are 2 MiB aligned and asked to be
    // backed by transparent huge pages: fewer TLB misses raise streaming
    // read bandwidth, which bounds decode. Small ones: 64 bytes for AVX-512.
    constexpr std::size_t huge = std::size_t{2} << 20;
    const std::size_t align = bytes >= huge ? huge : 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded);
    if (!p) throw harness::backend_error("aligned_alloc", __FILE__, __LINE__, "out of host memory");
    if (align == huge) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
    return p;
}

void cpu_backend::free(void* p) { std::free(p); }
// An empty tensor may come with a null pointer, which memcpy must never see (UBSan).
void cpu_backend::upload(void* dst, const void* src, std::size_t bytes) {
    if (bytes) std::memcpy(dst, src, bytes);
}
void cpu_backend::download(void* dst, const void* src, std::size_t bytes) {
    if (bytes) std::memcpy(dst, src, bytes);
}
void cpu_backend::copy(void* dst, const void* src, std::size_t bytes) {
    if (bytes) std::memcpy(dst, src, bytes);
}
void cpu_backend::fill_bytes(void* dst, unsigned char value, std::size_t bytes) {
    if (bytes) std::memset(dst, value, bytes);
}

void cpu_backend::check_on_cpu(const tensor_view& t) const {
    if (!t.empty() && t.device != device_kind::cpu)
        throw harness::unsupported_error("cpu backend: tensor " + t.describe() + " is not in host memory");
}

}  // namespace cpu
}  // namespace kernels
