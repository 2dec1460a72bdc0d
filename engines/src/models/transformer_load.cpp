// Loading GPT-NeoX / GPT-2 weights into the transformer engine's layout.
#include <cmath>

#include "engines/transformer_engine.h"
#include "harness/errors.h"
#include "formats/config_values.h"
#include "models/weight_upload.h"

namespace engines {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// Rows `rows` of a vector or matrix with exactly `expected_rows` rows; `what`
// (file: tensor) names it in errors. Checked before anything is read: a
// fused QKV tensor of the wrong size must not be read out of bounds.
float_tensor slice_rows(const float_tensor& t, const std::vector<std::int64_t>& rows, std::int64_t expected_rows,
                        const std::string& what) {
    if (t.shape.empty() || t.shape.size() > 2 || t.shape[0] != expected_rows)
        throw harness::input_error(what + " is " + shape_text(t.shape) + ", expected " +
                                   std::to_string(expected_rows) + " rows");
    const std::int64_t cols = t.shape.size() == 2 ? t.shape[1] : 1;
    float_tensor out;
    out.shape = t.shape.size() == 2 ? std::vector<std::int64_t>{static_cast<std::int64_t>(rows.size()), cols}
                                    : std::vector<std::int64_t>{static_cast<std::int64_t>(rows.size())};
    out.values.reserve(rows.size() * static_cast<std::size_t>(cols));
    for (std::int64_t r : rows)
        out.values.insert(out.values.end(), t.values.begin() + r * cols, t.values.begin() + (r + 1) * cols);
    return out;
}

// A Conv1D weight [in, out] as a Linear one [out, in].
float_tensor transpose(const float_tensor& t, const std::string& what) {
    if (t.shape.size() != 2) throw harness::input_error(what + " is " + shape_text(t.shape) + ", expected a matrix");
    float_tensor out;
    out.shape = {t.shape[1], t.shape[0]};
    out.values.resize(t.values.size());
    for (std::int64_t i = 0; i < t.shape[0]; ++i)
        for (std::int64_t j = 0; j < t.shape[1]; ++j)
            out.values[static_cast<std::size_t>(j * t.shape[0] + i)] = t.values[static_cast<std::size_t>(i * t.shape[1] + j)];
    return out;
}



}  // namespace

transformer_config transformer_config_of(const model_source& source) {
    const model_info info = describe_model(source);
    const nlohmann::json& c = *source.config;
    transformer_config t;
    t.architecture = info.architecture;
    t.n_layer = info.n_layer;
    t.n_embd = info.n_embd;
    t.n_head = info.n_head;
    t.n_ffn = info.n_ffn;
    t.n_vocab = info.n_vocab;
    t.n_ctx = info.n_ctx;
    if (t.n_head <= 0 || t.n_embd % t.n_head != 0)
        throw harness::config_error(source.config_path + ": /num_attention_heads", "must divide the hidden size");
    const std::int64_t head_dim = t.n_embd / t.n_head;
    if (t.architecture == "gpt-neox") {
        const std::string& path = source.config_path;
        const double pct = config_values::number_or(c, "rotary_pct", 0.25, path, 0, 1);
        t.n_rot = static_cast<int>(static_cast<double>(head_dim) * pct);  // int() floors, as HF
        t.n_rot -= t.n_rot % 2;
        t.rotary_base = static_cast<float>(config_values::number_or(c, "rotary_emb_base", 10000, path, 1e-3, 1e12));
        t.layernorm_eps = static_cast<float>(config_values::number_or(c, "layer_norm_eps", 1e-5, path, 0, 1));
        t.parallel_residual = config_values::bool_or(c, "use_parallel_residual", true, path);
        const std::string act = config_values::string_or(c, "hidden_act", "gelu", path);
        if (act != "gelu" && act != "gelu_new")
            throw harness::unsupported_error(source.config_path + ": hidden_act '" + act + "' (gelu or gelu_new)");
        t.gelu_tanh = act == "gelu_new";
    } else {
        t.layernorm_eps =
            static_cast<float>(config_values::number_or(c, "layer_norm_epsilon", 1e-5, source.config_path, 0, 1));
        const std::string act = config_values::string_or(c, "activation_function", "gelu_new", source.config_path);
        if (act != "gelu_new" && act != "gelu")
            throw harness::unsupported_error(source.config_path + ": activation_function '" + act + "' (gelu_new or gelu)");
        t.gelu_tanh = act == "gelu_new";
    }
    return t;
}

std::shared_ptr<const transformer_weights> upload_transformer(const transformer_config& config,
                                                              const transformer_tensor_source& source, kernels::backend& b,
                                                              kernels::dtype weight_type) {
    auto w = std::make_shared<transformer_weights>();
    w->config = config;
    w->weight_type = weight_type;
    w->edge_type = edge_type_of(weight_type);
    const std::int64_t h = config.n_embd, f = config.n_ffn, v = config.n_vocab;
    auto get = [&](const std::string& role, const std::vector<std::int64_t>& shape) {
        float_tensor t = fetch_checked(source, role, shape);
        w->n_params += t.values.size();
        return t;
    };
    auto counted = [&](kernels::device_buffer buf) {
        w->bytes += buf.bytes();
        return buf;
    };
    auto vec = [&](const std::string& role, std::int64_t n) {
        return counted(upload_as(b, get(role, {n}), kernels::dtype::f32, role));
    };
    auto typed = [&](const std::string& role, std::int64_t rows, std::int64_t cols, kernels::dtype type) {
        return counted(upload_as(b, get(role, {rows, cols}), type, role));
    };
    auto mat = [&](const std::string& role, std::int64_t rows, std::int64_t cols) {
        return typed(role, rows, cols, weight_type);
    };
    w->emb = typed("emb", v, h, w->edge_type);
    if (config.architecture == "gpt2") w->pos = typed("pos", config.n_ctx, h, w->edge_type);
    for (std::int64_t l = 0; l < config.n_layer; ++l) {
        const std::string p = std::to_string(l) + ".";
        transformer_weights::layer L;
        L.ln1_w = vec(p + "ln1.w", h);
        L.ln1_b = vec(p + "ln1.b", h);
        L.wq = mat(p + "q.w", h, h);
        L.wk = mat(p + "k.w", h, h);
        L.wv = mat(p + "v.w", h, h);
        L.bq = vec(p + "q.b", h);
        L.bk = vec(p + "k.b", h);
        L.bv = vec(p + "v.b", h);
        L.wo = mat(p + "o.w", h, h);
        L.bo = vec(p + "o.b", h);
        L.ln2_w = vec(p + "ln2.w", h);
        L.ln2_b = vec(p + "ln2.b", h);
        L.w1 = mat(p + "fc1.w", f, h);
        L.b1 = vec(p + "fc1.b", f);
        L.w2 = mat(p + "fc2.w", h, f);
        L.b2 = vec(p + "fc2.b", h);
        w->layers.push_back(std::move(L));
    }
    w->lnf_w = vec("lnf.w", h);
    w->lnf_b = vec("lnf.b", h);
    // GPT-2 ties the head to the token embedding: counted once (HF's num_parameters).
    if (config.architecture == "gpt2") {
        w->head = counted(upload_as(b, source("emb"), w->edge_type, "head"));
    } else {
        w->head = typed("head", v, h, w->edge_type);
    }
    return w;
}

transformer_tensor_source hf_transformer_source(const model_source& source, const transformer_config& config) {
    const model_file& f = *source.file;
    const std::int64_t h = config.n_embd, d = h / config.n_head;
    auto tensor = [&f](const std::string& name) { return decode_f32(f, f.at(name)); };
    transformer_tensor_source src;
    if (config.architecture == "gpt-neox") {
        src = [&f, tensor, h, d](const std::string& role) -> float_tensor {
            if (role == "emb") return tensor("gpt_neox.embed_in.weight");
            if (role == "head") return tensor("embed_out.weight");
            if (role == "lnf.w") return tensor("gpt_neox.final_layer_norm.weight");
            if (role == "lnf.b") return tensor("gpt_neox.final_layer_norm.bias");
            const auto dot = role.find('.');
            const std::string p = "gpt_neox.layers." + role.substr(0, dot) + ".", r = role.substr(dot + 1);
            if (r == "ln1.w") return tensor(p + "input_layernorm.weight");
            if (r == "ln1.b") return tensor(p + "input_layernorm.bias");
            if (r == "ln2.w") return tensor(p + "post_attention_layernorm.weight");
            if (r == "ln2.b") return tensor(p + "post_attention_layernorm.bias");
            if (r == "o.w") return tensor(p + "attention.dense.weight");
            if (r == "o.b") return tensor(p + "attention.dense.bias");
            if (r == "fc1.w") return tensor(p + "mlp.dense_h_to_4h.weight");
            if (r == "fc1.b") return tensor(p + "mlp.dense_h_to_4h.bias");
            if (r == "fc2.w") return tensor(p + "mlp.dense_4h_to_h.weight");
            if (r == "fc2.b") return tensor(p + "mlp.dense_4h_to_h.bias");
            // Fused QKV rows are grouped per head: [n_head][q, k, v][head_dim].
            const int which = r[0] == 'q' ? 0 : r[0] == 'k' ? 1 : 2;
            const std::string name = p + "attention.query_key_value." + (r[2] == 'w' ? "weight" : "bias");
            std::vector<std::int64_t> rows;
            for (std::int64_t head = 0; head < h / d; ++head)
                for (std::int64_t i = 0; i < d; ++i) rows.push_back(head * 3 * d + which * d + i);
            return slice_rows(tensor(name), rows, 3 * h, f.path() + ": " + name);
        };
    } else {
        const std::string prefix = f.find("transformer.wte.weight") ? "transformer." : "";
        src = [&f, tensor, prefix, h](const std::string& role) -> float_tensor {
            if (role == "emb") return tensor(prefix + "wte.weight");
            if (role == "pos") return tensor(prefix + "wpe.weight");
            if (role == "lnf.w") return tensor(prefix + "ln_f.weight");
            if (role == "lnf.b") return tensor(prefix + "ln_f.bias");
            const auto dot = role.find('.');
            const std::string p = prefix + "h." + role.substr(0, dot) + ".", r = role.substr(dot + 1);
            if (r == "ln1.w") return tensor(p + "ln_1.weight");
            if (r == "ln1.b") return tensor(p + "ln_1.bias");
            if (r == "ln2.w") return tensor(p + "ln_2.weight");
            if (r == "ln2.b") return tensor(p + "ln_2.bias");
            // Conv1D stores [in, out]: transpose to the Linear layout [out, in].
            const auto conv1d = [&](const std::string& name) { return transpose(tensor(name), f.path() + ": " + name); };
            if (r == "o.w") return conv1d(p + "attn.c_proj.weight");
            if (r == "o.b") return tensor(p + "attn.c_proj.bias");
            if (r == "fc1.w") return conv1d(p + "mlp.c_fc.weight");
            if (r == "fc1.b") return tensor(p + "mlp.c_fc.bias");
            if (r == "fc2.w") return conv1d(p + "mlp.c_proj.weight");
            if (r == "fc2.b") return tensor(p + "mlp.c_proj.bias");
            // c_attn outputs are [q | k | v], each all heads: contiguous blocks.
            const int which = r[0] == 'q' ? 0 : r[0] == 'k' ? 1 : 2;
            std::vector<std::int64_t> rows;
            for (std::int64_t i = 0; i < h; ++i) rows.push_back(which * h + i);
            const std::string name = p + "attn.c_attn." + (r[2] == 'w' ? "weight" : "bias");
            return slice_rows(r[2] == 'w' ? conv1d(name) : tensor(name), rows, 3 * h, f.path() + ": " + name);
        };
    }
    return src;
}

std::shared_ptr<const transformer_weights> load_transformer(const model_source& source, kernels::backend& b,
                                                            kernels::dtype weight_type) {
    const transformer_config config = transformer_config_of(source);
    return upload_transformer(config, hf_transformer_source(source, config), b, weight_type);
}

}  // namespace engines
