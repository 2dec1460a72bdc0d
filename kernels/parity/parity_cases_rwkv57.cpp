// Parity cases of the RWKV v5.2 / v7 ops: odd sizes, T = 1 (the serial
// engines' step), the real head size 64, initial and mid-sequence states.
#include "case_builder.h"

namespace kernels::parity {
namespace {

float* floats(host_tensor& t) { return reinterpret_cast<float*>(t.bytes.data()); }

void add_unary57(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (op_kind kind : {op_kind::tanh, op_kind::silu}) {
        for (auto [rows, n] : {std::pair{1, 7}, {33, 768}}) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = std::string(op_name(kind)) + "[" + dims({{"rows", rows}, {"C", n}}) + "]";
            c.desc = {kind};
            c.make_tensors = [case_seed, rows = rows, n = n] {
                case_builder b(case_seed);
                return std::vector<host_tensor>{b.uniform({rows, n}, -6, 6), case_builder::poisoned({rows, n})};
            };
            c.outputs = {1};
            c.run = [kind](backend& be, const std::vector<tensor_view>& t) { be.unary(kind, t[0], t[1]); };
            c.min_atol = 1e-6;  // float libm vs double, a few ulp
            c.rtol = 1e-6;
            cases.push_back(std::move(c));
        }
    }
}

void add_lerps(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (auto [n_tokens, n] : {std::pair{1, 5}, {7, 64}, {33, 768}}) {
        for (bool shifted : {true, false}) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = std::string(shifted ? "token_lerp[" : "lerp[") + dims({{"T", n_tokens}, {"C", n}}) + "]";
            c.desc = {shifted ? op_kind::token_lerp : op_kind::lerp};
            c.make_tensors = [case_seed, shifted, t = n_tokens, n = n] {
                case_builder b(case_seed);
                if (shifted)
                    return std::vector<host_tensor>{b.uniform({t, n}), b.uniform({n}), b.uniform({n}, 0, 1),
                                                    case_builder::poisoned({t, n})};
                return std::vector<host_tensor>{b.uniform({t, n}), b.uniform({t, n}), b.uniform({t, n}, 0, 1),
                                                case_builder::poisoned({t, n})};
            };
            c.outputs = {3};
            c.run = [shifted](backend& be, const std::vector<tensor_view>& t) {
                if (shifted)
                    be.token_lerp(t[0], t[1], t[2], t[3]);
                else
                    be.lerp(t[0], t[1], t[2], t[3]);
            };
            c.min_atol = 2e-7;  // a few ulp of values <= 1
            cases.push_back(std::move(c));
        }
    }
}

void add_group_norm(std::vector<op_case>& cases, std::uint32_t& seed) {
    struct shape {
        int rows, n, groups;
    };
    for (const shape s : {shape{1, 64, 8}, {7, 64, 1}, {33, 768, 12}, {3, 130, 10}}) {
        const std::uint32_t case_seed = seed++;
        op_case c;
        c.name = "group_norm[" + dims({{"rows", s.rows}, {"C", s.n}, {"G", s.groups}}) + "]";
        c.desc = {op_kind::group_norm};
        c.make_tensors = [case_seed, s] {
            case_builder b(case_seed);
            return std::vector<host_tensor>{b.uniform({s.rows, s.n}, -3, 5), b.uniform({s.n}, 0.5f, 1.5f),
                                            b.uniform({s.n}), case_builder::poisoned({s.rows, s.n})};
        };
        c.outputs = {3};
        c.run = [groups = s.groups](backend& be, const std::vector<tensor_view>& t) {
            be.group_norm(t[0], t[1], t[2], groups, 64e-5f, t[3]);
        };
        c.min_atol = 1e-6;
        c.rtol = 4e-6;
        cases.push_back(std::move(c));
    }
}

struct head_shape {
    int n_tokens, heads, n;
    bool initial;
};

std::string head_case_name(const char* op, const head_shape& s) {
    return std::string(op) + "[" + dims({{"T", s.n_tokens}, {"H", s.heads}, {"N", s.n}}) +
           (s.initial ? ",initial" : ",midstream") + "]";
}

host_tensor head_state(case_builder& b, const head_shape& s) {
    host_tensor st = b.uniform({s.heads, s.n, s.n}, -1, 1);
    if (s.initial) std::fill(st.bytes.begin(), st.bytes.end(), 0);
    return st;
}

// N = 12: the CPU's general path (its vector path takes N a multiple of 8).
// T >= 32: whole chunks of the CPU's matrix form, and the tokens after them
// one at a time (T = 200: six chunks and eight tokens; T = 64: two chunks).
const head_shape head_shapes[] = {{1, 8, 8, true},    {1, 12, 64, false}, {33, 2, 64, false},
                                  {100, 3, 16, true}, {7, 3, 40, false},  {9, 2, 12, false},
                                  {200, 2, 64, false}, {64, 1, 8, false}};

// A recurrence over up to 200 tokens summed in another valid order (the
// chunked matrix form, other lane splits) lands a few times the float
// reference's own error from the truth: on some draws of the inputs more
// than the default "twice the float reference" (wkv7 T = 64: nmse 1.3e-13
// against 2 x 5e-14). 1e-12 is a relative rms error of 1e-6 (about 17 ulp);
// a wrong term or index gives 1e-4 or more, and the per-element bounds
// stand beside it.
constexpr double recurrence_min_nmse = 1e-12;

void add_wkv5(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (const head_shape& s : head_shapes) {
        const std::uint32_t case_seed = seed++;
        op_case c;
        c.name = head_case_name("wkv5", s);
        c.desc = {op_kind::wkv5};
        // decay = exp(-exp(w)) for w in [-5, 3): from 2e-9 to 0.993 per token.
        c.make_tensors = [case_seed, s] {
            case_builder b(case_seed);
            const std::int64_t t = s.n_tokens, ch = std::int64_t{s.heads} * s.n;
            host_tensor decay = b.uniform({ch}, -5, 3);
            for (std::int64_t i = 0; i < ch; ++i) floats(decay)[i] = std::exp(-std::exp(floats(decay)[i]));
            host_tensor r = b.uniform({t, ch}), k = b.uniform({t, ch}), v = b.uniform({t, ch});
            return std::vector<host_tensor>{std::move(r), std::move(k), std::move(v), std::move(decay),
                                            b.uniform({ch}), head_state(b, s), case_builder::poisoned({t, ch})};
        };
        c.outputs = {5, 6};
        c.run = [](backend& be, const std::vector<tensor_view>& t) { be.wkv5(t[0], t[1], t[2], t[3], t[4], t[5], t[6]); };
        c.min_atol = 2e-6;
        c.rtol = 1e-5;
        c.min_nmse = recurrence_min_nmse;
        cases.push_back(std::move(c));
    }
}

void add_wkv7(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (const head_shape& s : head_shapes) {
        const std::uint32_t case_seed = seed++;
        op_case c;
        c.name = head_case_name("wkv7", s);
        c.desc = {op_kind::wkv7};
        // kk unit length per head and a in [0, 1], as the model makes them:
        // the delta rule then keeps the state bounded over 200 tokens. Decay
        // logits in [-8, 8]: per-token decays from 0.9998 down to the floor
        // e^-0.606531, where the chunked form's e^{-g} factors are largest.
        c.make_tensors = [case_seed, s] {
            case_builder b(case_seed);
            const std::int64_t t = s.n_tokens, ch = std::int64_t{s.heads} * s.n;
            host_tensor r = b.uniform({t, ch}), w = b.uniform({t, ch}, -8, 8), k = b.uniform({t, ch}),
                        v = b.uniform({t, ch}), kk = b.uniform({t, ch}), a = b.uniform({t, ch}, 0, 1);
            for (std::int64_t p = 0; p < t * s.heads; ++p) {
                float* x = floats(kk) + p * s.n;
                double sq = 0;
                for (int j = 0; j < s.n; ++j) sq += double(x[j]) * x[j];
                for (int j = 0; j < s.n; ++j) x[j] = static_cast<float>(x[j] / std::sqrt(sq));
            }
            return std::vector<host_tensor>{std::move(r), std::move(w), std::move(k), std::move(v), std::move(kk),
                                            std::move(a), head_state(b, s), case_builder::poisoned({t, ch})};
        };
        c.outputs = {6, 7};
        c.run = [](backend& be, const std::vector<tensor_view>& t) {
            be.wkv7(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
        };
        c.min_atol = 4e-6;
        c.rtol = 1e-5;
        c.min_nmse = recurrence_min_nmse;
        cases.push_back(std::move(c));
    }
}

void add_rwkv7_keys_and_bonus(std::vector<op_case>& cases, std::uint32_t& seed) {
    struct shape {
        int n_tokens, c, head_size;
    };
    for (bool keys : {true, false}) {
        for (const shape s : {shape{1, 64, 64}, {33, 768, 64}, {5, 96, 32}}) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = std::string(keys ? "rwkv7_keys[" : "rwkv7_bonus[") +
                     dims({{"T", s.n_tokens}, {"C", s.c}, {"N", s.head_size}}) + "]";
            c.desc = {keys ? op_kind::rwkv7_keys : op_kind::rwkv7_bonus};
            c.make_tensors = [case_seed, s, keys] {
                case_builder b(case_seed);
                const std::int64_t t = s.n_tokens;
                if (keys)  // k, a, k_k, k_a, kk
                    return std::vector<host_tensor>{b.uniform({t, s.c}), b.uniform({t, s.c}, 0, 1),
                                                    b.uniform({s.c}, 0, 2), b.uniform({s.c}, 0, 1),
                                                    case_builder::poisoned({t, s.c})};
                // r, k, v, r_k, out (added to, so not poisoned)
                return std::vector<host_tensor>{b.uniform({t, s.c}), b.uniform({t, s.c}), b.uniform({t, s.c}),
                                                b.uniform({s.c / s.head_size, s.head_size}), b.uniform({t, s.c})};
            };
            c.outputs = keys ? std::vector<int>{0, 4} : std::vector<int>{4};
            c.run = [keys, n = s.head_size](backend& be, const std::vector<tensor_view>& t) {
                if (keys)
                    be.rwkv7_keys(t[0], t[1], t[2], t[3], n, t[4]);
                else
                    be.rwkv7_bonus(t[0], t[1], t[2], t[3], t[4]);
            };
            c.min_atol = 1e-6;
            c.rtol = 4e-6;
            cases.push_back(std::move(c));
        }
    }
}

}  // namespace

void add_rwkv57(std::vector<op_case>& cases, std::uint32_t& seed) {
    add_unary57(cases, seed);
    add_lerps(cases, seed);
    add_group_norm(cases, seed);
    add_wkv5(cases, seed);
    add_wkv7(cases, seed);
    add_rwkv7_keys_and_bonus(cases, seed);
}

}  // namespace kernels::parity
