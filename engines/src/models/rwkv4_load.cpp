// Loading RWKV-4 weights onto a backend (see rwkv4_engine.h).
#include <cmath>
#include <cstring>

#include "engines/model_info.h"
#include "engines/rwkv4_engine.h"
#include "harness/errors.h"
#include "models/weight_upload.h"

namespace engines {

std::shared_ptr<const rwkv4_weights> upload_rwkv4(const rwkv4_shape& shape, const rwkv4_tensor_source& source,
                                                  kernels::backend& b, kernels::dtype weight_type) {
    auto w = std::make_shared<rwkv4_weights>();
    w->shape = shape;
    w->weight_type = weight_type;
    const std::int64_t c = shape.n_embd, f = shape.n_ffn, v = shape.n_vocab;
    weight_uploader up(source, b, weight_type);
    w->edge_type = up.edge_type();
    const auto vec = [&](const std::string& name) { return up.vec(name, c); };

    w->emb = up.folded_embedding(v, c);
    for (std::int64_t l = 0; l < shape.n_layer; ++l) {
        const std::string p = "blocks." + std::to_string(l) + ".";
        rwkv4_weights::layer L;
        L.ln1_w = vec(p + "ln1.weight");
        L.ln1_b = vec(p + "ln1.bias");
        L.ln2_w = vec(p + "ln2.weight");
        L.ln2_b = vec(p + "ln2.bias");
        L.att_mix_k = vec(p + "att.time_mix_k");
        L.att_mix_v = vec(p + "att.time_mix_v");
        L.att_mix_r = vec(p + "att.time_mix_r");
        L.att_decay = vec(p + "att.time_decay");
        L.att_first = vec(p + "att.time_first");
        L.att_key = up.mat(p + "att.key.weight", c, c);
        L.att_value = up.mat(p + "att.value.weight", c, c);
        L.att_receptance = up.mat(p + "att.receptance.weight", c, c);
        L.att_output = up.mat(p + "att.output.weight", c, c);
        L.ffn_mix_k = vec(p + "ffn.time_mix_k");
        L.ffn_mix_r = vec(p + "ffn.time_mix_r");
        L.ffn_key = up.mat(p + "ffn.key.weight", f, c);
        L.ffn_value = up.mat(p + "ffn.value.weight", c, f);
        L.ffn_receptance = up.mat(p + "ffn.receptance.weight", c, c);
        w->layers.push_back(std::move(L));
    }
    w->ln_out_w = vec("ln_out.weight");
    w->ln_out_b = vec("ln_out.bias");
    w->head = up.head("head.weight", v, c);
    w->n_params = up.n_params();
    w->bytes = up.bytes();
    return w;
}

std::shared_ptr<const rwkv4_weights> load_rwkv4(const model_file& file, kernels::backend& b, kernels::dtype weight_type) {
    const model_info info = describe_model(file);
    if (info.architecture != "rwkv4")
        throw harness::unsupported_error(file.path() + ": a " + info.architecture + " model, not RWKV-4");
    const rwkv4_shape shape{info.n_layer, info.n_embd, info.n_ffn, info.n_vocab};
    return upload_rwkv4(shape, [&](const std::string& name) { return rwkv4_tensor_f32(file, name); }, b, weight_type);
}

}  // namespace engines
