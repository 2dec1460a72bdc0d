// Loading RWKV v5.2 / v7 weights onto a backend (see rwkv57_engine.h): the
// shape from the tensors, each format's tensors in the engine layout, and
// the upload.
#include <cmath>
#include <tuple>
#include <utility>

#include "engines/model_info.h"
#include "engines/rwkv57_engine.h"
#include "harness/errors.h"
#include "models/weight_upload.h"

namespace engines {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string layer_prefix(const std::string& name) {
    const auto att = name.find(".att.");
    return att == std::string::npos ? "" : name.substr(0, att + 5);
}

// v7's token-shift mixes, packed by rwkv.cpp as att.x_rwkvag [6, 1, C] in this order.
int packed_mix_index(const std::string& name) {
    static const char* const suffixes[] = {".att.x_r", ".att.x_w", ".att.x_k", ".att.x_v", ".att.x_a", ".att.x_g"};
    for (int i = 0; i < 6; ++i)
        if (ends_with(name, suffixes[i])) return i;
    return -1;
}

bool is_lora_in(const std::string& name) {  // x W1: official (C, d), engine [d, C]
    for (const char* s : {".att.w1", ".att.a1", ".att.v1", ".att.g1"})
        if (ends_with(name, s)) return true;
    return false;
}
bool is_lora_out(const std::string& name) {  // (x W1) W2: official (d, C), engine [C, d]
    for (const char* s : {".att.w2", ".att.a2", ".att.v2", ".att.g2"})
        if (ends_with(name, s)) return true;
    return false;
}

float_tensor transposed(const float_tensor& t) {
    const std::int64_t rows = t.shape[0], cols = t.shape[1];
    float_tensor out;
    out.shape = {cols, rows};
    out.values.resize(t.values.size());
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
            out.values[static_cast<std::size_t>(c * rows + r)] = t.values[static_cast<std::size_t>(r * cols + c)];
    return out;
}

// Vectors model.py squeezes: [1, 1, C], [C, 1], [H, N], [H, N, 1] -> [C].
bool is_vector(const std::string& name) {
    if (name.find(".time_") != std::string::npos || name.find(".ln") != std::string::npos) return true;
    for (const char* s : {".att.w0", ".att.a0", ".att.v0", ".att.k_k", ".att.k_a", ".ffn.x_k"})
        if (ends_with(name, s)) return true;
    return packed_mix_index(name) >= 0;
}

std::int64_t shape_dim(const model_file& f, const std::string& name, std::size_t d) {
    const tensor_entry& t = f.at(name);
    if (t.shape.size() <= d)
        throw harness::input_error(f.path(), "byte", t.file_offset,
                                   "tensor '" + name + "' is " + t.shape_string() + ", expected at least " +
                                       std::to_string(d + 1) + " dims");
    return t.shape[d];
}

// A low-rank width: official files hold W1 as (C, d), rwkv.cpp's as [d, C].
std::int64_t lora_width(const model_file& f, const std::string& name) {
    return shape_dim(f, name, f.format() == file_format::rwkvcpp_bin ? 0 : 1);
}

std::int64_t lora_round(double x) { return std::max<std::int64_t>(32, std::llround(x / 32) * 32); }

}  // namespace

rwkv57_shape rwkv7_shape_for(std::int64_t n_layer, std::int64_t n_embd, std::int64_t n_vocab) {
    rwkv57_shape s;
    s.version = 7;
    s.n_layer = n_layer, s.n_embd = n_embd, s.n_ffn = 4 * n_embd, s.n_vocab = n_vocab, s.head_size = 64;
    const double c = static_cast<double>(n_embd);
    s.d_decay = lora_round(1.8 * std::sqrt(c));
    s.d_iclr = lora_round(1.8 * std::sqrt(c));
    s.d_value = lora_round(1.3 * std::sqrt(c));
    // The released 0.4B (C = 1024) uses 128 where the formula gives 160.
    s.d_gate = n_embd == 1024 ? 128 : lora_round(0.6 * std::pow(c, 0.8));
    return s;
}

rwkv57_shape rwkv57_shape_of(const model_file& f, int version) {
    rwkv57_shape s;
    s.version = version;
    s.n_vocab = shape_dim(f, "emb.weight", 0);
    s.n_embd = shape_dim(f, "emb.weight", 1);
    while (f.find("blocks." + std::to_string(s.n_layer) + ".ln1.weight")) ++s.n_layer;
    s.n_ffn = shape_dim(f, "blocks.0.ffn.key.weight", 0);
    const std::string heads_from = version == 5 ? "blocks.0.att.time_decay" : "blocks.0.att.r_k";
    const std::int64_t n_head = shape_dim(f, heads_from, 0);
    const tensor_entry& h = f.at(heads_from);
    if (s.n_embd <= 0 || n_head <= 0 || h.numel() != s.n_embd || s.n_embd % n_head != 0)
        throw harness::input_error(f.path(), "byte", h.file_offset,
                                   "tensor '" + heads_from + "' is " + h.shape_string() + ", expected [n_head, " +
                                       "head_size] with n_head * head_size = n_embd = " + std::to_string(s.n_embd));
    s.head_size = s.n_embd / n_head;
    if (version == 7) {
        s.d_decay = lora_width(f, "blocks.0.att.w1");
        s.d_iclr = lora_width(f, "blocks.0.att.a1");
        s.d_gate = lora_width(f, "blocks.0.att.g1");
        s.d_value = s.n_layer > 1 ? lora_width(f, "blocks.1.att.v1") : 0;
    }
    return s;
}

float_tensor rwkv57_tensor_f32(const model_file& f, const std::string& name) {
    const bool from_bin = f.format() == file_format::rwkvcpp_bin;
    float_tensor t;
    if (const int i = packed_mix_index(name); i >= 0 && !f.find(name) && f.find(layer_prefix(name) + "x_rwkvag")) {
        const float_tensor packed = decode_f32(f, f.at(layer_prefix(name) + "x_rwkvag"));
        const std::int64_t c = static_cast<std::int64_t>(packed.values.size()) / 6;
        if (packed.values.size() % 6 != 0)
            throw harness::input_error(f.path() + ": tensor '" + layer_prefix(name) + "x_rwkvag' does not hold 6 rows");
        t.shape = {c};
        t.values.assign(packed.values.begin() + i * c, packed.values.begin() + (i + 1) * c);
        return t;
    }
    t = decode_f32(f, f.at(name));
    if (is_vector(name)) t.shape = {static_cast<std::int64_t>(t.values.size())};
    if (ends_with(name, ".att.time_decay") && !from_bin)  // rwkv.cpp stores exp(-exp(w)) already
        for (float& w : t.values) w = std::exp(-std::exp(w));
    if (!from_bin && t.shape.size() == 2 && (is_lora_in(name) || is_lora_out(name))) t = transposed(t);
    return t;
}

std::shared_ptr<const rwkv57_weights> upload_rwkv57(const rwkv57_shape& shape, const rwkv57_tensor_source& source,
                                                    kernels::backend& b, kernels::dtype weight_type) {
    auto w = std::make_shared<rwkv57_weights>();
    w->shape = shape;
    w->weight_type = weight_type;
    const std::int64_t c = shape.n_embd, f = shape.n_ffn, v = shape.n_vocab;
    weight_uploader up(source, b, weight_type);
    w->edge_type = up.edge_type();
    const auto vec = [&](const std::string& name) { return up.vec(name, c); };

    w->emb = up.folded_embedding(v, c);
    for (std::int64_t l = 0; l < shape.n_layer; ++l) {
        const std::string p = "blocks." + std::to_string(l) + ".", a = p + "att.", n = p + "ffn.";
        rwkv57_weights::layer L;
        L.ln1_w = vec(p + "ln1.weight"), L.ln1_b = vec(p + "ln1.bias");
        L.ln2_w = vec(p + "ln2.weight"), L.ln2_b = vec(p + "ln2.bias");
        L.ln_x_w = vec(a + "ln_x.weight"), L.ln_x_b = vec(a + "ln_x.bias");
        L.att_receptance = up.mat(a + "receptance.weight", c, c);
        L.att_key = up.mat(a + "key.weight", c, c);
        L.att_value = up.mat(a + "value.weight", c, c);
        L.att_output = up.mat(a + "output.weight", c, c);
        L.ffn_key = up.mat(n + "key.weight", f, c);
        L.ffn_value = up.mat(n + "value.weight", c, f);
        if (shape.version == 5) {
            L.mix_k = vec(a + "time_mix_k"), L.mix_v = vec(a + "time_mix_v");
            L.mix_r = vec(a + "time_mix_r"), L.mix_g = vec(a + "time_mix_g");
            L.decay = vec(a + "time_decay"), L.bonus = vec(a + "time_faaaa");
            L.att_gate = up.mat(a + "gate.weight", c, c);
            L.ffn_mix_k = vec(n + "time_mix_k"), L.ffn_mix_r = vec(n + "time_mix_r");
            L.ffn_receptance = up.mat(n + "receptance.weight", c, c);
        } else {
            L.x_r = vec(a + "x_r"), L.x_w = vec(a + "x_w"), L.x_k = vec(a + "x_k");
            L.x_v = vec(a + "x_v"), L.x_a = vec(a + "x_a"), L.x_g = vec(a + "x_g");
            // The low-rank matrices stay f32 whatever the weight dtype: a few
            // percent of the bytes, feeding exp and sigmoid where a bf16
            // mantissa would cost the most.
            const auto lora = [&](const std::string& stem, std::int64_t d) {
                return std::pair{up.f32_mat(a + stem + "1", d, c), up.f32_mat(a + stem + "2", c, d)};
            };
            L.w0 = vec(a + "w0"), std::tie(L.w1, L.w2) = lora("w", shape.d_decay);
            L.a0 = vec(a + "a0"), std::tie(L.a1, L.a2) = lora("a", shape.d_iclr);
            if (l > 0) L.v0 = vec(a + "v0"), std::tie(L.v1, L.v2) = lora("v", shape.d_value);
            std::tie(L.g1, L.g2) = lora("g", shape.d_gate);
            L.k_k = vec(a + "k_k"), L.k_a = vec(a + "k_a");
            L.r_k = up.f32_mat(a + "r_k", shape.n_head(), shape.head_size);
            L.ffn_x_k = vec(n + "x_k");
        }
        w->layers.push_back(std::move(L));
    }
    w->ln_out_w = vec("ln_out.weight");
    w->ln_out_b = vec("ln_out.bias");
    w->head = up.head("head.weight", v, c);
    w->n_params = up.n_params();
    w->bytes = up.bytes();
    return w;
}

std::shared_ptr<const rwkv57_weights> load_rwkv57(const model_file& file, kernels::backend& b,
                                                  kernels::dtype weight_type) {
    const model_info info = describe_model(file);
    if (info.architecture != "rwkv5" && info.architecture != "rwkv7")
        throw harness::unsupported_error(file.path() + ": a " + info.architecture + " model, not RWKV v5.2 or v7");
    const rwkv57_shape shape = rwkv57_shape_of(file, info.architecture == "rwkv5" ? 5 : 7);
    return upload_rwkv57(shape, [&](const std::string& name) { return rwkv57_tensor_f32(file, name); }, b,
                         weight_type);
}

}  // namespace engines
