// Building parity cases: seeded uniform tensors, NaN-poisoned outputs, case
// names. Shared by the files of the case table (parity_cases*.cpp).
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/half_math.h"
#include "kernels/parity.h"

namespace kernels::parity {

using shape_t = std::vector<std::int64_t>;

class case_builder {
public:
    explicit case_builder(std::uint32_t seed) : rng_(seed) {}

    // Uniform values in [lo, hi), stored as `type` (f16/bf16 are rounded).
    host_tensor uniform(shape_t shape, float lo = -1.0f, float hi = 1.0f, dtype type = dtype::f32) {
        host_tensor t{type, std::move(shape), {}};
        t.bytes.resize(static_cast<std::size_t>(t.numel()) * dtype_size(type));
        std::uniform_real_distribution<float> dist(lo, hi);
        for (std::int64_t i = 0; i < t.numel(); ++i) store(t, i, dist(rng_));
        return t;
    }

    // Output tensors start as NaN so that an element the op forgets is caught.
    static host_tensor poisoned(shape_t shape) {
        host_tensor t{dtype::f32, std::move(shape), {}};
        t.bytes.resize(static_cast<std::size_t>(t.numel()) * 4);
        for (std::int64_t i = 0; i < t.numel(); ++i) store(t, i, NAN);
        return t;
    }

    static host_tensor i32(shape_t shape, const std::vector<std::int32_t>& values) {
        host_tensor t{dtype::i32, std::move(shape), {}};
        t.bytes.resize(values.size() * 4);
        std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
        return t;
    }

    std::vector<std::int32_t> random_ids(std::int64_t n, std::int32_t n_vocab) {
        std::uniform_int_distribution<std::int32_t> dist(0, n_vocab - 1);
        std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
        for (auto& id : ids) id = dist(rng_);
        return ids;
    }

private:
    static void store(host_tensor& t, std::int64_t i, float v) {
        if (t.type == dtype::f32) {
            std::memcpy(t.bytes.data() + 4 * i, &v, 4);
        } else {
            const std::uint16_t h = t.type == dtype::f16 ? f32_to_f16(v) : f32_to_bf16(v);
            std::memcpy(t.bytes.data() + 2 * i, &h, 2);
        }
    }
    std::mt19937 rng_;
};

inline std::string dims(std::initializer_list<std::pair<const char*, std::int64_t>> kv) {
    std::string s;
    for (const auto& [k, v] : kv) s += (s.empty() ? "" : ",") + std::string(k) + "=" + std::to_string(v);
    return s;
}

// The cases of the RWKV v5.2 / v7 ops (parity_cases_rwkv57.cpp).
void add_rwkv57(std::vector<op_case>& cases, std::uint32_t& seed);

}  // namespace kernels::parity
