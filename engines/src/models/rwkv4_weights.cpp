#include "engines/rwkv4_weights.h"

#include <cmath>


namespace engines {

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
