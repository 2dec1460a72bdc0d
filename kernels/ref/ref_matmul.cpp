// Reference matmul: out[t, n] = sum_k x[t, k] * w[n, k] + bias[n].
// Loops run n-outer (one weight row at a time), unlike the kernels.
#include <vector>

#include "kernels/quant.h"
#include "kernels/ref.h"

namespace kernels::ref {

// out: (T, N); x: (T, K); w: (N, K) as torch.nn.Linear stores it.
template <class acc>
void matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias, const tensor_view& out) {
    check_matmul(x, w, bias, out);
    const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1], n_out = w.shape[0];
    std::vector<float> row(static_cast<std::size_t>(n_in));
    for (std::int64_t n = 0; n < n_out; ++n) {
        if (is_quantized(w.type))
            dequantize_row(quant_format_of(w.type), w.as<const unsigned char>() + n * storage_bytes(w.type, n_in), n_in,
                           row.data());
        else
            for (std::int64_t k = 0; k < n_in; ++k) row[k] = load_weight(w, n * n_in + k);
        for (std::int64_t t = 0; t < n_tokens; ++t) {
            const float* x_t = x.as<const float>() + t * n_in;  // seek to x[t, :]
            acc sum = bias.empty() ? acc(0) : acc(bias.as<const float>()[n]);
            for (std::int64_t k = 0; k < n_in; ++k) sum += acc(x_t[k]) * acc(row[k]);
            out.as<float>()[t * n_out + n] = static_cast<float>(sum);
        }
    }
}

template void matmul<float>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&);
template void matmul<double>(const tensor_view&, const tensor_view&, const tensor_view&, const tensor_view&);

}  // namespace kernels::ref
