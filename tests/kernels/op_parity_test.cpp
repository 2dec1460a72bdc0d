// Every op parity case (kernels/parity) on every backend of one device kind
// (PARITY_DEVICE: "cpu" runs each CPU ISA this machine has; "cuda" runs the
// CUDA backend or skips with the reason). Test names read
// OpParity/matmul_T_33_K_130_N_70_w_bf16__cpu_avx512.
#include <gtest/gtest.h>

#include <set>

#include "kernels/parity.h"

namespace {

using kernels::parity::all_cases;

struct param {
    std::size_t case_index;
    std::string backend;  // "cpu/avx512", "cuda"
};

// Shown by ctest instead of the raw bytes of the struct.
void PrintTo(const param& p, std::ostream* os) { *os << p.backend << " #" << p.case_index; }

std::vector<std::string> backend_names() {
    if (std::string(PARITY_DEVICE) == "cuda") return {"cuda"};
    std::vector<std::string> names;
    for (const char* isa : {"scalar", "avx2", "avx512", "avx512_bf16"}) names.push_back(std::string("cpu/") + isa);
    return names;
}

std::vector<param> all_params() {
    std::vector<param> params;
    const std::size_t n = all_cases().size();
    for (const std::string& b : backend_names())
        for (std::size_t i = 0; i < n; ++i) params.push_back({i, b});
    return params;
}

const std::vector<kernels::parity::op_case>& cases() {
    static const auto c = all_cases();
    return c;
}

std::string test_name(const testing::TestParamInfo<param>& info) {
    std::string s = cases()[info.param.case_index].name + "__" + info.param.backend;
    for (char& ch : s)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
}

class OpParity : public testing::TestWithParam<param> {};

TEST_P(OpParity, MatchesReference) {
    const param& p = GetParam();
    std::vector<std::string> skipped;
    const auto backends = kernels::parity::testable_backends(&skipped);
    const kernels::parity::named_backend* found = nullptr;
    for (const auto& b : backends)
        if (b.name == p.backend) found = &b;
    if (!found) {
        for (const std::string& why : skipped)
            if (why.rfind(p.backend + ":", 0) == 0) GTEST_SKIP() << why;
        GTEST_SKIP() << p.backend << " is not available";
    }
    auto b = found->make();
    const auto& c = cases()[p.case_index];
    const auto r = kernels::parity::run_case(c, *b);
    if (!r.supported) GTEST_SKIP() << r.message;
    EXPECT_TRUE(r.passed) << c.name << " on " << p.backend << ": " << r.message;
    RecordProperty("nmse", std::to_string(r.nmse));
    RecordProperty("allowed_nmse", std::to_string(r.allowed_nmse));
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpParity, testing::ValuesIn(all_params()), test_name);

// A new op_kind without a parity case fails here (the --show-coverage of ggml).
TEST(OpParityCoverage, EveryOpHasACase) {
    std::set<kernels::op_kind> covered;
    for (const auto& c : cases()) covered.insert(c.desc.kind);
    for (int k = 0; k < kernels::op_count; ++k)
        EXPECT_TRUE(covered.count(static_cast<kernels::op_kind>(k)))
            << "no parity case for " << kernels::op_name(static_cast<kernels::op_kind>(k));
}

// matmul: f32, f16, bf16 and the five block formats; embedding: the three
// element types.
TEST(OpParityCoverage, EveryWeightDtypeOfMatmulAndEmbedding) {
    for (kernels::op_kind k : {kernels::op_kind::matmul, kernels::op_kind::embedding}) {
        std::set<kernels::dtype> types;
        for (const auto& c : cases())
            if (c.desc.kind == k) types.insert(c.desc.weight_type);
        EXPECT_EQ(types.size(), k == kernels::op_kind::matmul ? 8u : 3u) << kernels::op_name(k);
    }
}

TEST(OpParityCoverage, BothAttentionVariants) {
    std::set<kernels::attention_variant> variants;
    for (const auto& c : cases())
        if (c.desc.kind == kernels::op_kind::attention) variants.insert(c.desc.variant);
    EXPECT_EQ(variants.size(), 2u);
}

// The runner itself must fail a wrong backend: a backend whose matmul is off
// by one part in 1e4 is caught.
class off_by_a_bit : public kernels::backend {
public:
    explicit off_by_a_bit(std::unique_ptr<kernels::backend> inner) : inner_(std::move(inner)) {}
    std::string_view name() const override { return "off_by_a_bit"; }
    kernels::device_kind device() const override { return inner_->device(); }
    bool supports(const kernels::op_desc& d) const override { return inner_->supports(d); }
    void* alloc(std::size_t n) override { return inner_->alloc(n); }
    void free(void* p) override { inner_->free(p); }
    void upload(void* d, const void* s, std::size_t n) override { inner_->upload(d, s, n); }
    void download(void* d, const void* s, std::size_t n) override { inner_->download(d, s, n); }
    void fill_bytes(void* d, unsigned char v, std::size_t n) override { inner_->fill_bytes(d, v, n); }
    void copy(void* d, const void* s, std::size_t n) override { inner_->copy(d, s, n); }
    void synchronize() override { inner_->synchronize(); }
    void embedding(const kernels::tensor_view& a, const kernels::tensor_view& b, const kernels::tensor_view& c) override { inner_->embedding(a, b, c); }
    void layernorm(const kernels::tensor_view& a, const kernels::tensor_view& b, const kernels::tensor_view& c, float e, const kernels::tensor_view& d) override { inner_->layernorm(a, b, c, e, d); }
    void matmul(const kernels::tensor_view& x, const kernels::tensor_view& w, const kernels::tensor_view& bias, const kernels::tensor_view& out) override {
        inner_->matmul(x, w, bias, out);
        out.as<float>()[out.numel() / 2] += 1e-4f;
    }
    void token_shift(const kernels::tensor_view& a, const kernels::tensor_view& b, const kernels::tensor_view& c, const kernels::tensor_view& d) override { inner_->token_shift(a, b, c, d); }
    void wkv_step(const kernels::tensor_view& a, const kernels::tensor_view& b, const kernels::tensor_view& c, const kernels::tensor_view& d, const kernels::tensor_view& e, const kernels::tensor_view& f) override { inner_->wkv_step(a, b, c, d, e, f); }
    void wkv_sequence(const kernels::tensor_view& a, const kernels::tensor_view& b, const kernels::tensor_view& c, const kernels::tensor_view& d, const kernels::tensor_view& e, const kernels::tensor_view& f) override { inner_->wkv_sequence(a, b, c, d, e, f); }
    void unary(kernels::op_kind k, const kernels::tensor_view& a, const kernels::tensor_view& b) override { inner_->unary(k, a, b); }
    void binary(kernels::op_kind k, const kernels::tensor_view& a, const kernels::tensor_view& b, const kernels::tensor_view& c) override { inner_->binary(k, a, b, c); }
    void row_softmax(kernels::op_kind k, const kernels::tensor_view& a, const kernels::tensor_view& b) override { inner_->row_softmax(k, a, b); }
    void argmax(const kernels::tensor_view& a, const kernels::tensor_view& b) override { inner_->argmax(a, b); }
    void rotary(const kernels::tensor_view& a, const kernels::rotary_params& p, const kernels::tensor_view& b) override { inner_->rotary(a, p, b); }
    void attention(const kernels::tensor_view& q, const kernels::tensor_view& k, const kernels::tensor_view& v, const kernels::attention_params& p, const kernels::tensor_view& o) override { inner_->attention(q, k, v, p, o); }
    using tv = kernels::tensor_view;
    void token_lerp(const tv& a, const tv& b, const tv& c, const tv& d) override { inner_->token_lerp(a, b, c, d); }
    void lerp(const tv& a, const tv& b, const tv& c, const tv& d) override { inner_->lerp(a, b, c, d); }
    void group_norm(const tv& a, const tv& b, const tv& c, std::int64_t g, float e, const tv& d) override { inner_->group_norm(a, b, c, g, e, d); }
    void wkv5(const tv& a, const tv& b, const tv& c, const tv& d, const tv& e, const tv& f, const tv& g) override { inner_->wkv5(a, b, c, d, e, f, g); }
    void wkv7(const tv& a, const tv& b, const tv& c, const tv& d, const tv& e, const tv& f, const tv& g, const tv& h) override { inner_->wkv7(a, b, c, d, e, f, g, h); }
    void rwkv7_keys(const tv& a, const tv& b, const tv& c, const tv& d, std::int64_t n, const tv& e) override { inner_->rwkv7_keys(a, b, c, d, n, e); }
    void rwkv7_bonus(const tv& a, const tv& b, const tv& c, const tv& d, const tv& e) override { inner_->rwkv7_bonus(a, b, c, d, e); }

private:
    std::unique_ptr<kernels::backend> inner_;
};

TEST(OpParityRunner, CatchesASmallError) {
    if (std::string(PARITY_DEVICE) != "cpu") GTEST_SKIP() << "runner self-test runs in the CPU suite";
    off_by_a_bit wrong(kernels::make_cpu_backend(1));
    int checked = 0;
    for (const auto& c : cases()) {
        if (c.desc.kind != kernels::op_kind::matmul) continue;
        const auto r = kernels::parity::run_case(c, wrong);
        EXPECT_FALSE(r.passed) << c.name;
        EXPECT_NE(r.message.find("worst element"), std::string::npos) << r.message;
        ++checked;
    }
    EXPECT_GT(checked, 0);
}

}  // namespace
