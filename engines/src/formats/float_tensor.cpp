#include "engines/float_tensor.h"

#include <cstring>

#include "harness/errors.h"
#include "kernels/half_math.h"

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

}  // namespace engines
