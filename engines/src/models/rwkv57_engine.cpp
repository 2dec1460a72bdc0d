// The RWKV v5.2 / v7 engines (see rwkv57_engine.h). One chunk of T tokens
// goes through the same kernel calls in both modes: the serial engine feeds
// chunks of one token, the parallel engine the whole input (matmuls over T
// rows; the WKV ops walk the chunk's tokens with the state on chip). Both
// prefill in parallel mode.
#include "engines/rwkv57_engine.h"

#include <algorithm>
#include <optional>

#include "harness/errors.h"
#include "kernels/backend.h"
#include "models/chunk_rows.h"
#include "models/engine_checks.h"
#include "models/head_logits.h"
#include "models/recurrent_feed.h"

namespace engines {
namespace {

using kernels::dtype;
using kernels::op_kind;
using kernels::tensor_view;

constexpr float layernorm_eps = 1e-5f;   // F.layer_norm's default
constexpr float group_norm_eps = 64e-5f;  // model.py's ln_x (v5.2 and v7): 1e-5 * head_size_divisor^2

class rwkv57_state final : public engine_state {
public:
    rwkv57_state(kernels::backend& b, const rwkv57_shape& s) : backend_(b), shape_(s) {
        buffer_ = kernels::device_buffer(b, static_cast<std::size_t>(s.n_layer * per_layer()) * sizeof(float));
        b.fill_bytes(buffer_.data(), 0, buffer_.bytes());  // model.py's initial state: all zeros
    }
    std::int64_t n_tokens() const override { return n_tokens_; }
    std::uint64_t bytes() const override { return buffer_.bytes(); }
    std::vector<float> download() const override {
        std::vector<float> out(buffer_.bytes() / sizeof(float));
        backend_.download(out.data(), buffer_.data(), buffer_.bytes());
        return out;
    }
    // The golden files' layout: state.att_xx [L, C], state.att_kv [L, H, N, N], state.ffn_xx [L, C].
    std::vector<named_array> export_arrays() const override {
        const std::vector<float> all = download();
        const std::int64_t c = shape_.n_embd, kv = kv_floats();
        named_array att{"state.att_xx", {shape_.n_layer, c}, {}};
        named_array heads{"state.att_kv", {shape_.n_layer, shape_.n_head(), shape_.head_size, shape_.head_size}, {}};
        named_array ffn{"state.ffn_xx", {shape_.n_layer, c}, {}};
        for (std::int64_t l = 0; l < shape_.n_layer; ++l) {
            const auto at = all.begin() + l * per_layer();
            att.values.insert(att.values.end(), at, at + c);
            heads.values.insert(heads.values.end(), at + c, at + c + kv);
            ffn.values.insert(ffn.values.end(), at + c + kv, at + 2 * c + kv);
        }
        return {std::move(att), std::move(heads), std::move(ffn)};
    }
    std::unique_ptr<engine_state> copy() const override {
        auto out = std::make_unique<rwkv57_state>(backend_, shape_);
        backend_.copy(out->buffer_.data(), buffer_.data(), buffer_.bytes());
        out->n_tokens_ = n_tokens_;
        return out;
    }
    bool rewind(std::int64_t n) override { return n == n_tokens_; }  // a recurrent state keeps no history
    bool keeps_history() const override { return false; }

    tensor_view att_xx(std::int64_t l) const { return at(l, 0, {shape_.n_embd}); }
    tensor_view att_kv(std::int64_t l) const {
        return buffer_.view_at(offset(l, shape_.n_embd), dtype::f32,
                               {shape_.n_head(), shape_.head_size, shape_.head_size});
    }
    tensor_view ffn_xx(std::int64_t l) const { return at(l, shape_.n_embd + kv_floats(), {shape_.n_embd}); }
    void advance(std::int64_t n) { n_tokens_ += n; }

private:
    std::int64_t kv_floats() const { return shape_.n_head() * shape_.head_size * shape_.head_size; }
    std::int64_t per_layer() const { return shape_.state_floats_per_layer(); }
    std::size_t offset(std::int64_t l, std::int64_t floats) const {
        return static_cast<std::size_t>(l * per_layer() + floats) * sizeof(float);
    }
    tensor_view at(std::int64_t l, std::int64_t floats, std::initializer_list<std::int64_t> shape) const {
        return buffer_.view_at(offset(l, floats), dtype::f32, shape);
    }

    kernels::backend& backend_;
    rwkv57_shape shape_;
    kernels::device_buffer buffer_;
    std::int64_t n_tokens_ = 0;
};

// Activations for up to `capacity` tokens, grown on demand.
struct scratch {
    std::int64_t capacity = 0;
    // [T, C] each: x, xx, the six mixed inputs, r, w, k, v, a, g, kk, y, v_first; lora [T, d];
    // hidden [T, F]; logits: the head's output off the CPU, or score()'s vocabulary slice (head_logits.h).
    kernels::device_buffer ids, x, xx, xr, xw, xk, xv, xa, xg, r, w, k, v, a, g, kk, y, v_first, lora, hidden, logits;
    std::uint64_t bytes() const {
        std::uint64_t n = 0;
        for (const auto* b : {&ids, &x, &xx, &xr, &xw, &xk, &xv, &xa, &xg, &r, &w, &k, &v, &a, &g, &kk, &y, &v_first,
                              &lora, &hidden, &logits})
            n += b->bytes();
        return n;
    }
};

class rwkv57_engine final : public engine {
public:
    rwkv57_engine(bool serial, std::shared_ptr<const rwkv57_weights> w, kernels::backend& b)
        : serial_(serial), w_(std::move(w)), b_(b) {}

    engine_info info() const override {
        const rwkv57_shape& s = w_->shape;
        engine_info i;
        i.architecture = "rwkv" + std::to_string(s.version);
        i.name = i.architecture + (serial_ ? "-serial" : "-parallel");
        i.n_params = w_->n_params;
        i.n_vocab = s.n_vocab;
        i.n_layer = s.n_layer;
        i.n_embd = s.n_embd;
        i.head_size = s.head_size;
        i.weight_type = w_->weight_type;
        i.state_bytes = static_cast<std::uint64_t>(s.n_layer * s.state_floats_per_layer()) * sizeof(float);
        i.weight_bytes = w_->bytes;
        i.scratch_bytes = s_.bytes();
        return i;
    }

    std::unique_ptr<engine_state> new_state() const override { return std::make_unique<rwkv57_state>(b_, w_->shape); }

    void forward(std::span<const std::int32_t> tokens, engine_state& state, logits_mode mode,
                 std::vector<float>& out) override {
        rwkv57_state& st = checked(tokens, state);
        feed_tokens(serial_, static_cast<std::int64_t>(tokens.size()), w_->shape.n_vocab, mode, out,
                    [&](std::int64_t first, std::int64_t count, logits_mode m, float* dst, bool want) {
                        run_chunk(tokens.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(count)),
                                  state_rows::sequence(st, count), head_rows(count, m, want), dst);
                    });
    }

    void prefill(std::span<const std::int32_t> tokens, engine_state& state, std::vector<float>& out) override {
        rwkv57_state& st = checked(tokens, state);
        out.assign(static_cast<std::size_t>(w_->shape.n_vocab), 0.0f);
        const auto t = static_cast<std::int64_t>(tokens.size());
        if (t > 0) run_chunk(tokens, state_rows::sequence(st, t), head_rows(t, logits_mode::last, true), out.data());
    }

    // The parallel engine on the CPU: one chunk, the head in vocabulary slices.
    void score(std::span<const std::int32_t> tokens, engine_state& state, std::span<const std::int32_t> targets,
               std::vector<double>& logprobs) override {
        if (serial_ || b_.device() != kernels::device_kind::cpu) return engine::score(tokens, state, targets, logprobs);
        check_targets(tokens, targets, w_->shape.n_vocab);
        rwkv57_state& st = checked(tokens, state);
        logprobs.assign(tokens.size(), 0.0);
        const auto t = static_cast<std::int64_t>(tokens.size());
        if (t > 0) run_chunk(tokens, state_rows::sequence(st, t), {0, t}, {targets, logprobs.data()});
    }

    // The serial engine steps the sequences together: B rows per matmul.
    void forward_batch(std::span<const std::span<const std::int32_t>> tokens, std::span<engine_state* const> states,
                       std::span<const std::int64_t> logits_from, std::size_t rows,
                       std::vector<std::vector<float>>& out) override {
        if (!serial_) return engine::forward_batch(tokens, states, logits_from, rows, out);
        const auto fresh = [&] { return std::make_unique<rwkv57_state>(b_, w_->shape); };
        step_sequences<rwkv57_state>(
            tokens, states, logits_from, rows, w_->shape.n_vocab, info().name, out, fresh,
            [&](std::vector<rwkv57_state*> st, std::span<const std::int32_t> ids, std::int64_t wanted, float* dst) {
                run_chunk(ids, state_rows::one_each(std::move(st)), {0, wanted}, dst);
            });
    }

private:
    using state_rows = chunk_rows<rwkv57_state>;
    enum class shift_kind { shift, lerp };  // token_shift (RWKV-4, v5.2), token_lerp (v7)
    enum class block { att, ffn };

    // xx's rows mixed with the row before each (a state's saved row before
    // its first) into `mixed`.
    void shift(const state_rows& r, block which, std::int64_t l, shift_kind kind, const kernels::device_buffer& mix,
               const tensor_view& mixed) {
        const tensor_view xx = act(s_.xx, r.n_rows, w_->shape.n_embd);
        r.each([&](rwkv57_state& st, std::int64_t first, std::int64_t n) {
            const tensor_view prev = which == block::att ? st.att_xx(l) : st.ffn_xx(l);
            if (kind == shift_kind::shift)
                b_.token_shift(row_range(xx, first, n), prev, vec(mix), row_range(mixed, first, n));
            else
                b_.token_lerp(row_range(xx, first, n), prev, vec(mix), row_range(mixed, first, n));
        });
    }
    // Each state keeps its last row of xx for the next token's shift.
    void keep_last(const state_rows& r, block which, std::int64_t l) {
        const tensor_view xx = act(s_.xx, r.n_rows, w_->shape.n_embd);
        r.each([&](rwkv57_state& st, std::int64_t first, std::int64_t n) {
            const tensor_view prev = which == block::att ? st.att_xx(l) : st.ffn_xx(l);
            b_.copy(prev.data, row_range(xx, first + n - 1, 1).data, static_cast<std::size_t>(w_->shape.n_embd) * 4);
        });
    }
    // The state as this engine's, every id inside the vocabulary.
    rwkv57_state& checked(std::span<const std::int32_t> tokens, engine_state& state) const {
        check_token_ids(tokens, w_->shape.n_vocab);
        return own_state<rwkv57_state>(state, info().name);
    }

    void ensure_scratch(std::int64_t t) {
        if (t <= s_.capacity) return;
        const rwkv57_shape& sh = w_->shape;
        const auto n = static_cast<std::size_t>(t), c = static_cast<std::size_t>(sh.n_embd);
        const auto d = static_cast<std::size_t>(std::max({sh.d_decay, sh.d_iclr, sh.d_value, sh.d_gate, std::int64_t{1}}));
        s_ = scratch{};
        s_.capacity = t;
        s_.ids = kernels::device_buffer(b_, n * 4);
        for (kernels::device_buffer* buf : {&s_.x, &s_.xx, &s_.xr, &s_.xk, &s_.xv, &s_.xg, &s_.r, &s_.k, &s_.v, &s_.g,
                                            &s_.y})
            *buf = kernels::device_buffer(b_, n * c * 4);
        if (sh.version == 7) {
            for (kernels::device_buffer* buf : {&s_.xw, &s_.xa, &s_.w, &s_.a, &s_.kk, &s_.v_first})
                *buf = kernels::device_buffer(b_, n * c * 4);
            s_.lora = kernels::device_buffer(b_, n * d * 4);
        }
        s_.hidden = kernels::device_buffer(b_, n * static_cast<std::size_t>(sh.n_ffn) * 4);
    }

    tensor_view vec(const kernels::device_buffer& buf) const { return buf.view(dtype::f32, {w_->shape.n_embd}); }
    tensor_view mat(const kernels::device_buffer& buf, std::int64_t rows, std::int64_t cols) const {
        return buf.view(w_->weight_type, {rows, cols});
    }
    // emb and head (f32 under a block format).
    tensor_view edge(const kernels::device_buffer& buf, std::int64_t rows, std::int64_t cols) const {
        return buf.view(w_->edge_type, {rows, cols});
    }
    tensor_view f32_mat(const kernels::device_buffer& buf, std::int64_t rows, std::int64_t cols) const {
        return buf.view(dtype::f32, {rows, cols});
    }
    tensor_view act(const kernels::device_buffer& buf, std::int64_t t, std::int64_t cols) const {
        return buf.view(dtype::f32, {t, cols});
    }

    // v5.2 time mixing: writes the block's output (before the residual) to xr.
    void time_mix_v5(const rwkv57_weights::layer& L, const state_rows& rows, std::int64_t l) {
        const std::int64_t c = w_->shape.n_embd, t = rows.n_rows;
        const tensor_view xr = act(s_.xr, t, c), xk = act(s_.xk, t, c), xv = act(s_.xv, t, c), xg = act(s_.xg, t, c),
                          r = act(s_.r, t, c), k = act(s_.k, t, c), v = act(s_.v, t, c), g = act(s_.g, t, c),
                          y = act(s_.y, t, c), none{};
        shift(rows, block::att, l, shift_kind::shift, L.mix_k, xk);
        shift(rows, block::att, l, shift_kind::shift, L.mix_v, xv);
        shift(rows, block::att, l, shift_kind::shift, L.mix_r, xr);
        shift(rows, block::att, l, shift_kind::shift, L.mix_g, xg);
        b_.matmul(xr, mat(L.att_receptance, c, c), none, r);
        b_.matmul(xk, mat(L.att_key, c, c), none, k);
        b_.matmul(xv, mat(L.att_value, c, c), none, v);
        b_.matmul(xg, mat(L.att_gate, c, c), none, g);
        b_.unary(op_kind::silu, g, g);
        rows.each([&](rwkv57_state& st, std::int64_t first, std::int64_t n) {
            b_.wkv5(row_range(r, first, n), row_range(k, first, n), row_range(v, first, n), vec(L.decay), vec(L.bonus),
                    st.att_kv(l), row_range(y, first, n));
        });
        b_.group_norm(y, vec(L.ln_x_w), vec(L.ln_x_b), w_->shape.n_head(), group_norm_eps, y);
        b_.binary(op_kind::mul, y, g, y);
        b_.matmul(y, mat(L.att_output, c, c), none, xr);  // xr is free again: the block's output
    }

    // out = inner(x A) B + bias through the [T, d] lora buffer; no inner
    // activation where `inner` is empty. out may be x.
    void low_rank(const tensor_view& x, const kernels::device_buffer& a, const kernels::device_buffer& bm,
                  std::int64_t d, std::optional<op_kind> inner, const tensor_view& bias, const tensor_view& out) {
        const std::int64_t t = x.shape[0], c = w_->shape.n_embd;
        const tensor_view mid = act(s_.lora, t, d);
        b_.matmul(x, f32_mat(a, d, c), {}, mid);
        if (inner) b_.unary(*inner, mid, mid);
        b_.matmul(mid, f32_mat(bm, c, d), bias, out);
    }

    // v7 time mixing: writes the block's output (before the residual) to xr.
    void time_mix_v7(const rwkv57_weights::layer& L, const state_rows& rows, std::int64_t l) {
        const rwkv57_shape& sh = w_->shape;
        const std::int64_t c = sh.n_embd, t = rows.n_rows;
        const tensor_view xr = act(s_.xr, t, c), xw = act(s_.xw, t, c), xk = act(s_.xk, t, c), xv = act(s_.xv, t, c),
                          xa = act(s_.xa, t, c), xg = act(s_.xg, t, c), r = act(s_.r, t, c), w = act(s_.w, t, c),
                          k = act(s_.k, t, c), v = act(s_.v, t, c), a = act(s_.a, t, c), g = act(s_.g, t, c),
                          kk = act(s_.kk, t, c), y = act(s_.y, t, c), v_first = act(s_.v_first, t, c), none{};
        shift(rows, block::att, l, shift_kind::lerp, L.x_r, xr);
        shift(rows, block::att, l, shift_kind::lerp, L.x_w, xw);
        shift(rows, block::att, l, shift_kind::lerp, L.x_k, xk);
        shift(rows, block::att, l, shift_kind::lerp, L.x_v, xv);
        shift(rows, block::att, l, shift_kind::lerp, L.x_a, xa);
        shift(rows, block::att, l, shift_kind::lerp, L.x_g, xg);
        b_.matmul(xr, mat(L.att_receptance, c, c), none, r);
        low_rank(xw, L.w1, L.w2, sh.d_decay, op_kind::tanh, vec(L.w0), w);  // the decay's logit
        b_.matmul(xk, mat(L.att_key, c, c), none, k);
        b_.matmul(xv, mat(L.att_value, c, c), none, v);
        low_rank(xa, L.a1, L.a2, sh.d_iclr, std::nullopt, vec(L.a0), a);  // in-context learning rate
        b_.unary(op_kind::sigmoid, a, a);
        low_rank(xg, L.g1, L.g2, sh.d_gate, op_kind::sigmoid, none, g);
        b_.rwkv7_keys(k, a, vec(L.k_k), vec(L.k_a), sh.head_size, kk);
        if (l == 0) {
            b_.copy(v_first.data, v.data, static_cast<std::size_t>(t * c) * sizeof(float));
        } else {
            // v moves towards layer 0's value by sigmoid(v0 + x V1 V2); xv becomes that gate.
            low_rank(xv, L.v1, L.v2, sh.d_value, std::nullopt, vec(L.v0), xv);
            b_.unary(op_kind::sigmoid, xv, xv);
            b_.lerp(v, v_first, xv, v);
        }
        rows.each([&](rwkv57_state& st, std::int64_t first, std::int64_t n) {
            b_.wkv7(row_range(r, first, n), row_range(w, first, n), row_range(k, first, n), row_range(v, first, n),
                    row_range(kk, first, n), row_range(a, first, n), st.att_kv(l), row_range(y, first, n));
        });
        b_.group_norm(y, vec(L.ln_x_w), vec(L.ln_x_b), sh.n_head(), group_norm_eps, y);
        b_.rwkv7_bonus(r, k, v, f32_mat(L.r_k, sh.n_head(), sh.head_size), y);
        b_.binary(op_kind::mul, y, g, y);
        b_.matmul(y, mat(L.att_output, c, c), none, xr);
    }

    // Channel mixing into y: v5.2 as RWKV-4 (receptance-gated), v7 without receptance.
    void channel_mix(const rwkv57_weights::layer& L, const state_rows& rows, std::int64_t l) {
        const std::int64_t c = w_->shape.n_embd, f = w_->shape.n_ffn, t = rows.n_rows;
        const tensor_view xk = act(s_.xk, t, c), xr = act(s_.xr, t, c), r = act(s_.r, t, c), y = act(s_.y, t, c),
                          hidden = act(s_.hidden, t, f), none{};
        if (w_->shape.version == 5) {
            shift(rows, block::ffn, l, shift_kind::shift, L.ffn_mix_k, xk);
            shift(rows, block::ffn, l, shift_kind::shift, L.ffn_mix_r, xr);
        } else {
            shift(rows, block::ffn, l, shift_kind::lerp, L.ffn_x_k, xk);
        }
        b_.matmul(xk, mat(L.ffn_key, f, c), none, hidden);
        b_.unary(op_kind::squared_relu, hidden, hidden);
        b_.matmul(hidden, mat(L.ffn_value, c, f), none, y);
        if (w_->shape.version == 5) {
            b_.matmul(xr, mat(L.ffn_receptance, c, c), none, r);
            b_.unary(op_kind::sigmoid, r, r);
            b_.binary(op_kind::mul, r, y, y);
        }
    }

    // One chunk: `tokens` are the rows of `rows` (one sequence's T tokens,
    // or one token each of B sequences); `head` the rows whose logits go to out.
    void run_chunk(std::span<const std::int32_t> tokens, const state_rows& rows, row_span head,
                   const head_output& out) {
        const auto t = static_cast<std::int64_t>(tokens.size());
        const std::int64_t c = w_->shape.n_embd, v = w_->shape.n_vocab;
        ensure_scratch(t);
        b_.upload(s_.ids.data(), tokens.data(), tokens.size() * 4);
        const tensor_view x = act(s_.x, t, c), xx = act(s_.xx, t, c), xr = act(s_.xr, t, c), y = act(s_.y, t, c);
        b_.embedding(edge(w_->emb, v, c), s_.ids.view(dtype::i32, {t}), x);
        for (std::int64_t l = 0; l < w_->shape.n_layer; ++l) {
            const auto& L = w_->layers[static_cast<std::size_t>(l)];
            b_.layernorm(x, vec(L.ln1_w), vec(L.ln1_b), layernorm_eps, xx);
            if (w_->shape.version == 5)
                time_mix_v5(L, rows, l);
            else
                time_mix_v7(L, rows, l);
            b_.binary(op_kind::add, x, xr, x);
            keep_last(rows, block::att, l);
            b_.layernorm(x, vec(L.ln2_w), vec(L.ln2_b), layernorm_eps, xx);
            channel_mix(L, rows, l);
            b_.binary(op_kind::add, x, y, x);
            keep_last(rows, block::ffn, l);
        }
        rows.each([](rwkv57_state& st, std::int64_t, std::int64_t n) { st.advance(n); });
        if (head.count == 0) return;
        const tensor_view x_rows = row_range(x, head.first, head.count);
        const tensor_view xx_rows = act(s_.xx, head.count, c);
        b_.layernorm(x_rows, vec(w_->ln_out_w), vec(w_->ln_out_b), layernorm_eps, xx_rows);
        run_head(b_, xx_rows, edge(w_->head, v, c), out, s_.logits);
    }

    bool serial_;
    std::shared_ptr<const rwkv57_weights> w_;
    kernels::backend& b_;
    scratch s_;
};

}  // namespace

std::unique_ptr<engine> make_rwkv57_engine(bool serial, std::shared_ptr<const rwkv57_weights> weights,
                                           kernels::backend& b) {
    return std::make_unique<rwkv57_engine>(serial, std::move(weights), b);
}

}  // namespace engines
