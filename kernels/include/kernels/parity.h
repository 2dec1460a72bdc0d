// Op parity: every backend against the reference, case by case, in the
// manner of ggml's test-backend-ops. Used by tests/kernels (one GoogleTest
// case per op_case and backend) and by `rwkvbench selfcheck`.
//
// How a case is judged, per output tensor:
//  1. run it on ref (double accumulators) -> the truth, and on ref-f32
//     (the same loops in float) -> what plain float arithmetic gets wrong;
//  2. allowed NMSE = max(2 x NMSE(ref-f32), min_nmse); allowed per-element
//     error = max(2 x max|ref-f32 - ref|, min_atol) + rtol |ref|
//     (STYLE.md §3: at most twice the float reference's own error); for ops
//     with an error analysis (rounding_sigma: the dot products) also up to
//     what that analysis allows, so that no machine's rounding decides;
//  3. run it on the backend, with guard bytes around every tensor, and check
//     the guards, the untouched inputs, the NMSE and every element.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace kernels::parity {

// A tensor's initial contents, in host memory.
struct host_tensor {
    dtype type = dtype::f32;
    std::vector<std::int64_t> shape;
    std::vector<unsigned char> bytes;

    std::int64_t numel() const;
    tensor_view view(void* data, device_kind device) const;
};

struct op_case {
    std::string name;  // "matmul[T=33,K=130,N=70,w=bf16,bias]"
    op_desc desc;
    // Builds every tensor the op touches, inputs and outputs. Called when the
    // case runs, so that listing the table (every test process does) stays
    // cheap however large the cases are.
    std::function<std::vector<host_tensor>()> make_tensors;
    std::vector<int> outputs;          // indices of the tensors the op writes
    // Runs the op on `b` with views of `tensors` in the same order.
    std::function<void(backend& b, const std::vector<tensor_view>& t)> run;
    // Optional error analysis: per element of the first output, the standard
    // deviation of the rounding error that float arithmetic is expected to
    // make in any summation order (Higham & Mary's probabilistic analysis).
    // Where given, an element may err by 6 sigma and the NMSE may reach that
    // of 3 sigma, whatever the float reference happened to get: BLAS kernels
    // (Haswell vs Zen vs SkylakeX) sum in different orders.
    std::function<std::vector<double>(const std::vector<host_tensor>& tensors)> rounding_sigma;
    double min_nmse = 1e-13;  // floors for ops that float computes exactly
    double min_atol = 1e-7;
    double rtol = 2e-6;
};

// The table of cases: every op, odd sizes, T = 1, every weight dtype.
std::vector<op_case> all_cases();

struct case_result {
    bool supported = true;
    bool passed = false;
    double nmse = 0, allowed_nmse = 0;  // worst output
    double max_abs_err = 0;
    std::string message;  // why it failed: worst index, both values, the tensor
};

// Runs one case on `target` (and on the two references).
case_result run_case(const op_case& c, backend& target);

// The backends this machine can test: "cpu/<isa>" for every ISA the CPU has,
// and "cuda" when a device is present. `skipped` collects the reasons why
// others are absent.
struct named_backend {
    std::string name;
    std::function<std::unique_ptr<backend>()> make;
};
std::vector<named_backend> testable_backends(std::vector<std::string>* skipped = nullptr);

}  // namespace kernels::parity
