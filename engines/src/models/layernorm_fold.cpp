#include "models/layernorm_fold.h"
#include "models/weight_upload.h"

#include <cmath>

namespace engines {

void layernorm_fold(std::vector<float>& x, std::int64_t n, const std::vector<float>& w, const std::vector<float>& b) {
    const std::int64_t rows = static_cast<std::int64_t>(x.size()) / n;
    for (std::int64_t r = 0; r < rows; ++r) {
        float* row = x.data() + r * n;
        double mean = 0, var = 0;
        for (std::int64_t i = 0; i < n; ++i) mean += row[i];
        mean /= static_cast<double>(n);
        for (std::int64_t i = 0; i < n; ++i) var += (row[i] - mean) * (row[i] - mean);
        var /= static_cast<double>(n);
        const double inv = 1.0 / std::sqrt(var + 1e-5);
        for (std::int64_t i = 0; i < n; ++i) row[i] = static_cast<float>((row[i] - mean) * inv * w[static_cast<std::size_t>(i)] + b[static_cast<std::size_t>(i)]);
    }
}

kernels::device_buffer weight_uploader::folded_embedding(std::int64_t n_vocab, std::int64_t n_embd) {
    float_tensor emb = get("emb.weight", {n_vocab, n_embd});
    layernorm_fold(emb.values, n_embd, get("blocks.0.ln0.weight", {n_embd}).values,
                   get("blocks.0.ln0.bias", {n_embd}).values);
    return upload(emb, edge_type(), "emb.weight");
}

}  // namespace engines
