// The transformer engine (see transformer_engine.h). A chunk of T tokens at
// positions pos0 .. pos0+T-1: per layer LN -> q, k, v -> rotary (NeoX) ->
// k, v appended to the cache -> causal attention over the cache -> output
// projection; MLP with GELU; residuals parallel (NeoX) or sequential (GPT-2).
#include "engines/transformer_engine.h"

#include <algorithm>
#include <cmath>

#include "harness/errors.h"
#include "kernels/backend.h"
#include "models/engine_checks.h"
#include "models/head_logits.h"

namespace engines {
namespace {

using kernels::dtype;
using kernels::op_kind;
using kernels::tensor_view;

class transformer_state final : public engine_state {
public:
    // `limit`: the engine's context limit when the state was made (the
    // cache grows by doubling up to it).
    transformer_state(kernels::backend& b, const transformer_config& c, std::int64_t limit)
        : backend_(b), config_(c), limit_(limit) {}

    std::int64_t n_tokens() const override { return static_cast<std::int64_t>(history.size()); }
    std::uint64_t bytes() const override {
        std::uint64_t n = 0;
        for (const auto* list : {&keys, &values})
            for (const auto& buf : *list) n += buf.bytes();
        return n;
    }

    std::uint64_t used_bytes() const override {
        return 2 * static_cast<std::uint64_t>(config_.n_layer * config_.n_embd * cached) * sizeof(float);
    }

    std::vector<float> download() const override {
        const auto arrays = export_arrays();
        std::vector<float> out = arrays[0].values;
        out.insert(out.end(), arrays[1].values.begin(), arrays[1].values.end());
        return out;
    }

    // The cache is [capacity, H, D] per layer; the golden layout is [L, H, T, D].
    std::vector<named_array> export_arrays() const override {
        const std::int64_t t = cached, h = config_.n_head, d = config_.n_embd / config_.n_head, l_n = config_.n_layer;
        std::vector<named_array> out = {{"present_key", {l_n, h, t, d}, {}}, {"present_value", {l_n, h, t, d}, {}}};
        for (int kv = 0; kv < 2; ++kv) {
            auto& dst = out[static_cast<std::size_t>(kv)].values;
            dst.resize(static_cast<std::size_t>(l_n * h * t * d));
            std::vector<float> layer(static_cast<std::size_t>(t * h * d));
            for (std::int64_t l = 0; l < l_n; ++l) {
                const auto& buf = kv == 0 ? keys[static_cast<std::size_t>(l)] : values[static_cast<std::size_t>(l)];
                if (t) backend_.download(layer.data(), buf.data(), layer.size() * sizeof(float));
                for (std::int64_t p = 0; p < t; ++p)
                    for (std::int64_t head = 0; head < h; ++head)
                        for (std::int64_t i = 0; i < d; ++i)
                            dst[static_cast<std::size_t>(((l * h + head) * t + p) * d + i)] =
                                layer[static_cast<std::size_t>((p * h + head) * d + i)];
            }
        }
        return out;
    }

    std::unique_ptr<engine_state> copy() const override { return copy_first(n_tokens()); }

    // Copies only the first n positions (the depth sweep takes a shallow
    // depth from the deepest cache), into a cache as large as this one, so
    // decoding after them does not grow it.
    std::unique_ptr<engine_state> copy_first(std::int64_t n) const override {
        if (n < 0 || n > n_tokens()) return nullptr;
        auto out = std::make_unique<transformer_state>(backend_, config_, limit_);
        out->reserve(capacity);
        const std::int64_t rows = std::min(cached, n);
        const std::size_t row = static_cast<std::size_t>(config_.n_embd) * sizeof(float);
        for (std::size_t l = 0; l < keys.size() && rows > 0; ++l) {
            backend_.copy(out->keys[l].data(), keys[l].data(), static_cast<std::size_t>(rows) * row);
            backend_.copy(out->values[l].data(), values[l].data(), static_cast<std::size_t>(rows) * row);
        }
        out->history.assign(history.begin(), history.begin() + n);
        out->cached = rows;
        return out;
    }

    // Positions past n are overwritten when tokens are fed again; the
    // allocation stays (the depth sweep rewinds the same cache many times).
    bool rewind(std::int64_t n) override {
        if (n < 0 || n > n_tokens()) return false;
        history.resize(static_cast<std::size_t>(n));
        cached = std::min(cached, n);
        return true;
    }

    bool keeps_history() const override { return true; }

    // Makes room for `n` positions, keeping the first `cached` ones.
    void reserve(std::int64_t n) {
        if (n <= capacity) return;
        std::int64_t cap = std::max<std::int64_t>(capacity * 2, 256);
        while (cap < n) cap *= 2;
        cap = std::min(cap, std::max(n, limit_));
        const std::size_t row = static_cast<std::size_t>(config_.n_embd) * sizeof(float);
        for (auto* list : {&keys, &values}) {
            list->resize(static_cast<std::size_t>(config_.n_layer));
            for (auto& buf : *list) {
                kernels::device_buffer grown(backend_, static_cast<std::size_t>(cap) * row);
                if (cached) backend_.copy(grown.data(), buf.data(), static_cast<std::size_t>(cached) * row);
                buf = std::move(grown);
            }
        }
        capacity = cap;
    }

    std::vector<std::int32_t> history;  // every token fed so far (the no-cache mode replays it)
    std::vector<kernels::device_buffer> keys, values;
    std::int64_t capacity = 0, cached = 0;  // positions allocated / holding keys

private:
    kernels::backend& backend_;
    transformer_config config_;
    std::int64_t limit_;
};

class transformer_engine final : public engine {
public:
    transformer_engine(std::shared_ptr<const transformer_weights> w, kernels::backend& b, const transformer_options& o)
        : w_(std::move(w)), b_(b), options_(o), context_limit_(w_->config.n_ctx) {}

    engine_info info() const override {
        const auto& c = w_->config;
        engine_info i;
        i.name = "transformer";
        i.architecture = c.architecture;
        i.n_params = w_->n_params;
        i.n_vocab = c.n_vocab;
        i.n_layer = c.n_layer;
        i.n_embd = c.n_embd;
        i.head_size = c.n_embd / c.n_head;
        i.context_limit = context_limit_;
        i.weight_type = w_->weight_type;
        i.state_bytes = 0;  // grows with the context: 2 x n_layer x n_embd x 4 bytes per token
        i.weight_bytes = w_->bytes;
        i.scratch_bytes = s_.bytes();
        return i;
    }

    // Rotary positions have no table to run off; GPT-2's learned ones do.
    bool extend_context(std::int64_t n) override {
        const std::int64_t own = w_->config.n_ctx;
        if (n > own && w_->config.architecture == "gpt2") return false;
        context_limit_ = std::max(n, own);
        return true;
    }

    std::unique_ptr<engine_state> new_state() const override {
        return std::make_unique<transformer_state>(b_, w_->config, context_limit_);
    }

    void forward(std::span<const std::int32_t> tokens, engine_state& state, logits_mode mode,
                 std::vector<float>& out) override {
        auto* st = &own_state<transformer_state>(state, "transformer");
        const auto& c = w_->config;
        check_token_ids(tokens, c.n_vocab);
        const auto n = static_cast<std::int64_t>(tokens.size());
        if (st->n_tokens() + n > context_limit_)
            throw harness::input_error("context limit of " + std::to_string(context_limit_) + " tokens exceeded: " +
                                       std::to_string(st->n_tokens()) + " cached + " + std::to_string(n) +
                                       " new (use a sliding window for longer texts)");
        out.assign(static_cast<std::size_t>((mode == logits_mode::all ? n : 1) * c.n_vocab), 0.0f);
        if (n == 0) return;
        st->history.insert(st->history.end(), tokens.begin(), tokens.end());
        if (options_.no_cache) {
            // Forget the cache and recompute every position, as a model without one must.
            st->cached = 0;
            const auto all = static_cast<std::int64_t>(st->history.size());
            run_chunk(st->history, 0, *st, mode, all - n, out.data());
        } else {
            run_chunk(std::span(st->history).subspan(static_cast<std::size_t>(st->cached)), st->cached, *st, mode, 0,
                      out.data());
        }
    }

private:
    struct scratch {
        std::int64_t capacity = 0;
        kernels::device_buffer ids, pos, x, a, q, k, v, o, t1, hidden, logits;  // logits off the CPU only
        std::uint64_t bytes() const {
            std::uint64_t n = 0;
            for (const auto* b : {&ids, &pos, &x, &a, &q, &k, &v, &o, &t1, &hidden, &logits}) n += b->bytes();
            return n;
        }
    };

    void ensure_scratch(std::int64_t t) {
        if (t <= s_.capacity) return;
        const auto& c = w_->config;
        const auto n = static_cast<std::size_t>(t), h = static_cast<std::size_t>(c.n_embd),
                   f = static_cast<std::size_t>(c.n_ffn);
        s_ = scratch{};
        s_.capacity = t;
        s_.ids = kernels::device_buffer(b_, n * 4);
        s_.pos = kernels::device_buffer(b_, n * 4);
        for (auto* buf : {&s_.x, &s_.a, &s_.q, &s_.k, &s_.v, &s_.o, &s_.t1}) *buf = kernels::device_buffer(b_, n * h * 4);
        s_.hidden = kernels::device_buffer(b_, n * f * 4);
    }

    // Runs `tokens` at positions pos0.. and writes the logits of rows
    // first_out.. (all of them, or the last one) to out.
    void run_chunk(std::span<const std::int32_t> tokens, std::int64_t pos0, transformer_state& st, logits_mode mode,
                   std::int64_t first_out, float* out) {
        const auto& c = w_->config;
        const auto t = static_cast<std::int64_t>(tokens.size());
        const std::int64_t h = c.n_embd, nh = c.n_head, d = h / nh, f = c.n_ffn, v = c.n_vocab;
        ensure_scratch(t);
        st.reserve(pos0 + t);
        const dtype wt = w_->weight_type;
        const auto vec = [&](const kernels::device_buffer& buf, std::int64_t n) { return buf.view(dtype::f32, {n}); };
        const auto mat = [&](const kernels::device_buffer& buf, std::int64_t rows, std::int64_t cols) {
            return buf.view(wt, {rows, cols});
        };
        const auto edge = [&](const kernels::device_buffer& buf, std::int64_t rows, std::int64_t cols) {
            return buf.view(w_->edge_type, {rows, cols});
        };
        const auto act = [&](const kernels::device_buffer& buf, std::int64_t cols) { return buf.view(dtype::f32, {t, cols}); };
        const auto heads = [&](const kernels::device_buffer& buf) { return buf.view(dtype::f32, {t, nh, d}); };

        b_.upload(s_.ids.data(), tokens.data(), tokens.size() * 4);
        const tensor_view x = act(s_.x, h), a = act(s_.a, h), o = act(s_.o, h), t1 = act(s_.t1, h), hidden = act(s_.hidden, f);
        b_.embedding(edge(w_->emb, v, h), s_.ids.view(dtype::i32, {t}), x);
        if (c.architecture == "gpt2") {
            std::vector<std::int32_t> positions(static_cast<std::size_t>(t));
            for (std::int64_t i = 0; i < t; ++i) positions[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(pos0 + i);
            b_.upload(s_.pos.data(), positions.data(), positions.size() * 4);
            b_.embedding(edge(w_->pos, c.n_ctx, h), s_.pos.view(dtype::i32, {t}), a);
            b_.binary(op_kind::add, x, a, x);
        }
        const op_kind gelu = c.gelu_tanh ? op_kind::gelu_tanh : op_kind::gelu_erf;
        const kernels::attention_params ap{pos0, 1.0f / std::sqrt(static_cast<float>(d)), options_.attention};
        const std::size_t row_bytes = static_cast<std::size_t>(h) * sizeof(float);
        for (std::int64_t l = 0; l < c.n_layer; ++l) {
            const auto& L = w_->layers[static_cast<std::size_t>(l)];
            b_.layernorm(x, vec(L.ln1_w, h), vec(L.ln1_b, h), c.layernorm_eps, a);
            b_.matmul(a, mat(L.wq, h, h), vec(L.bq, h), act(s_.q, h));
            b_.matmul(a, mat(L.wk, h, h), vec(L.bk, h), act(s_.k, h));
            b_.matmul(a, mat(L.wv, h, h), vec(L.bv, h), act(s_.v, h));
            if (c.n_rot > 0) {
                const kernels::rotary_params rp{pos0, c.n_rot, c.rotary_base};
                b_.rotary(heads(s_.q), rp, heads(s_.q));
                b_.rotary(heads(s_.k), rp, heads(s_.k));
            }
            // Append this chunk's keys and values: one contiguous write per cache.
            auto& kc = st.keys[static_cast<std::size_t>(l)];
            auto& vc = st.values[static_cast<std::size_t>(l)];
            b_.copy(static_cast<char*>(kc.data()) + static_cast<std::size_t>(pos0) * row_bytes, s_.k.data(),
                    static_cast<std::size_t>(t) * row_bytes);
            b_.copy(static_cast<char*>(vc.data()) + static_cast<std::size_t>(pos0) * row_bytes, s_.v.data(),
                    static_cast<std::size_t>(t) * row_bytes);
            b_.attention(heads(s_.q), kc.view(dtype::f32, {st.capacity, nh, d}), vc.view(dtype::f32, {st.capacity, nh, d}), ap,
                         heads(s_.o));
            b_.matmul(o, mat(L.wo, h, h), vec(L.bo, h), t1);  // t1 = attention output
            if (c.parallel_residual) {
                // x + attn(ln1(x)) + mlp(ln2(x)), both branches from the same x.
                b_.layernorm(x, vec(L.ln2_w, h), vec(L.ln2_b, h), c.layernorm_eps, a);
                b_.binary(op_kind::add, x, t1, x);
            } else {
                b_.binary(op_kind::add, x, t1, x);
                b_.layernorm(x, vec(L.ln2_w, h), vec(L.ln2_b, h), c.layernorm_eps, a);
            }
            b_.matmul(a, mat(L.w1, f, h), vec(L.b1, f), hidden);
            b_.unary(gelu, hidden, hidden);
            b_.matmul(hidden, mat(L.w2, h, f), vec(L.b2, h), t1);
            b_.binary(op_kind::add, x, t1, x);
        }
        st.cached = pos0 + t;
        // Only the rows whose logits are wanted go through the final LN and the head.
        const std::int64_t first = mode == logits_mode::all ? first_out : t - 1;
        const std::int64_t rows = t - first;
        const tensor_view x_rows = s_.x.view_at(static_cast<std::size_t>(first) * row_bytes, dtype::f32, {rows, h});
        const tensor_view a_rows = s_.a.view(dtype::f32, {rows, h});
        b_.layernorm(x_rows, vec(w_->lnf_w, h), vec(w_->lnf_b, h), c.layernorm_eps, a_rows);
        head_logits(b_, a_rows, edge(w_->head, v, h), out, s_.logits);
    }

    std::shared_ptr<const transformer_weights> w_;
    kernels::backend& b_;
    transformer_options options_;
    std::int64_t context_limit_;  // the model's n_ctx unless extend_context() lifted it
    scratch s_;
};

}  // namespace

std::unique_ptr<engine> make_transformer_engine(std::shared_ptr<const transformer_weights> weights, kernels::backend& b,
                                                const transformer_options& options) {
    return std::make_unique<transformer_engine>(std::move(weights), b, options);
}

}  // namespace engines
