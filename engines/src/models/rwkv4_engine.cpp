// The RWKV-4 engines (see rwkv4_engine.h). One chunk of T tokens goes through
// the same sequence of kernel calls in both modes; the serial engine feeds
// chunks of one token and uses wkv_step, the parallel engine feeds the whole
// input and uses wkv_sequence. Both prefill (bringing a state to a depth) in
// parallel mode.
#include "engines/rwkv4_engine.h"

#include <algorithm>

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

constexpr float layernorm_eps = 1e-5f;  // model.py's F.layer_norm default

// Per-layer state slots, as the golden files and model.py keep them.
enum slot : std::int64_t { att_xx = 0, att_aa = 1, ffn_xx = 4, n_slots = 5 };

class rwkv4_state final : public engine_state {
public:
    rwkv4_state(kernels::backend& b, const rwkv4_shape& s) : backend_(b), shape_(s) {
        const std::size_t n = static_cast<std::size_t>(s.n_layer * n_slots * s.n_embd);
        buffer_ = kernels::device_buffer(b, n * sizeof(float));
        std::vector<float> init(n, 0.0f);
        // Nothing seen yet: aa = bb = 0, pp = -1e30 (model.py and rwkv.cpp).
        for (std::int64_t l = 0; l < s.n_layer; ++l)
            std::fill_n(init.begin() + (l * n_slots + 3) * s.n_embd, s.n_embd, -1e30f);
        b.upload(buffer_.data(), init.data(), n * sizeof(float));
    }
    std::int64_t n_tokens() const override { return n_tokens_; }
    std::uint64_t bytes() const override { return buffer_.bytes(); }
    std::vector<float> download() const override {
        std::vector<float> out(buffer_.bytes() / sizeof(float));
        backend_.download(out.data(), buffer_.data(), buffer_.bytes());
        return out;
    }
    std::vector<named_array> export_arrays() const override {
        return {{"state", {shape_.n_layer, n_slots, shape_.n_embd}, download()}};
    }
    std::unique_ptr<engine_state> copy() const override {
        auto out = std::make_unique<rwkv4_state>(backend_, shape_);
        backend_.copy(out->buffer_.data(), buffer_.data(), buffer_.bytes());
        out->n_tokens_ = n_tokens_;
        return out;
    }
    bool rewind(std::int64_t n) override { return n == n_tokens_; }  // nothing to undo, or no history to undo it with
    bool keeps_history() const override { return false; }
    // [C] view of one slot of a layer, or [3, C] from aa on.
    tensor_view slot_view(std::int64_t layer, std::int64_t s, std::int64_t rows = 1) const {
        const std::size_t offset = static_cast<std::size_t>((layer * n_slots + s) * shape_.n_embd) * sizeof(float);
        return rows == 1 ? buffer_.view_at(offset, dtype::f32, {shape_.n_embd})
                         : buffer_.view_at(offset, dtype::f32, {rows, shape_.n_embd});
    }
    void advance(std::int64_t n) { n_tokens_ += n; }

private:
    kernels::backend& backend_;
    rwkv4_shape shape_;
    kernels::device_buffer buffer_;
    std::int64_t n_tokens_ = 0;
};

// Activations for up to `capacity` tokens, grown on demand; logits: the
// head's output off the CPU, or score()'s vocabulary slice (head_logits.h).
struct scratch {
    std::int64_t capacity = 0;
    kernels::device_buffer ids, x, xx, kx, vx, rx, k, v, r, y, hidden, logits;
    std::uint64_t bytes() const {
        std::uint64_t n = 0;
        for (const auto* b : {&ids, &x, &xx, &kx, &vx, &rx, &k, &v, &r, &y, &hidden, &logits}) n += b->bytes();
        return n;
    }
};

class rwkv4_engine final : public engine {
public:
    rwkv4_engine(bool serial, std::shared_ptr<const rwkv4_weights> w, kernels::backend& b)
        : serial_(serial), w_(std::move(w)), b_(b) {}

    engine_info info() const override {
        engine_info i;
        i.name = serial_ ? "rwkv4-serial" : "rwkv4-parallel";
        i.architecture = "rwkv4";
        i.n_params = w_->n_params;
        i.n_vocab = w_->shape.n_vocab;
        i.n_layer = w_->shape.n_layer;
        i.n_embd = w_->shape.n_embd;
        i.weight_type = w_->weight_type;
        i.state_bytes = static_cast<std::uint64_t>(w_->shape.n_layer * n_slots * w_->shape.n_embd) * sizeof(float);
        i.weight_bytes = w_->bytes;
        i.scratch_bytes = s_.bytes();
        return i;
    }

    std::unique_ptr<engine_state> new_state() const override { return std::make_unique<rwkv4_state>(b_, w_->shape); }

    void forward(std::span<const std::int32_t> tokens, engine_state& state, logits_mode mode,
                 std::vector<float>& out) override {
        rwkv4_state& st = checked(tokens, state);
        feed_tokens(serial_, static_cast<std::int64_t>(tokens.size()), w_->shape.n_vocab, mode, out,
                    [&](std::int64_t first, std::int64_t count, logits_mode m, float* dst, bool want) {
                        const auto chunk =
                            tokens.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(count));
                        run_chunk(chunk, state_rows::sequence(st, count), serial_ ? wkv_mode::step : wkv_mode::sequence,
                                  head_rows(count, m, want), dst);
                    });
    }

    void prefill(std::span<const std::int32_t> tokens, engine_state& state, std::vector<float>& out) override {
        rwkv4_state& st = checked(tokens, state);
        out.assign(static_cast<std::size_t>(w_->shape.n_vocab), 0.0f);
        const auto t = static_cast<std::int64_t>(tokens.size());
        if (t > 0)
            run_chunk(tokens, state_rows::sequence(st, t), wkv_mode::sequence, head_rows(t, logits_mode::last, true),
                      out.data());
    }

    // The parallel engine on the CPU: one chunk, the head in vocabulary slices.
    void score(std::span<const std::int32_t> tokens, engine_state& state, std::span<const std::int32_t> targets,
               std::vector<double>& logprobs) override {
        if (serial_ || b_.device() != kernels::device_kind::cpu) return engine::score(tokens, state, targets, logprobs);
        check_targets(tokens, targets, w_->shape.n_vocab);
        rwkv4_state& st = checked(tokens, state);
        logprobs.assign(tokens.size(), 0.0);
        const auto t = static_cast<std::int64_t>(tokens.size());
        if (t > 0)
            run_chunk(tokens, state_rows::sequence(st, t), wkv_mode::sequence, {0, t}, {targets, logprobs.data()});
    }

    // The serial engine steps the sequences together: B rows per matmul.
    void forward_batch(std::span<const std::span<const std::int32_t>> tokens, std::span<engine_state* const> states,
                       std::span<const std::int64_t> logits_from, std::size_t rows,
                       std::vector<std::vector<float>>& out) override {
        if (!serial_) return engine::forward_batch(tokens, states, logits_from, rows, out);
        const auto fresh = [&] { return std::make_unique<rwkv4_state>(b_, w_->shape); };
        step_sequences<rwkv4_state>(
            tokens, states, logits_from, rows, w_->shape.n_vocab, "rwkv4", out, fresh,
            [&](std::vector<rwkv4_state*> st, std::span<const std::int32_t> ids, std::int64_t wanted, float* dst) {
                run_chunk(ids, state_rows::one_each(std::move(st)), wkv_mode::step, {0, wanted}, dst);
            });
    }

private:
    enum class wkv_mode { step, sequence };
    using state_rows = chunk_rows<rwkv4_state>;

    // The state as this engine's, every id inside the vocabulary.
    rwkv4_state& checked(std::span<const std::int32_t> tokens, engine_state& state) const {
        check_token_ids(tokens, w_->shape.n_vocab);
        return own_state<rwkv4_state>(state, "rwkv4");
    }

    void ensure_scratch(std::int64_t t) {
        if (t <= s_.capacity) return;
        const auto c = static_cast<std::size_t>(w_->shape.n_embd), f = static_cast<std::size_t>(w_->shape.n_ffn),
                   n = static_cast<std::size_t>(t);
        s_ = scratch{};
        s_.capacity = t;
        s_.ids = kernels::device_buffer(b_, n * 4);
        for (kernels::device_buffer* buf : {&s_.x, &s_.xx, &s_.kx, &s_.vx, &s_.rx, &s_.k, &s_.v, &s_.r, &s_.y})
            *buf = kernels::device_buffer(b_, n * c * 4);
        s_.hidden = kernels::device_buffer(b_, n * f * 4);
    }

    tensor_view vec(const kernels::device_buffer& buf) const { return buf.view(dtype::f32, {w_->shape.n_embd}); }
    tensor_view mat(const kernels::device_buffer& buf, std::int64_t rows, std::int64_t cols) const {
        return buf.view(w_->weight_type, {rows, cols});
    }
    // emb and head (f32 under a block format).
    tensor_view edge(const kernels::device_buffer& buf, std::int64_t rows, std::int64_t cols) const {
        return buf.view(w_->edge_type, {rows, cols});
    }
    tensor_view act(const kernels::device_buffer& buf, std::int64_t t, std::int64_t cols) const {
        return buf.view(dtype::f32, {t, cols});
    }

    // One chunk: `tokens` are the rows of `r` (one sequence's T tokens, or
    // one token each of B sequences); `head` the rows whose logits go to out.
    void run_chunk(std::span<const std::int32_t> tokens, const state_rows& r, wkv_mode wkv, row_span head,
                   const head_output& out) {
        const auto t = static_cast<std::int64_t>(tokens.size());
        const std::int64_t c = w_->shape.n_embd, f = w_->shape.n_ffn, v = w_->shape.n_vocab;
        ensure_scratch(t);
        b_.upload(s_.ids.data(), tokens.data(), tokens.size() * 4);
        const tensor_view x = act(s_.x, t, c), xx = act(s_.xx, t, c), kx = act(s_.kx, t, c), vx = act(s_.vx, t, c),
                          rx = act(s_.rx, t, c), k = act(s_.k, t, c), vv = act(s_.v, t, c), rr = act(s_.r, t, c),
                          y = act(s_.y, t, c), hidden = act(s_.hidden, t, f);
        const tensor_view none{};
        // Token shift of xx's rows into `mixed`, each run of rows after its state's slot.
        const auto shift = [&](std::int64_t l, std::int64_t slot, const kernels::device_buffer& mix,
                               const tensor_view& mixed) {
            r.each([&](rwkv4_state& st, std::int64_t first, std::int64_t n) {
                b_.token_shift(row_range(xx, first, n), st.slot_view(l, slot), vec(mix), row_range(mixed, first, n));
            });
        };
        // Each state keeps its last row of xx for the next token's shift.
        const auto keep_last = [&](std::int64_t l, std::int64_t slot) {
            r.each([&](rwkv4_state& st, std::int64_t first, std::int64_t n) {
                b_.copy(st.slot_view(l, slot).data, row_range(xx, first + n - 1, 1).data,
                        static_cast<std::size_t>(c) * 4);
            });
        };
        b_.embedding(edge(w_->emb, v, c), s_.ids.view(dtype::i32, {t}), x);
        for (std::int64_t l = 0; l < w_->shape.n_layer; ++l) {
            const auto& L = w_->layers[static_cast<std::size_t>(l)];
            // Time mixing (attention).
            b_.layernorm(x, vec(L.ln1_w), vec(L.ln1_b), layernorm_eps, xx);
            shift(l, att_xx, L.att_mix_k, kx);
            shift(l, att_xx, L.att_mix_v, vx);
            shift(l, att_xx, L.att_mix_r, rx);
            b_.matmul(kx, mat(L.att_key, c, c), none, k);
            b_.matmul(vx, mat(L.att_value, c, c), none, vv);
            b_.matmul(rx, mat(L.att_receptance, c, c), none, rr);
            b_.unary(op_kind::sigmoid, rr, rr);
            r.each([&](rwkv4_state& st, std::int64_t first, std::int64_t n) {
                const tensor_view ks = row_range(k, first, n), vs = row_range(vv, first, n),
                                  ys = row_range(y, first, n);
                if (wkv == wkv_mode::step)
                    b_.wkv_step(vec(L.att_decay), vec(L.att_first), ks, vs, st.slot_view(l, att_aa, 3), ys);
                else
                    b_.wkv_sequence(vec(L.att_decay), vec(L.att_first), ks, vs, st.slot_view(l, att_aa, 3), ys);
            });
            b_.binary(op_kind::mul, rr, y, y);
            b_.matmul(y, mat(L.att_output, c, c), none, k);  // k is free again: reuse as the output
            b_.binary(op_kind::add, x, k, x);
            keep_last(l, att_xx);
            // Channel mixing (feed-forward).
            b_.layernorm(x, vec(L.ln2_w), vec(L.ln2_b), layernorm_eps, xx);
            shift(l, ffn_xx, L.ffn_mix_k, kx);
            shift(l, ffn_xx, L.ffn_mix_r, rx);
            b_.matmul(rx, mat(L.ffn_receptance, c, c), none, rr);
            b_.unary(op_kind::sigmoid, rr, rr);
            b_.matmul(kx, mat(L.ffn_key, f, c), none, hidden);
            b_.unary(op_kind::squared_relu, hidden, hidden);
            b_.matmul(hidden, mat(L.ffn_value, c, f), none, y);
            b_.binary(op_kind::mul, rr, y, y);
            b_.binary(op_kind::add, x, y, x);
            keep_last(l, ffn_xx);
        }
        r.each([](rwkv4_state& st, std::int64_t, std::int64_t n) { st.advance(n); });
        if (head.count == 0) return;
        // Only the rows whose logits are wanted go through ln_out and the head.
        const tensor_view x_rows = row_range(x, head.first, head.count);
        const tensor_view xx_rows = act(s_.xx, head.count, c);
        b_.layernorm(x_rows, vec(w_->ln_out_w), vec(w_->ln_out_b), layernorm_eps, xx_rows);
        run_head(b_, xx_rows, edge(w_->head, v, c), out, s_.logits);
    }

    bool serial_;
    std::shared_ptr<const rwkv4_weights> w_;
    kernels::backend& b_;
    scratch s_;
};

}  // namespace

std::unique_ptr<engine> make_rwkv4_engine(bool serial, std::shared_ptr<const rwkv4_weights> weights, kernels::backend& b) {
    return std::make_unique<rwkv4_engine>(serial, std::move(weights), b);
}

}  // namespace engines
