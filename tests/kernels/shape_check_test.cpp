// The shared shape rules reject what no backend could run, with a message
// naming the op and the tensor.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "harness/errors.h"
#include "kernels/ops.h"

namespace {

using namespace kernels;

struct host {
    std::vector<float> data;
    tensor_view view;
    host(std::initializer_list<std::int64_t> shape, dtype t = dtype::f32) {
        std::int64_t n = 1;
        for (auto s : shape) n *= s;
        data.resize(static_cast<std::size_t>(n) + 1);
        view = tensor_view::make(data.data(), t, shape);
    }
};

template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const harness::unsupported_error& e) {
        return e.what();
    }
    return "";
}

TEST(ShapeChecks, MatmulInnerDimsMustAgree) {
    host x({3, 64}), w({10, 65}), out({3, 10});
    const std::string msg = error_of([&] { check_matmul(x.view, w.view, tensor_view{}, out.view); });
    EXPECT_NE(msg.find("matmul: inner dims differ"), std::string::npos) << msg;
}

TEST(ShapeChecks, MatmulOutputShape) {
    host x({3, 64}), w({10, 64}), out({3, 11});
    EXPECT_NE(error_of([&] { check_matmul(x.view, w.view, tensor_view{}, out.view); }).find("out must be [T, N]"),
              std::string::npos);
}

TEST(ShapeChecks, MatmulWeightMayBeHalfButNotInt) {
    host x({1, 4}), w({2, 4}, dtype::bf16), out({1, 2});
    EXPECT_EQ(error_of([&] { check_matmul(x.view, w.view, tensor_view{}, out.view); }), "");
    w.view.type = dtype::i32;
    EXPECT_NE(error_of([&] { check_matmul(x.view, w.view, tensor_view{}, out.view); }), "");
}

TEST(ShapeChecks, ActivationsMustBeF32) {
    host x({2, 8}, dtype::f16), out({2, 8});
    EXPECT_NE(error_of([&] { check_unary(op_kind::sigmoid, x.view, out.view); }).find("expected dtype f32"),
              std::string::npos);
}

TEST(ShapeChecks, WkvStateIsThreeRows) {
    host w({8}), u({8}), k({2, 8}), v({2, 8}), state({2, 8}), out({2, 8});
    EXPECT_NE(error_of([&] { check_wkv(w.view, u.view, k.view, v.view, state.view, out.view); }).find("state must be [3, C]"),
              std::string::npos);
}

TEST(ShapeChecks, AttentionCacheCapacity) {
    host q({4, 2, 8}), kc({10, 2, 8}), vc({10, 2, 8}), out({4, 2, 8});
    attention_params p;
    p.n_past = 6;
    EXPECT_EQ(error_of([&] { check_attention(q.view, kc.view, vc.view, p, out.view); }), "");
    p.n_past = 7;
    EXPECT_NE(error_of([&] { check_attention(q.view, kc.view, vc.view, p, out.view); }).find("exceeds the cache capacity"),
              std::string::npos);
}

TEST(ShapeChecks, RotaryDimsMustBeEvenAndFit) {
    host x({1, 2, 8}), out({1, 2, 8});
    EXPECT_NE(error_of([&] { check_rotary(x.view, {0, 3, 10000.0f}, out.view); }), "");
    EXPECT_NE(error_of([&] { check_rotary(x.view, {0, 10, 10000.0f}, out.view); }), "");
    EXPECT_EQ(error_of([&] { check_rotary(x.view, {0, 8, 10000.0f}, out.view); }), "");
}

TEST(ShapeChecks, TokenShiftOutputMayNotAliasInput) {
    host x({3, 4}), prev({4}), mix({4});
    EXPECT_NE(error_of([&] { check_token_shift(x.view, prev.view, mix.view, x.view); }).find("alias"), std::string::npos);
}

TEST(ShapeChecks, NonContiguousIsRefused) {
    host x({4, 4}), out({4, 4});
    x.view.stride[0] = 8;
    EXPECT_NE(error_of([&] { check_unary(op_kind::sigmoid, x.view, out.view); }).find("contiguous"), std::string::npos);
}

TEST(OpNames, EveryOpHasAUniqueName) {
    std::set<std::string_view> names;
    for (int k = 0; k < op_count; ++k) names.insert(op_name(static_cast<op_kind>(k)));
    EXPECT_EQ(names.size(), static_cast<std::size_t>(op_count));
}

}  // namespace
