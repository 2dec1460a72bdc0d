// What the engine tests that run every engine kind share: the engine a case
// names, and reproducible token ids.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engines/engine_spec.h"
#include "engines/registry.h"
#include "kernels/backend.h"
#include "test_paths.h"

namespace test_engine {

// `engine` on tests/data/models/`model`, byte tokens, weights in `dtype`.
inline std::unique_ptr<engines::engine> make(const char* engine, const char* model, kernels::dtype dtype,
                                             kernels::backend& b) {
    engines::engine_spec spec;
    spec.engine = engine, spec.model = test_paths::data() + "/models/" + model, spec.tokenizer = "bytes";
    spec.dtype = dtype;
    return engines::make_engine(spec, b);
}

// n ids below 250 (inside every test model's vocabulary), varied by salt.
inline std::vector<std::int32_t> ids(std::size_t n, std::size_t salt) {
    std::vector<std::int32_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int32_t>((i * 53 + 7 + salt * 31) % 250);
    return out;
}

}  // namespace test_engine
