// Reading a golden .safetensors array as doubles, whatever it is stored as:
// F64 as is, I64 converted, F32/F16/BF16 (and rwkv.cpp's block formats)
// through decode_f32. Shared by the engine golden tests.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "engines/float_tensor.h"
#include "engines/model_file.h"

inline std::vector<double> golden_doubles(const engines::model_file& f, const std::string& name) {
    const engines::tensor_entry& t = f.at(name);
    std::vector<double> out(static_cast<std::size_t>(t.numel()));
    if (t.stored_dtype == "F64") {
        std::memcpy(out.data(), t.data, out.size() * 8);
    } else if (t.stored_dtype == "I64") {
        for (std::size_t i = 0; i < out.size(); ++i) {
            std::int64_t v;
            std::memcpy(&v, t.data + 8 * i, 8);
            out[i] = static_cast<double>(v);
        }
    } else {
        const engines::float_tensor v = engines::decode_f32(f, t);
        std::copy(v.values.begin(), v.values.end(), out.begin());
    }
    return out;
}
