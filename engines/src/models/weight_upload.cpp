#include "models/weight_upload.h"

#include <cmath>

#include "kernels/half_math.h"
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

kernels::device_buffer upload_as(kernels::backend& b, const float_tensor& t, kernels::dtype type, const std::string& name) {
    const std::size_t n = t.values.size();
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
