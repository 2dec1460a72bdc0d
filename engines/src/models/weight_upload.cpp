#include "models/weight_upload.h"

#include <cmath>

#include "kernels/half_math.h"
#include "kernels/quant.h"
#include "harness/errors.h"
#include "kernels/backend.h"

namespace engines {

namespace {

std::string dims(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace

float_tensor fetch_checked(const std::function<float_tensor(const std::string&)>& source, const std::string& name,
                           const std::vector<std::int64_t>& shape) {
    float_tensor t = source(name);
    if (t.shape != shape)
        throw harness::input_error("tensor '" + name + "' is " + dims(t.shape) + ", expected " + dims(shape));
    return t;
}

namespace {

// The blocks of `t` in `type`: the file's own when it stores that format,
// else the values quantized as rwkv.cpp's quantizer does.
std::vector<unsigned char> blocks_of(const float_tensor& t, kernels::dtype type, const std::string& name) {
    const kernels::quant_format f = kernels::quant_format_of(type);
    if (t.quant == f) return t.blocks;
    const std::int64_t row = t.shape.empty() ? 0 : t.shape.back();
    if (t.shape.size() != 2 || row % kernels::quant_block_weights != 0)
        throw harness::unsupported_error("weight '" + name + "' " + dims(t.shape) + " cannot be stored as " +
                                         std::string(kernels::dtype_name(type)) +
                                         ": block formats take matrices whose rows are whole blocks of 32");
    std::vector<unsigned char> blocks(
        static_cast<std::size_t>(kernels::storage_bytes(type, static_cast<std::int64_t>(t.values.size()))));
    kernels::quantize_row(f, t.values.data(), static_cast<std::int64_t>(t.values.size()), blocks.data());
    return blocks;
}

}  // namespace

kernels::device_buffer upload_as(kernels::backend& b, const float_tensor& t, kernels::dtype type, const std::string& name) {
    const std::size_t n = t.values.size();
    if (kernels::is_quantized(type)) {
        const std::vector<unsigned char> blocks = blocks_of(t, type, name);
        kernels::device_buffer buf(b, blocks.size());
        b.upload(buf.data(), blocks.data(), blocks.size());
        return buf;
    }
    kernels::device_buffer buf(b, n * kernels::dtype_size(type));
    if (type == kernels::dtype::f32) {
        b.upload(buf.data(), t.values.data(), n * 4);
        return buf;
    }
    std::vector<std::uint16_t> half(n);
    for (std::size_t i = 0; i < n; ++i) {
        const float v = t.values[i];
        if (type == kernels::dtype::f16 && std::fabs(v) > 65504.0f)
            throw harness::unsupported_error("weight '" + name + "' holds " + std::to_string(v) +
                                             ", outside the f16 range; use --dtype bf16 or fp32");
        half[i] = type == kernels::dtype::f16 ? kernels::f32_to_f16(v) : kernels::f32_to_bf16(v);
    }
    b.upload(buf.data(), half.data(), n * 2);
    return buf;
}

}  // namespace engines
