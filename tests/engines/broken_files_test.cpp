// Crafted broken checkpoints: each must fail with an error that names the
// file, the byte offset and the problem (exit code 2), never crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "engines/model_file.h"
#include "engines/model_info.h"
#include "harness/errors.h"
#include "test_paths.h"

namespace {

using namespace engines;

std::string temp_file(const std::string& name, const std::string& bytes) {
    const std::string path = testing::TempDir() + "/rwkvbench_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string le(std::uint64_t v, int n) {
    std::string s(static_cast<std::size_t>(n), '\0');
    for (int i = 0; i < n; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

// Expects open (+ describe) to throw an error of code 2 whose text has `part`
// and names the file.
void expect_rejected(const std::string& path, const std::string& part, bool describe = false) {
    try {
        const model_source s = open_model(path);
        if (describe) describe_model(s);
        FAIL() << "no error for " << path << " (expected: " << part << ")";
    } catch (const harness::error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(e.code(), harness::exit_code::bad_input) << msg;
        EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg;
        EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
    }
}

std::string safetensors(const std::string& header, const std::string& data) {
    return le(header.size(), 8) + header + data;
}

const std::string synth_st = test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.safetensors";

TEST(BrokenSafetensors, Truncated) {
    const std::string whole = read_file(synth_st);
    expect_rejected(temp_file("trunc.safetensors", whole.substr(0, whole.size() - 100)), "past the end of the data");
}

TEST(BrokenSafetensors, HeaderLengthBeyondFile) {
    expect_rejected(temp_file("hlen.safetensors", le(1u << 20, 8) + "{}"), "not a checkpoint");
    expect_rejected(temp_file("hlen2.safetensors", le(40, 8) + std::string("{\"a\":1}") + std::string(40, ' ')),
                    "tensor 'a': expected an object");
}

TEST(BrokenSafetensors, MalformedJson) {
    expect_rejected(temp_file("json.safetensors", safetensors("{\"a\": [1, 2", "")), "malformed JSON");
}

TEST(BrokenSafetensors, UnknownDtype) {
    expect_rejected(temp_file("dtype.safetensors",
                              safetensors(R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", std::string(8, 0))),
                    "unknown dtype 'F33'");
}

TEST(BrokenSafetensors, SizeDoesNotMatchShape) {
    expect_rejected(temp_file("size.safetensors",
                              safetensors(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", std::string(20, 0))),
                    "needs 24");
}

TEST(BrokenSafetensors, Overlap) {
    expect_rejected(temp_file("overlap.safetensors",
                              safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                          R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                                          std::string(24, 0))),
                    "overlaps");
}

TEST(BrokenSafetensors, Hole) {
    expect_rejected(temp_file("hole.safetensors",
                              safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
                                          std::string(24, 0))),
                    "a hole of 8 bytes");
}

TEST(BrokenSafetensors, DuplicateName) {
    expect_rejected(temp_file("dup.safetensors",
                              safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                          R"("a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                          std::string(16, 0))),
                    "duplicate tensor name 'a'");
}

TEST(BrokenSafetensors, NegativeOrFractionalDim) {
    expect_rejected(temp_file("neg.safetensors",
                              safetensors(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", std::string(8, 0))),
                    "not a non-negative integer");
}

// A tiny RWKV-like safetensors file with the given extra tensor names.
std::string rwkv_like(const std::vector<std::string>& names) {
    std::string header = "{", data;
    for (const auto& n : names) {
        if (header.size() > 1) header += ",";
        header.append("\"").append(n).append(R"(":{"dtype":"F32","shape":[2,2],"data_offsets":[)");
        header.append(std::to_string(data.size())).append(",").append(std::to_string(data.size() + 16)).append("]}");
        data += std::string(16, 0);
    }
    return safetensors(header + "}", data);
}

// RWKV-6 and RWKV-5.0/5.1 are refused naming the tensor that gave them away;
// an RWKV-7 file missing a tensor the shape needs names that tensor.
TEST(UnsupportedModels, RwkvGenerationsWeDoNotRunAreNamed) {
    const std::vector<std::string> base = {"emb.weight", "blocks.0.ln1.weight", "head.weight"};
    auto with = [&](const std::string& extra) {
        auto names = base;
        names.push_back(extra);
        return names;
    };
    for (const auto& [marker, message] : std::vector<std::pair<std::string, std::string>>{
             {"blocks.0.att.ln_x.weight", "RWKV-5.0/5.1 checkpoint (it has ln_x but no gate.weight)"},
             {"blocks.0.att.time_maa_x", "RWKV-6 checkpoint (it has 'blocks.0.att.time_maa_x')"},
             {"blocks.0.att.k_k", "blocks.0.ffn.key.weight"}}) {
        const std::string path = temp_file("v.safetensors", rwkv_like(with(marker)));
        expect_rejected(path, message, true);
    }
}

TEST(UnsupportedModels, UnknownArchitecture) {
    expect_rejected(temp_file("unknown.safetensors", rwkv_like({"encoder.weight"})), "unknown architecture", true);
}

// --- rwkv.cpp .bin ---

std::string bin_header(std::int32_t version, std::int32_t data_type, std::int32_t n_layer = 1) {
    return "fmgg" + le(static_cast<std::uint32_t>(version), 4) + le(4, 4) + le(2, 4) + le(static_cast<std::uint32_t>(n_layer), 4) +
           le(static_cast<std::uint32_t>(data_type), 4);
}

std::string bin_tensor(const std::string& name, std::int32_t type, std::vector<std::int32_t> ggml_dims, std::size_t data_bytes) {
    std::string s = le(ggml_dims.size(), 4) + le(name.size(), 4) + le(static_cast<std::uint32_t>(type), 4);
    for (auto d : ggml_dims) s += le(static_cast<std::uint32_t>(d), 4);
    return s + name + std::string(data_bytes, 0);
}

TEST(BrokenRwkvcppBin, RetiredQuantizedTensorTypeIsNamed) {
    expect_rejected(temp_file("q.bin", bin_header(101, 1) + bin_tensor("emb.weight", 5, {32, 2}, 40)),
                    "type Q4_2, which is not supported (supported: FP32, FP16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0)");
}

TEST(BrokenRwkvcppBin, RetiredQuantizedModelIsRefused) {
    expect_rejected(temp_file("q41o.bin", bin_header(101, 4)), "model data type Q4_1_O is not supported");
}

TEST(BrokenRwkvcppBin, QuantizedRowsMustBeWholeBlocks) {
    // ne0 = 4: rwkv.cpp writes no such file (ggml's own check is compiled out in Release).
    expect_rejected(temp_file("q8rows.bin", bin_header(101, 9) + bin_tensor("emb.weight", 9, {4, 2}, 34)),
                    "'emb.weight' [2, 4] is Q8_0 but its rows of 4 are not whole blocks of 32");
}

TEST(BrokenRwkvcppBin, TruncatedQuantizedData) {
    // Two Q8_0 rows of one 34-byte block each: 68 bytes.
    expect_rejected(temp_file("q8short.bin", bin_header(101, 9) + bin_tensor("emb.weight", 9, {32, 2}, 40)),
                    "needs 68 bytes, 40 left");
}

TEST(BrokenRwkvcppBin, TruncatedData) {
    expect_rejected(temp_file("short.bin", bin_header(101, 0) + bin_tensor("emb.weight", 0, {2, 4}, 20)),
                    "needs 32 bytes, 20 left");
}

TEST(BrokenRwkvcppBin, UnknownVersion) {
    expect_rejected(temp_file("ver.bin", bin_header(99, 0)), "file version 99");
}

TEST(BrokenRwkvcppBin, HeaderDisagreesWithTensors) {
    // The real synth FP32 file with n_layer patched from 3 to 4.
    std::string bytes = read_file(test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-FP32.bin");
    bytes.replace(16, 4, le(4, 4));
    expect_rejected(temp_file("nlayer.bin", bytes), "header says n_layer = 4 but the tensors give 3", true);
}

// --- .pth: a minimal zip writer and hand-made pickles ---

struct zip_member {
    std::string name, data;
    std::uint16_t method = 0;
};

std::string zip(const std::vector<zip_member>& members) {
    std::string out, central;
    for (const auto& m : members) {
        const std::uint64_t offset = out.size();
        out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(m.method, 2) + le(0, 4) + le(0, 4) + le(m.data.size(), 4) +
               le(m.data.size(), 4) + le(m.name.size(), 2) + le(0, 2) + m.name + m.data;
        central += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(m.method, 2) + le(0, 4) + le(0, 4) +
                   le(m.data.size(), 4) + le(m.data.size(), 4) + le(m.name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) +
                   le(0, 2) + le(0, 4) + le(offset, 4) + m.name;
    }
    const std::uint64_t cd_offset = out.size();
    out += central;
    out += le(0x06054b50, 4) + le(0, 4) + le(members.size(), 2) + le(members.size(), 2) + le(central.size(), 4) +
           le(cd_offset, 4) + le(0, 2);
    return out;
}

std::string unicode(const std::string& s) { return std::string("X").append(le(s.size(), 4)).append(s); }

// {name: tensor of `numel` floats in storage '0', shape [numel]}, protocol 2.
std::string state_dict_pickle(const std::string& name, int numel, const std::string& storage_class = "FloatStorage") {
    return std::string("\x80\x02}(", 4) + unicode(name) + "ctorch._utils\n_rebuild_tensor_v2\n((" + unicode("storage") +
           "ctorch\n" + storage_class + "\n" + unicode("0") + unicode("cpu") + "K" + std::string(1, static_cast<char>(numel)) +
           std::string("tQK\0K", 5) + std::string(1, static_cast<char>(numel)) + "\x85K\x01\x85\x89" +
           "ccollections\nOrderedDict\n)RtRu.";
}

TEST(Pth, HandMadeStateDictLoads) {
    const std::string path = temp_file("ok.pth", zip({{"m/data.pkl", state_dict_pickle("w", 4)},
                                                      {"m/data/0", std::string(16, '\0')},
                                                      {"m/version", "3\n"}}));
    const auto f = model_file::open(path);
    EXPECT_EQ(f->at("w").shape, (std::vector<std::int64_t>{4}));
    EXPECT_EQ(f->at("w").n_bytes, 16u);
}

TEST(BrokenPth, Truncated) {
    const std::string whole = read_file(test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth");
    expect_rejected(temp_file("trunc.pth", whole.substr(0, whole.size() / 2)), "no zip end-of-central-directory");
}

TEST(BrokenPth, ArbitraryGlobalIsRefusedNotRun) {
    const std::string evil = std::string("\x80\x02") + "cos\nsystem\n" + unicode("touch /tmp/pwned") + "\x85R.";
    expect_rejected(temp_file("evil.pth", zip({{"m/data.pkl", evil}})), "global 'os.system' is not allowed");
}

TEST(BrokenPth, ObjectStateOpcodeIsRefused) {
    expect_rejected(temp_file("build.pth", zip({{"m/data.pkl", std::string("\x80\x02}}b.", 5)}})), "BUILD is not allowed");
}

TEST(BrokenPth, MissingStorage) {
    expect_rejected(temp_file("nostorage.pth", zip({{"m/data.pkl", state_dict_pickle("w", 4)}})),
                    "storage '0' is not in the archive");
}

TEST(BrokenPth, StorageTooSmall) {
    expect_rejected(temp_file("small.pth", zip({{"m/data.pkl", state_dict_pickle("w", 4)}, {"m/data/0", std::string(8, 0)}})),
                    "fewer than its 4 elements");
}

TEST(BrokenPth, CompressedEntry) {
    zip_member pkl{"m/data.pkl", state_dict_pickle("w", 4), 8};
    expect_rejected(temp_file("deflate.pth", zip({pkl})), "compressed");
}

TEST(BrokenPth, PickleWithoutStop) {
    const std::string p = state_dict_pickle("w", 4);
    expect_rejected(temp_file("nostop.pth", zip({{"m/data.pkl", p.substr(0, p.size() - 1)}, {"m/data/0", std::string(16, 0)}})),
                    "unexpected end of data");
}

TEST(BrokenPth, DeepNestingNeitherOverflowsTheStackNorLeaks) {
    // 200k nested lists: [[[[...]]]]; a recursive free of them overflowed the stack.
    constexpr int depth = 200'000;
    const std::string p = std::string("\x80\x02", 2) + std::string(depth, ']') + std::string(depth - 1, 'a') + ".";
    expect_rejected(temp_file("deep.pth", zip({{"m/data.pkl", p}})), "not a dict of tensors");
}

TEST(BrokenPth, OverflowingShapeIsAnError) {
    // {"w": tensor with shape (2^62, 4)}: the shape's product overflows int64.
    const std::string huge = std::string("\x8a\x08", 2) + le(std::uint64_t{1} << 62, 8);
    std::string p = state_dict_pickle("w", 4);
    const std::string shape_one = std::string("K\x04\x85", 3);  // (4,)
    p.replace(p.find(shape_one), shape_one.size(), huge + "K\x04\x86");
    p.replace(p.find(std::string("K\x01\x85", 3)), 3, std::string("K\x04K\x01\x86", 5));  // stride (4, 1)
    expect_rejected(temp_file("overflow.pth", zip({{"m/data.pkl", p}, {"m/data/0", std::string(16, 0)}})),
                    "impossible shape");
}

TEST(BrokenPth, NoDataPkl) {
    expect_rejected(temp_file("nopkl.pth", zip({{"m/other", "x"}})), "without data.pkl");
}

TEST(BrokenFiles, NotACheckpoint) {
    expect_rejected(temp_file("text.bin", "hello, world\n"), "not a checkpoint");
    expect_rejected(temp_file("empty.bin", ""), "not a checkpoint");
}

TEST(BrokenFiles, MissingFileAndFolder) {
    expect_rejected("/nonexistent/model.pth", "cannot open");
    expect_rejected(testing::TempDir(), "without model.safetensors");
}

}  // namespace
