#include "engines/rwkv4_weights.h"

#include <cmath>
#include <cstring>

#include "../../kernels/common/half_math.h"
#include "harness/errors.h"

namespace engines {

float_tensor decode_f32(const model_file& f, const tensor_entry& t) {
    if (!t.type)
        throw harness::input_error(f.path(), "byte", t.file_offset,
                                   "tensor '" + t.name + "' is " + t.stored_dtype + ", expected F32, F16 or BF16");
    float_tensor out;
    out.shape = t.shape;
    out.values.resize(static_cast<std::size_t>(t.numel()));
    // The mapping may be unaligned (rwkv.cpp files are packed): copy, don't cast.
    if (*t.type == kernels::dtype::f32) {
        std::memcpy(out.values.data(), t.data, out.values.size() * 4);
        return out;
    }
    for (std::size_t i = 0; i < out.values.size(); ++i) {
        std::uint16_t bits;
        std::memcpy(&bits, t.data + 2 * i, 2);
        out.values[i] = *t.type == kernels::dtype::f16 ? kernels::f16_to_f32(bits) : kernels::bf16_to_f32(bits);
    }
    return out;
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

float_tensor rwkv4_tensor_f32(const model_file& f, const std::string& name) {
    float_tensor t = decode_f32(f, f.at(name));
    // model.py squeezes every ".time_" tensor: [1, 1, C] -> [C].
    if (name.find(".time_") != std::string::npos) t.shape = {static_cast<std::int64_t>(t.values.size())};
    if (ends_with(name, ".att.time_decay") && f.format() != file_format::rwkvcpp_bin)
        for (float& w : t.values) w = -std::exp(w);
    return t;
}

}  // namespace engines
