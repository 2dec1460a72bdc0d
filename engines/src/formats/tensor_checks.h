// Small checks the loaders share.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace engines {

// Product of dims, or nullopt on a negative dim or 64-bit overflow.
inline std::optional<std::uint64_t> checked_numel(const std::vector<std::int64_t>& shape) {
    std::uint64_t n = 1;
    for (std::int64_t d : shape) {
        if (d < 0) return std::nullopt;
        if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) return std::nullopt;
    }
    return n;
}

inline std::optional<std::uint64_t> checked_bytes(const std::vector<std::int64_t>& shape, std::uint64_t element_size) {
    const auto n = checked_numel(shape);
    std::uint64_t bytes;
    if (!n || __builtin_mul_overflow(*n, element_size, &bytes)) return std::nullopt;
    return bytes;
}

}  // namespace engines
