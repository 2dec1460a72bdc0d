// The reference as a backend: host memory, every op, no speed.
#include <cstdlib>
#include <cstring>

#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/ref.h"

namespace kernels::ref {
namespace {

template <class acc>
class ref_backend final : public backend {
public:
    std::string_view name() const override { return sizeof(acc) == sizeof(double) ? "ref" : "ref-f32"; }
    device_kind device() const override { return device_kind::cpu; }
    bool supports(const op_desc&) const override { return true; }

    void* alloc(std::size_t bytes) override {
        void* p = std::malloc(bytes == 0 ? 1 : bytes);
        if (!p) throw harness::backend_error("malloc", __FILE__, __LINE__, "out of host memory");
        return p;
    }
    void free(void* p) override { std::free(p); }
    // An empty tensor may come with a null pointer, which memcpy must never see (UBSan).
    void upload(void* dst, const void* src, std::size_t bytes) override {
        if (bytes) std::memcpy(dst, src, bytes);
    }
    void download(void* dst, const void* src, std::size_t bytes) override {
        if (bytes) std::memcpy(dst, src, bytes);
    }
    void fill_bytes(void* dst, unsigned char value, std::size_t bytes) override {
        if (bytes) std::memset(dst, value, bytes);
    }
    void copy(void* dst, const void* src, std::size_t bytes) override {
        if (bytes) std::memcpy(dst, src, bytes);
    }
    void synchronize() override {}

    void embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out) override {
        ref::embedding<acc>(table, ids, out);
    }
    void layernorm(const tensor_view& x, const tensor_view& w, const tensor_view& b, float eps,
                   const tensor_view& out) override {
        ref::layernorm<acc>(x, w, b, eps, out);
    }
    void matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias, const tensor_view& out) override {
        ref::matmul<acc>(x, w, bias, out);
    }
    void token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                     const tensor_view& out) override {
        ref::token_shift<acc>(x, x_prev, mix, out);
    }
    void wkv_step(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                  const tensor_view& state, const tensor_view& out) override {
        if (k.rows() != 1) throw harness::unsupported_error("wkv_step: expected one token, got " + k.describe());
        ref::wkv_sequence<acc>(w, u, k, v, state, out);
    }
    void wkv_sequence(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                      const tensor_view& state, const tensor_view& out) override {
        ref::wkv_sequence<acc>(w, u, k, v, state, out);
    }
    void unary(op_kind kind, const tensor_view& x, const tensor_view& out) override { ref::unary<acc>(kind, x, out); }
    void binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out) override {
        ref::binary<acc>(kind, a, b, out);
    }
    void row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out) override {
        ref::row_softmax<acc>(kind, x, out);
    }
    void argmax(const tensor_view& x, const tensor_view& out) override { ref::argmax<acc>(x, out); }
    void rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out) override {
        ref::rotary<acc>(x, p, out);
    }
    void attention(const tensor_view& q, const tensor_view& k, const tensor_view& v, const attention_params& p,
                   const tensor_view& out) override {
        ref::attention<acc>(q, k, v, p, out);
    }
    void token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                    const tensor_view& out) override {
        ref::token_lerp<acc>(x, x_prev, mix, out);
    }
    void lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out) override {
        ref::lerp<acc>(a, b, t, out);
    }
    void group_norm(const tensor_view& x, const tensor_view& w, const tensor_view& b, std::int64_t n_groups, float eps,
                    const tensor_view& out) override {
        ref::group_norm<acc>(x, w, b, n_groups, eps, out);
    }
    void wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
              const tensor_view& bonus, const tensor_view& state, const tensor_view& out) override {
        ref::wkv5<acc>(r, k, v, decay, bonus, state, out);
    }
    void wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
              const tensor_view& kk, const tensor_view& a, const tensor_view& state, const tensor_view& out) override {
        ref::wkv7<acc>(r, w, k, v, kk, a, state, out);
    }
    void rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k, const tensor_view& k_a,
                    std::int64_t head_size, const tensor_view& kk) override {
        ref::rwkv7_keys<acc>(k, a, k_k, k_a, head_size, kk);
    }
    void rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& r_k,
                     const tensor_view& out) override {
        ref::rwkv7_bonus<acc>(r, k, v, r_k, out);
    }
};

}  // namespace

std::unique_ptr<backend> make_ref_backend(bool double_accumulators) {
    if (double_accumulators) return std::make_unique<ref_backend<double>>();
    return std::make_unique<ref_backend<float>>();
}

}  // namespace kernels::ref
