#include "engines/float_tensor.h"

#include <cstring>

#include "harness/errors.h"
#include "kernels/half_math.h"

namespace engines {

float_tensor decode_f32(const model_file& f, const tensor_entry& t) {
    if (!t.type && !t.quant)
        throw harness::input_error(f.path(), "byte", t.file_offset,
                                   "tensor '" + t.name + "' is " + t.stored_dtype +
                                       ", expected F32, F16, BF16 or one of rwkv.cpp's Q4_0/Q4_1/Q5_0/Q5_1/Q8_0");
    float_tensor out;
    out.shape = t.shape;
    out.values.resize(static_cast<std::size_t>(t.numel()));
    if (t.quant) {  // the loader checked that the rows are whole blocks and the bytes are there
        kernels::dequantize_row(*t.quant, t.data, t.numel(), out.values.data());
        out.quant = t.quant;
        out.blocks.assign(t.data, t.data + t.n_bytes);
        return out;
    }
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
