// The table of op parity cases. Sizes are small and odd on purpose (T = 1,
// primes, non-multiples of the SIMD widths) plus a few of the real model
// shapes; inputs are uniform with a fixed seed per case.
#include <cmath>
#include <cstring>
#include <random>

#include "kernels/half_math.h"
#include "../common/wkv_math.h"
#include "kernels/parity.h"
#include "case_builder.h"
#include "kernels/quant.h"

namespace kernels::parity {
namespace {

const std::vector<dtype> weight_types = {dtype::f32, dtype::f16, dtype::bf16};

float load(const host_tensor& t, std::int64_t i) {
    if (is_quantized(t.type)) {  // the element's block, then the element
        const quant_format f = quant_format_of(t.type);
        float block[quant_block_weights];
        dequantize_block(f, t.bytes.data() + i / quant_block_weights * quant_block_bytes(f), block);
        return block[i % quant_block_weights];
    }
    if (t.type == dtype::f32) {
        float v;
        std::memcpy(&v, t.bytes.data() + 4 * i, 4);
        return v;
    }
    std::uint16_t h;
    std::memcpy(&h, t.bytes.data() + 2 * i, 2);
    return t.type == dtype::f16 ? f16_to_f32(h) : bf16_to_f32(h);
}

// Error analysis of out[t, n] = bias[n] + sum_k x[t, k] w[n, k] in float:
// each product and each partial sum s_k is rounded once, by a relative error
// of at most u = 2^-24; taken as independent and uniform (std u / sqrt 3),
// the error's standard deviation is u / sqrt(3) * sqrt(sum_k p_k^2 + s_k^2).
// Partial sums are taken in order; blocked and SIMD orders have smaller ones.
std::vector<double> matmul_rounding_sigma(const std::vector<host_tensor>& t) {
    const host_tensor &x = t[0], &w = t[1], &bias = t[2];
    const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1], n_out = w.shape[0];
    const double u_over_sqrt3 = std::ldexp(1.0, -24) / std::sqrt(3.0);
    std::vector<double> sigma(static_cast<std::size_t>(n_tokens * n_out));
    for (std::int64_t tok = 0; tok < n_tokens; ++tok) {
        for (std::int64_t n = 0; n < n_out; ++n) {
            double sum = 0, squares = 0;
            for (std::int64_t k = 0; k < n_in; ++k) {
                const double p = static_cast<double>(load(x, tok * n_in + k)) * load(w, n * n_in + k);
                sum += p;
                squares += p * p + sum * sum;
            }
            if (bias.numel() > 0) sum += load(bias, n), squares += sum * sum;
            sigma[static_cast<std::size_t>(tok * n_out + n)] = u_over_sqrt3 * std::sqrt(squares);
        }
    }
    return sigma;
}

void add_embedding(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (dtype wt : weight_types) {
        for (auto [n_tokens, n_vocab, n_embd] : {std::tuple{1, 7, 5}, {33, 256, 64}, {5, 50, 768}}) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = "embedding[" + dims({{"T", n_tokens}, {"V", n_vocab}, {"C", n_embd}}) + ",w=" +
                     std::string(dtype_name(wt)) + "]";
            c.desc = {op_kind::embedding, wt};
            c.make_tensors = [case_seed, wt, t = n_tokens, v = n_vocab, e = n_embd] {
                case_builder b(case_seed);
                return std::vector<host_tensor>{b.uniform({v, e}, -1, 1, wt), case_builder::i32({t}, b.random_ids(t, v)),
                                                case_builder::poisoned({t, e})};
            };
            c.outputs = {2};
            c.run = [](backend& be, const std::vector<tensor_view>& t) { be.embedding(t[0], t[1], t[2]); };
            cases.push_back(std::move(c));
        }
    }
}

void add_layernorm(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (auto [rows, n] : {std::pair{1, 7}, {3, 64}, {33, 768}, {2, 1000}}) {
        const std::uint32_t case_seed = seed++;
        op_case c;
        c.name = "layernorm[" + dims({{"rows", rows}, {"C", n}}) + "]";
        c.desc = {op_kind::layernorm};
        // An offset mean, as real activations have, so a one-pass variance would show.
        c.make_tensors = [case_seed, rows = rows, n = n] {
            case_builder b(case_seed);
            return std::vector<host_tensor>{b.uniform({rows, n}, 2, 4), b.uniform({n}, 0.5, 1.5),
                                            b.uniform({n}, -0.5, 0.5), case_builder::poisoned({rows, n})};
        };
        c.outputs = {3};
        c.run = [](backend& be, const std::vector<tensor_view>& t) { be.layernorm(t[0], t[1], t[2], 1e-5f, t[3]); };
        cases.push_back(std::move(c));
    }
}

// One matmul case: x [T, K] uniform, w [N, K] from `make_weights`, the
// optional bias, NaN-poisoned out; tolerances from the rounding analysis.
op_case matmul_case(std::uint32_t case_seed, dtype wt, int n_tokens, int n_in, int n_out, bool with_bias,
                    std::function<host_tensor(case_builder&, dtype, int, int)> make_weights) {
    op_case c;
    c.name = "matmul[" + dims({{"T", n_tokens}, {"K", n_in}, {"N", n_out}}) + ",w=" + std::string(dtype_name(wt)) +
             (with_bias ? ",bias" : "") + "]";
    c.desc = {op_kind::matmul, wt};
    c.make_tensors = [case_seed, wt, with_bias, t = n_tokens, k = n_in, n = n_out, make_weights] {
        case_builder b(case_seed);
        host_tensor x = b.uniform({t, k});
        host_tensor w = make_weights(b, wt, n, k);
        return std::vector<host_tensor>{std::move(x), std::move(w),
                                        with_bias ? b.uniform({n}) : host_tensor{dtype::f32, {0}, {}},
                                        case_builder::poisoned({t, n})};
    };
    c.rounding_sigma = matmul_rounding_sigma;
    c.outputs = {3};
    c.run = [with_bias](backend& be, const std::vector<tensor_view>& t) {
        be.matmul(t[0], t[1], with_bias ? t[2] : tensor_view{}, t[3]);
    };
    // Sums of K products of +-1 values: the float reference's error is
    // already the scale; the floor covers a lucky exact float sum.
    c.min_atol = 1e-6;
    c.min_nmse = 1e-14;
    return c;
}

void add_matmul(std::vector<op_case>& cases, std::uint32_t& seed) {
    // T <= 32 takes the CPU's decode paths (add_batched_matmul), larger T
    // the blocked/BLAS paths.
    const std::vector<std::tuple<int, int, int>> shapes = {
        {1, 64, 48}, {1, 65, 17}, {2, 33, 7}, {4, 768, 33}, {5, 64, 96}, {33, 130, 70}, {64, 256, 300}};
    const auto uniform_weights = [](case_builder& b, dtype wt, int n, int k) { return b.uniform({n, k}, -1, 1, wt); };
    for (dtype wt : weight_types)
        for (auto [n_tokens, n_in, n_out] : shapes)
            for (bool with_bias : {false, true}) {
                if (with_bias && n_tokens != 5 && n_tokens != 1) continue;  // bias is one add; two shapes suffice
                cases.push_back(matmul_case(seed++, wt, n_tokens, n_in, n_out, with_bias, uniform_weights));
            }
}

// Block-quantized weights (rwkv.cpp's formats): rows of whole 32-weight
// blocks; T <= 32 takes the CPU's block dot products, larger T its
// dequantize-and-sgemm path. The weights are uniform values quantized as
// rwkv.cpp's quantizer does.
host_tensor quantized_weights(case_builder& b, dtype wt, int n, int k) {
    const host_tensor values = b.uniform({n, k});
    host_tensor w{wt, {n, k}, std::vector<unsigned char>(static_cast<std::size_t>(storage_bytes(wt, n * k)))};
    quantize_row(quant_format_of(wt), reinterpret_cast<const float*>(values.bytes.data()), n * k, w.bytes.data());
    return w;
}

void add_quant_matmul(std::vector<op_case>& cases, std::uint32_t& seed) {
    const std::vector<std::tuple<int, int, int>> shapes = {{1, 64, 48}, {2, 96, 7}, {4, 768, 33}, {5, 64, 96}, {33, 128, 70}};
    for (dtype wt : {dtype::q4_0, dtype::q4_1, dtype::q5_0, dtype::q5_1, dtype::q8_0})
        for (auto [n_tokens, n_in, n_out] : shapes)
            cases.push_back(matmul_case(seed++, wt, n_tokens, n_in, n_out, n_tokens == 5, quantized_weights));
}

// A serial engine stepping several sequences: 13 tokens, which the CPU's
// decode kernels take 4 at a time over row blocks of 256 KiB, several per
// thread at these shapes. Last in the list, so the other cases keep their seeds.
void add_batched_matmul(std::vector<op_case>& cases, std::uint32_t& seed) {
    const auto uniform_weights = [](case_builder& b, dtype wt, int n, int k) { return b.uniform({n, k}, -1, 1, wt); };
    for (dtype wt : weight_types) cases.push_back(matmul_case(seed++, wt, 13, 512, 300, false, uniform_weights));
    for (dtype wt : {dtype::q4_0, dtype::q4_1, dtype::q5_0, dtype::q5_1, dtype::q8_0})
        cases.push_back(matmul_case(seed++, wt, 13, 512, 1000, false, quantized_weights));
}

// A long prefill: from chunked_sgemm_tokens_min tokens on, the CPU converts
// 16 MiB of weight rows at a time for one threaded sgemm each: f16 and a
// block format, one chunk each (1.5 s per ISA, so one format each; many
// chunks and a partial last one: blocked_sgemm_test.cpp). After the batched
// cases, so the others keep their seeds.
void add_long_prefill_matmul(std::vector<op_case>& cases, std::uint32_t& seed) {
    const auto uniform_weights = [](case_builder& b, dtype wt, int n, int k) { return b.uniform({n, k}, -1, 1, wt); };
    cases.push_back(matmul_case(seed++, dtype::f16, 256, 256, 4200, false, uniform_weights));
    cases.push_back(matmul_case(seed++, dtype::q4_1, 256, 64, 96, false, quantized_weights));
}

// Decode batches of 5-16 tokens on half-precision weights: CUDA's
// warp-per-row kernel at its 8- and 16-token instantiations (the batched
// cases above take T = 13), an odd K for the unaligned rows. Last, so the
// others keep their seeds.
void add_half_batch_matmul(std::vector<op_case>& cases, std::uint32_t& seed) {
    const auto uniform_weights = [](case_builder& b, dtype wt, int n, int k) { return b.uniform({n, k}, -1, 1, wt); };
    cases.push_back(matmul_case(seed++, dtype::f16, 7, 96, 40, true, uniform_weights));
    cases.push_back(matmul_case(seed++, dtype::bf16, 16, 131, 33, false, uniform_weights));
}

void add_token_shift(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (auto [n_tokens, n] : {std::pair{1, 5}, {7, 64}, {33, 768}}) {
        const std::uint32_t case_seed = seed++;
        op_case c;
        c.name = "token_shift[" + dims({{"T", n_tokens}, {"C", n}}) + "]";
        c.desc = {op_kind::token_shift};
        c.make_tensors = [case_seed, t = n_tokens, n = n] {
            case_builder b(case_seed);
            return std::vector<host_tensor>{b.uniform({t, n}), b.uniform({n}), b.uniform({n}, 0, 1),
                                            case_builder::poisoned({t, n})};
        };
        c.outputs = {3};
        c.run = [](backend& be, const std::vector<tensor_view>& t) { be.token_shift(t[0], t[1], t[2], t[3]); };
        // x*m + prev*(1-m) in float vs double: a few ulp of values <= 1.
        c.min_atol = 2e-7;
        cases.push_back(std::move(c));
    }
}

// State [3, C]: either the initial state or a mid-sequence one.
host_tensor wkv_state(case_builder& b, std::int64_t n, bool initial) {
    host_tensor s = b.uniform({3, n}, 0, 1);
    float* f = reinterpret_cast<float*>(s.bytes.data());
    for (std::int64_t c = 0; c < n; ++c) {
        if (initial) {
            f[c] = 0, f[n + c] = 0, f[2 * n + c] = wkv_initial_pp;
        } else {
            f[c] = 2 * f[c] - 1;      // aa in [-1, 1)
            f[n + c] += 0.1f;         // bb > 0
            f[2 * n + c] = 6 * f[2 * n + c] - 3;  // pp in [-3, 3)
        }
    }
    return s;
}

void add_wkv(std::vector<op_case>& cases, std::uint32_t& seed) {
    struct shape {
        int n_tokens, n;
        bool initial;
    };
    for (bool step : {true, false}) {
        const std::vector<shape> shapes =
            step ? std::vector<shape>{{1, 5, true}, {1, 64, false}, {1, 768, false}}
                 : std::vector<shape>{{1, 7, true}, {2, 64, false}, {33, 64, true}, {100, 130, false}, {1000, 33, true}};
        for (const shape& s : shapes) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = std::string(step ? "wkv_step[" : "wkv_sequence[") + dims({{"T", s.n_tokens}, {"C", s.n}}) +
                     (s.initial ? ",initial" : ",midstream") + "]";
            c.desc = {step ? op_kind::wkv_step : op_kind::wkv_sequence};
            // w = -exp(decay) for decay in [-3, 1); k spans a range where the
            // stable form matters (e^k up to e^8).
            c.make_tensors = [case_seed, s] {
                case_builder b(case_seed);
                host_tensor w = b.uniform({s.n}, -3, 1);
                for (std::int64_t i = 0; i < s.n; ++i) {
                    float* f = reinterpret_cast<float*>(w.bytes.data()) + i;
                    *f = -std::exp(*f);
                }
                return std::vector<host_tensor>{std::move(w),
                                                b.uniform({s.n}),
                                                b.uniform({s.n_tokens, s.n}, -8, 8),
                                                b.uniform({s.n_tokens, s.n}, -2, 2),
                                                wkv_state(b, s.n, s.initial),
                                                case_builder::poisoned({s.n_tokens, s.n})};
            };
            c.outputs = {4, 5};
            c.run = [step](backend& be, const std::vector<tensor_view>& t) {
                if (step)
                    be.wkv_step(t[0], t[1], t[2], t[3], t[4], t[5]);
                else
                    be.wkv_sequence(t[0], t[1], t[2], t[3], t[4], t[5]);
            };
            // expf (CPU libm, CUDA) and std::exp(float) may differ by an ulp;
            // outputs are weighted averages of values <= 2.
            c.min_atol = 1e-6;
            c.rtol = 4e-6;
            cases.push_back(std::move(c));
        }
    }
}

void add_unary(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (op_kind kind : {op_kind::sigmoid, op_kind::squared_relu, op_kind::gelu_erf, op_kind::gelu_tanh}) {
        for (auto [rows, n] : {std::pair{1, 1}, {3, 77}, {64, 3072}}) {
            for (bool in_place : {false, true}) {
                if (in_place && rows != 3) continue;
                const std::uint32_t case_seed = seed++;
                op_case c;
                c.name = std::string(op_name(kind)) + "[" + dims({{"rows", rows}, {"C", n}}) + (in_place ? ",in_place" : "") + "]";
                c.desc = {kind};
                c.make_tensors = [case_seed, rows = rows, n = n] {
                    case_builder b(case_seed);
                    return std::vector<host_tensor>{b.uniform({rows, n}, -6, 6), case_builder::poisoned({rows, n})};
                };
                c.outputs = in_place ? std::vector<int>{0} : std::vector<int>{1};
                c.run = [kind, in_place](backend& be, const std::vector<tensor_view>& t) {
                    be.unary(kind, t[0], in_place ? t[0] : t[1]);
                };
                // Per element: float libm (expf, erff, tanhf) vs double, a few ulp.
                c.min_atol = 1e-6;
                c.rtol = 1e-6;
                cases.push_back(std::move(c));
            }
        }
    }
}

void add_binary(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (op_kind kind : {op_kind::add, op_kind::mul}) {
        for (bool broadcast : {false, true}) {
            for (auto [rows, n] : {std::pair{1, 3}, {33, 65}}) {
                const std::uint32_t case_seed = seed++;
                op_case c;
                c.name = std::string(op_name(kind)) + "[" + dims({{"rows", rows}, {"C", n}}) + (broadcast ? ",broadcast" : "") + "]";
                c.desc = {kind};
                c.make_tensors = [case_seed, broadcast, rows = rows, n = n] {
                    case_builder b(case_seed);
                    host_tensor a = b.uniform({rows, n});  // drawn first, as the table always has
                    return std::vector<host_tensor>{std::move(a), broadcast ? b.uniform({n}) : b.uniform({rows, n}),
                                                    case_builder::poisoned({rows, n})};
                };
                c.outputs = {2};
                c.run = [kind](backend& be, const std::vector<tensor_view>& t) { be.binary(kind, t[0], t[1], t[2]); };
                cases.push_back(std::move(c));
            }
        }
    }
}

void add_softmax(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (op_kind kind : {op_kind::softmax, op_kind::log_softmax}) {
        for (auto [rows, n] : {std::pair{1, 1}, {3, 257}, {2, 50277}}) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = std::string(op_name(kind)) + "[" + dims({{"rows", rows}, {"V", n}}) + "]";
            c.desc = {kind};
            c.make_tensors = [case_seed, rows = rows, n = n] {
                case_builder b(case_seed);
                return std::vector<host_tensor>{b.uniform({rows, n}, -10, 10), case_builder::poisoned({rows, n})};
            };
            c.outputs = {1};
            c.run = [kind](backend& be, const std::vector<tensor_view>& t) { be.row_softmax(kind, t[0], t[1]); };
            c.min_atol = 1e-6;
            c.rtol = 4e-6;
            cases.push_back(std::move(c));
        }
    }
}

void add_argmax(std::vector<op_case>& cases, std::uint32_t& seed) {
    for (auto [rows, n] : {std::pair{1, 1}, {5, 257}, {2, 50277}}) {
        const std::uint32_t case_seed = seed++;
        op_case c;
        c.name = "argmax[" + dims({{"rows", rows}, {"V", n}}) + "]";
        c.desc = {op_kind::argmax};
        c.make_tensors = [case_seed, rows = rows, n = n] {
            case_builder b(case_seed);
            return std::vector<host_tensor>{b.uniform({rows, n}),
                                            case_builder::i32({rows}, std::vector<std::int32_t>(rows, -1))};
        };
        c.outputs = {1};
        c.run = [](backend& be, const std::vector<tensor_view>& t) { be.argmax(t[0], t[1]); };
        cases.push_back(std::move(c));
    }
    // Ties: the first index wins (torch and numpy agree).
    const std::uint32_t case_seed = seed++;
    op_case c;
    c.name = "argmax[rows=2,V=300,ties]";
    c.desc = {op_kind::argmax};
    c.make_tensors = [case_seed] {
        case_builder b(case_seed);
        host_tensor x = b.uniform({2, 300}, -1, 0.5f);
        float* f = reinterpret_cast<float*>(x.bytes.data());
        f[17] = f[200] = f[299] = 1.0f;
        f[300 + 3] = f[300 + 4] = 1.0f;
        return std::vector<host_tensor>{std::move(x), case_builder::i32({2}, {-1, -1})};
    };
    c.outputs = {1};
    c.run = [](backend& be, const std::vector<tensor_view>& t) { be.argmax(t[0], t[1]); };
    cases.push_back(std::move(c));
}

void add_rotary(std::vector<op_case>& cases, std::uint32_t& seed) {
    struct shape {
        int n_tokens, n_heads, head_dim, n_rot, pos0;
    };
    for (const shape& s : {shape{1, 1, 8, 8, 0}, {3, 5, 16, 4, 7}, {33, 4, 64, 16, 0}, {2, 12, 64, 16, 2040}, {7, 3, 80, 20, 100}}) {
        for (bool in_place : {false, true}) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = "rotary[" + dims({{"T", s.n_tokens}, {"H", s.n_heads}, {"D", s.head_dim}, {"rot", s.n_rot}, {"pos0", s.pos0}}) +
                     (in_place ? ",in_place" : "") + "]";
            c.desc = {op_kind::rotary};
            c.make_tensors = [case_seed, s] {
                case_builder b(case_seed);
                return std::vector<host_tensor>{b.uniform({s.n_tokens, s.n_heads, s.head_dim}),
                                                case_builder::poisoned({s.n_tokens, s.n_heads, s.head_dim})};
            };
            c.outputs = in_place ? std::vector<int>{0} : std::vector<int>{1};
            const rotary_params p{s.pos0, s.n_rot, 10000.0f};
            c.run = [p, in_place](backend& be, const std::vector<tensor_view>& t) {
                be.rotary(t[0], p, in_place ? t[0] : t[1]);
            };
            // cosf/sinf of angles up to ~2000 rad vs double cos/sin of the same float angle.
            c.min_atol = 1e-6;
            c.rtol = 1e-6;
            cases.push_back(std::move(c));
        }
    }
}

void add_attention(std::vector<op_case>& cases, std::uint32_t& seed) {
    struct shape {
        int n_tokens, n_heads, head_dim, n_past, capacity;
    };
    const std::vector<shape> shapes = {{1, 1, 8, 0, 1},    {1, 3, 64, 40, 50},  {7, 2, 16, 0, 7},
                                       {33, 3, 80, 5, 40}, {5, 4, 64, 100, 128}, {70, 2, 32, 0, 80},
                                       // several query and key tiles of the fused CPU kernel (64 x 256)
                                       {300, 1, 16, 0, 300}, {1, 2, 64, 600, 601},
                                       // long contexts: decode over >= 4k keys split across blocks (CUDA) or
                                       // threads, split lengths not multiples of any tile; a prefill chunk
                                       // deep into the cache.
                                       {1, 2, 64, 8190, 8200}, {3, 1, 80, 4097, 4100}, {65, 2, 64, 4000, 4065},
                                       // the CPU decode's widest step: 4 queries x 12 heads, a block edge
                                       // (64 keys) inside the causal tail
                                       {4, 12, 64, 1999, 2003},
                                       // CUDA's tiled prefill at its widest head and at its threshold (16
                                       // queries), and a head too wide for it (the split kernel takes it)
                                       {40, 2, 128, 3, 43}, {16, 4, 64, 100, 116}, {20, 1, 160, 0, 20},
                                       // the CPU decode's head sizes: compiled in (64 above, 80, 128),
                                       // vector-wide but not compiled in (48), and with a scalar tail (20)
                                       {2, 3, 80, 700, 702}, {2, 2, 128, 700, 702}, {1, 3, 48, 300, 301},
                                       {3, 2, 20, 520, 523}};
    for (attention_variant v : {attention_variant::naive, attention_variant::fused}) {
        for (const shape& s : shapes) {
            const std::uint32_t case_seed = seed++;
            op_case c;
            c.name = "attention[" + dims({{"T", s.n_tokens}, {"H", s.n_heads}, {"D", s.head_dim}, {"past", s.n_past}, {"cap", s.capacity}}) +
                     "," + std::string(attention_variant_name(v)) + "]";
            c.desc = {op_kind::attention, dtype::f32, v};
            c.make_tensors = [case_seed, s] {
                case_builder b(case_seed);
                host_tensor q = b.uniform({s.n_tokens, s.n_heads, s.head_dim});
                host_tensor k = b.uniform({s.capacity, s.n_heads, s.head_dim});
                return std::vector<host_tensor>{std::move(q), std::move(k), b.uniform({s.capacity, s.n_heads, s.head_dim}),
                                                case_builder::poisoned({s.n_tokens, s.n_heads, s.head_dim})};
            };
            c.outputs = {3};
            const attention_params p{s.n_past, 1.0f / std::sqrt(static_cast<float>(s.head_dim)), v};
            c.run = [p](backend& be, const std::vector<tensor_view>& t) { be.attention(t[0], t[1], t[2], p, t[3]); };
            // Weighted means of values in [-1, 1): absolute error ~ float eps.
            c.min_atol = 1e-6;
            cases.push_back(std::move(c));
        }
    }
}

}  // namespace

std::vector<op_case> all_cases() {
    std::vector<op_case> cases;
    std::uint32_t seed = 1234;
    add_embedding(cases, seed);
    add_layernorm(cases, seed);
    add_matmul(cases, seed);
    add_token_shift(cases, seed);
    add_wkv(cases, seed);
    add_unary(cases, seed);
    add_binary(cases, seed);
    add_softmax(cases, seed);
    add_argmax(cases, seed);
    add_rotary(cases, seed);
    add_attention(cases, seed);
    add_rwkv57(cases, seed);
    add_quant_matmul(cases, seed);
    add_batched_matmul(cases, seed);
    add_long_prefill_matmul(cases, seed);
    add_half_batch_matmul(cases, seed);
    return cases;
}

}  // namespace kernels::parity
