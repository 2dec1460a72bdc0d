// Shape and dtype rules shared by every backend and the reference.
#include "kernels/ops.h"

#include <type_traits>

#include "harness/errors.h"

namespace kernels {
namespace {

[[noreturn]] void fail(op_kind kind, const std::string& what) {
    throw harness::unsupported_error(std::string(op_name(kind)) + ": " + what);
}

// The message is built only when the check fails: these checks run for every
// op call, and formatting shapes into strings each time cost more than a
// small model's whole token step.
template <class Message>
void expect(bool ok, op_kind kind, Message&& what) {
    if (ok) return;
    if constexpr (std::is_invocable_v<Message>)
        fail(kind, what());
    else
        fail(kind, std::string(what));
}

// A dense tensor of the given dtype on one device with no zero-size dims.
void expect_dense(const tensor_view& t, op_kind kind, const char* name, dtype type) {
    expect(!t.empty(), kind, [&] { return std::string(name) + " is empty"; });
    expect(t.type == type, kind, [&] {
        return std::string(name) + " is " + t.describe() + ", expected dtype " + std::string(dtype_name(type));
    });
    expect(t.is_contiguous(), kind, [&] { return std::string(name) + " must be contiguous"; });
    expect(t.numel() > 0, kind, [&] { return std::string(name) + " has no elements"; });
}

void expect_same_shape(const tensor_view& a, const tensor_view& b, op_kind kind, const char* what) {
    bool same = a.n_dims == b.n_dims;
    for (int i = 0; same && i < a.n_dims; ++i) same = a.shape[i] == b.shape[i];
    expect(same, kind, [&] { return std::string(what) + ": " + a.describe() + " vs " + b.describe(); });
}

void expect_same_device(op_kind kind, std::initializer_list<const tensor_view*> ts) {
    const tensor_view* first = nullptr;
    for (const tensor_view* t : ts) {
        if (t->empty()) continue;
        if (!first) first = t;
        expect(t->device == first->device, kind, "tensors on different devices");
    }
}

bool is_weight_dtype(dtype t) { return t == dtype::f32 || t == dtype::f16 || t == dtype::bf16; }

}  // namespace

std::string_view attention_variant_name(attention_variant v) {
    return v == attention_variant::naive ? "naive" : "fused";
}

void check_embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out) {
    const op_kind k = op_kind::embedding;
    expect(!table.empty() && is_weight_dtype(table.type) && table.n_dims == 2 && table.is_contiguous(), k,
           [&] { return "table must be a contiguous f32/f16/bf16 matrix [V, C], got " + table.describe(); });
    expect_dense(ids, k, "ids", dtype::i32);
    expect(ids.n_dims == 1, k, [&] { return "ids must be [T], got " + ids.describe(); });
    expect_dense(out, k, "out", dtype::f32);
    expect(out.n_dims == 2 && out.shape[0] == ids.shape[0] && out.shape[1] == table.shape[1], k, [&] {
        return "out must be [T, C] = [" + std::to_string(ids.shape[0]) + "," + std::to_string(table.shape[1]) +
               "], got " + out.describe();
    });
    expect_same_device(k, {&table, &ids, &out});
}

void check_layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, const tensor_view& out) {
    const op_kind k = op_kind::layernorm;
    expect_dense(x, k, "x", dtype::f32);
    expect_dense(weight, k, "weight", dtype::f32);
    expect_dense(bias, k, "bias", dtype::f32);
    expect_dense(out, k, "out", dtype::f32);
    expect_same_shape(x, out, k, "x and out differ");
    const std::int64_t c = x.dim_from_end(0);
    expect(weight.numel() == c && bias.numel() == c, k,
           [&] { return "weight and bias must have " + std::to_string(c) + " elements"; });
    expect_same_device(k, {&x, &weight, &bias, &out});
}

void check_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias, const tensor_view& out) {
    const op_kind k = op_kind::matmul;
    expect_dense(x, k, "x", dtype::f32);
    expect(x.n_dims == 2, k, [&] { return "x must be [T, K], got " + x.describe(); });
    expect(!w.empty() && (is_weight_dtype(w.type) || is_quantized(w.type)) && w.n_dims == 2 && w.is_contiguous(), k,
           [&] { return "w must be a contiguous f32/f16/bf16/q* matrix [N, K], got " + w.describe(); });
    expect(w.shape[1] == x.shape[1], k, [&] { return "inner dims differ: x " + x.describe() + ", w " + w.describe(); });
    expect(!is_quantized(w.type) || w.shape[1] % 32 == 0, k,
           [&] { return "a block-quantized w needs rows of whole 32-weight blocks, got " + w.describe(); });
    expect_dense(out, k, "out", dtype::f32);
    expect(out.n_dims == 2 && out.shape[0] == x.shape[0] && out.shape[1] == w.shape[0], k,
           [&] { return "out must be [T, N], got " + out.describe(); });
    if (!bias.empty()) {
        expect_dense(bias, k, "bias", dtype::f32);
        expect(bias.numel() == w.shape[0], k,
               [&] { return "bias must have N = " + std::to_string(w.shape[0]) + " elements"; });
    }
    expect_same_device(k, {&x, &w, &bias, &out});
}

void check_token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                       const tensor_view& out) {
    const op_kind k = op_kind::token_shift;
    expect_dense(x, k, "x", dtype::f32);
    expect(x.n_dims == 2, k, [&] { return "x must be [T, C], got " + x.describe(); });
    expect_dense(x_prev, k, "x_prev", dtype::f32);
    expect_dense(mix, k, "mix", dtype::f32);
    expect_dense(out, k, "out", dtype::f32);
    expect_same_shape(x, out, k, "x and out differ");
    expect(x_prev.numel() == x.shape[1] && mix.numel() == x.shape[1], k, "x_prev and mix must have C elements");
    expect(out.data != x.data, k, "out may not alias x (row t reads row t-1)");
    expect_same_device(k, {&x, &x_prev, &mix, &out});
}

void check_wkv(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
               const tensor_view& state, const tensor_view& out) {
    const op_kind kind = op_kind::wkv_sequence;
    expect_dense(k, kind, "k", dtype::f32);
    expect_dense(v, kind, "v", dtype::f32);
    expect_dense(out, kind, "out", dtype::f32);
    expect_same_shape(k, v, kind, "k and v differ");
    expect_same_shape(k, out, kind, "k and out differ");
    const std::int64_t c = k.dim_from_end(0);
    expect_dense(w, kind, "w", dtype::f32);
    expect_dense(u, kind, "u", dtype::f32);
    expect(w.numel() == c && u.numel() == c, kind,
           [&] { return "w and u must have C = " + std::to_string(c) + " elements"; });
    expect_dense(state, kind, "state", dtype::f32);
    expect(state.numel() == 3 * c, kind, [&] { return "state must be [3, C] (aa, bb, pp), got " + state.describe(); });
    expect_same_device(kind, {&w, &u, &k, &v, &state, &out});
}

void check_unary(op_kind kind, const tensor_view& x, const tensor_view& out) {
    expect(kind == op_kind::sigmoid || kind == op_kind::squared_relu || kind == op_kind::gelu_erf ||
               kind == op_kind::gelu_tanh || kind == op_kind::tanh || kind == op_kind::silu,
           kind, "not a unary op");
    expect_dense(x, kind, "x", dtype::f32);
    expect_dense(out, kind, "out", dtype::f32);
    expect_same_shape(x, out, kind, "x and out differ");
    expect_same_device(kind, {&x, &out});
}

void check_binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out) {
    expect(kind == op_kind::add || kind == op_kind::mul, kind, "not a binary op");
    expect_dense(a, kind, "a", dtype::f32);
    expect_dense(b, kind, "b", dtype::f32);
    expect_dense(out, kind, "out", dtype::f32);
    expect_same_shape(a, out, kind, "a and out differ");
    expect(b.numel() == a.numel() || b.numel() == a.dim_from_end(0), kind,
           [&] { return "b must have a's shape or be one row of " + std::to_string(a.dim_from_end(0)); });
    expect_same_device(kind, {&a, &b, &out});
}

void check_row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out) {
    expect(kind == op_kind::softmax || kind == op_kind::log_softmax, kind, "not a softmax op");
    expect_dense(x, kind, "x", dtype::f32);
    expect_dense(out, kind, "out", dtype::f32);
    expect_same_shape(x, out, kind, "x and out differ");
    expect_same_device(kind, {&x, &out});
}

void check_argmax(const tensor_view& x, const tensor_view& out) {
    const op_kind k = op_kind::argmax;
    expect_dense(x, k, "x", dtype::f32);
    expect_dense(out, k, "out", dtype::i32);
    expect(out.numel() == x.rows(), k, "out must have one element per row of x");
    expect_same_device(k, {&x, &out});
}

void check_rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out) {
    const op_kind k = op_kind::rotary;
    expect_dense(x, k, "x", dtype::f32);
    expect(x.n_dims == 3, k, [&] { return "x must be [T, H, D], got " + x.describe(); });
    expect_dense(out, k, "out", dtype::f32);
    expect_same_shape(x, out, k, "x and out differ");
    expect(p.n_rot > 0 && p.n_rot % 2 == 0 && p.n_rot <= x.shape[2], k,
           [&] { return "n_rot must be even and in 2..head_dim, got " + std::to_string(p.n_rot); });
    expect(p.pos0 >= 0, k, "pos0 must be >= 0");
    expect_same_device(k, {&x, &out});
}

void check_attention(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                     const attention_params& p, const tensor_view& out) {
    const op_kind k = op_kind::attention;
    expect_dense(q, k, "q", dtype::f32);
    expect(q.n_dims == 3, k, [&] { return "q must be [T, H, D], got " + q.describe(); });
    expect_dense(out, k, "out", dtype::f32);
    expect_same_shape(q, out, k, "q and out differ");
    expect(out.data != q.data, k, "out may not alias q");
    expect_dense(k_cache, k, "k_cache", dtype::f32);
    expect_dense(v_cache, k, "v_cache", dtype::f32);
    expect_same_shape(k_cache, v_cache, k, "k_cache and v_cache differ");
    expect(k_cache.n_dims == 3 && k_cache.shape[1] == q.shape[1] && k_cache.shape[2] == q.shape[2], k,
           [&] { return "caches must be [capacity, H, D] with q's H and D, got " + k_cache.describe(); });
    expect(p.n_past >= 0 && p.n_past + q.shape[0] <= k_cache.shape[0], k, [&] {
        return "n_past + T = " + std::to_string(p.n_past + q.shape[0]) + " exceeds the cache capacity " +
               std::to_string(k_cache.shape[0]);
    });
    expect_same_device(k, {&q, &k_cache, &v_cache, &out});
}

namespace {

// [T, C] activations of one shape, on one device.
void expect_rows(op_kind kind, std::initializer_list<std::pair<const char*, const tensor_view*>> ts) {
    const tensor_view* first = nullptr;
    for (const auto& entry : ts) {
        const char* name = entry.first;  // (clang 14 cannot capture structured bindings)
        const tensor_view* t = entry.second;
        expect_dense(*t, kind, name, dtype::f32);
        expect(t->n_dims == 2, kind, [&] { return std::string(name) + " must be [T, C], got " + t->describe(); });
        if (!first) first = t;
        expect_same_shape(*first, *t, kind, "activations differ");
        expect_same_device(kind, {first, t});
    }
}

void expect_vector(op_kind kind, const char* name, const tensor_view& t, std::int64_t n, const tensor_view& like) {
    expect_dense(t, kind, name, dtype::f32);
    expect(t.numel() == n, kind, [&] { return std::string(name) + " must have " + std::to_string(n) + " elements, got " +
                                              t.describe(); });
    expect_same_device(kind, {&t, &like});
}

// [H, N, N] with H * N = c.
void expect_head_state(op_kind kind, const tensor_view& state, std::int64_t c) {
    expect_dense(state, kind, "state", dtype::f32);
    expect(state.n_dims == 3 && state.shape[1] == state.shape[2] && state.shape[0] * state.shape[1] == c, kind,
           [&] { return "state must be [H, N, N] with H * N = C = " + std::to_string(c) + ", got " + state.describe(); });
}

}  // namespace

void check_token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix, const tensor_view& out) {
    const op_kind k = op_kind::token_lerp;
    expect_rows(k, {{"x", &x}, {"out", &out}});
    expect_vector(k, "x_prev", x_prev, x.shape[1], x);
    expect_vector(k, "mix", mix, x.shape[1], x);
    expect(out.data != x.data, k, "out may not alias x (row t reads row t-1)");
}

void check_lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out) {
    expect_rows(op_kind::lerp, {{"a", &a}, {"b", &b}, {"t", &t}, {"out", &out}});
}

void check_group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, std::int64_t n_groups,
                      const tensor_view& out) {
    const op_kind k = op_kind::group_norm;
    expect_rows(k, {{"x", &x}, {"out", &out}});
    const std::int64_t c = x.shape[1];
    expect(n_groups > 0 && c % n_groups == 0, k,
           [&] { return std::to_string(n_groups) + " groups do not divide C = " + std::to_string(c); });
    expect_vector(k, "weight", weight, c, x);
    expect_vector(k, "bias", bias, c, x);
}

void check_wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
                const tensor_view& bonus, const tensor_view& state, const tensor_view& out) {
    const op_kind kind = op_kind::wkv5;
    expect_rows(kind, {{"r", &r}, {"k", &k}, {"v", &v}, {"out", &out}});
    const std::int64_t c = r.shape[1];
    expect_vector(kind, "decay", decay, c, r);
    expect_vector(kind, "bonus", bonus, c, r);
    expect_head_state(kind, state, c);
    expect_same_device(kind, {&r, &state});
}

void check_wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
                const tensor_view& kk, const tensor_view& a, const tensor_view& state, const tensor_view& out) {
    const op_kind kind = op_kind::wkv7;
    expect_rows(kind, {{"r", &r}, {"w", &w}, {"k", &k}, {"v", &v}, {"kk", &kk}, {"a", &a}, {"out", &out}});
    expect_head_state(kind, state, r.shape[1]);
    expect_same_device(kind, {&r, &state});
}

void check_rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k, const tensor_view& k_a,
                      std::int64_t head_size, const tensor_view& kk) {
    const op_kind kind = op_kind::rwkv7_keys;
    expect_rows(kind, {{"k", &k}, {"a", &a}, {"kk", &kk}});
    const std::int64_t c = k.shape[1];
    expect(head_size > 0 && c % head_size == 0, kind,
           [&] { return "head size " + std::to_string(head_size) + " does not divide C = " + std::to_string(c); });
    expect_vector(kind, "k_k", k_k, c, k);
    expect_vector(kind, "k_a", k_a, c, k);
    expect(kk.data != k.data && kk.data != a.data, kind, "kk may not alias k or a");
}

void check_rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& r_k,
                       const tensor_view& out) {
    const op_kind kind = op_kind::rwkv7_bonus;
    expect_rows(kind, {{"r", &r}, {"k", &k}, {"v", &v}, {"out", &out}});
    expect_dense(r_k, kind, "r_k", dtype::f32);
    expect(r_k.n_dims == 2 && r_k.numel() == r.shape[1], kind,
           [&] { return "r_k must be [H, N] with H * N = C, got " + r_k.describe(); });
    expect_same_device(kind, {&r, &r_k});
}

}  // namespace kernels
