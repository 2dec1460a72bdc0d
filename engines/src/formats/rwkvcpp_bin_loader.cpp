// rwkv.cpp `.bin` (file versions 100 and 101): an int32 header — magic
// 0x67676d66, version, n_vocab, n_embed, n_layer, data type — then, until the
// end of the file, per tensor: int32 dim_count, key_length, data_type, the
// dims (ggml order, i.e. reversed), the UTF-8 key and the raw data, unaligned.
// FP32, FP16 and the block formats Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 are read (ne0
// a multiple of 32: each row is whole blocks); the retired Q4_1_O, Q4_2 and
// Q4_3 are refused by name.
#include <algorithm>
#include <optional>

#include "engines/model_file.h"
#include "harness/errors.h"
#include "kernels/quant.h"
#include "formats/tensor_checks.h"

namespace engines {
namespace {

const char* const rwkvcpp_type_names[] = {"FP32", "FP16", "Q4_0", "Q4_1", "Q4_1_O", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0"};

std::string type_name(std::int32_t t) {
    return t >= 0 && t < 10 ? rwkvcpp_type_names[t] : "unknown type " + std::to_string(t);
}

std::optional<kernels::quant_format> quant_of(std::int32_t t) {
    switch (t) {
        case 2: return kernels::quant_format::q4_0;
        case 3: return kernels::quant_format::q4_1;
        case 7: return kernels::quant_format::q5_0;
        case 8: return kernels::quant_format::q5_1;
        case 9: return kernels::quant_format::q8_0;
        default: return std::nullopt;
    }
}

bool readable(std::int32_t t) { return t == 0 || t == 1 || quant_of(t); }

const char* const readable_types = "FP32, FP16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0";

}  // namespace

void load_rwkvcpp_bin(model_file& file) {
    const auto& m = file.mapping();
    harness::byte_reader r(file.path(), m.data(), m.size());
    r.skip(4);  // magic, checked by model_file::open
    const std::int32_t version = r.i32();
    if (version != 100 && version != 101)
        r.fail_at(4, "rwkv.cpp file version " + std::to_string(version) + " (supported: 100, 101)");
    const std::int32_t n_vocab = r.i32(), n_embed = r.i32(), n_layer = r.i32(), data_type = r.i32();
    if (n_vocab <= 0 || n_embed <= 0 || n_layer <= 0) r.fail_at(8, "header has a non-positive n_vocab, n_embed or n_layer");
    if (!readable(data_type))
        r.fail_at(20, "model data type " + type_name(data_type) + " is not supported (supported: " + readable_types + ")");
    file.set_metadata("rwkvcpp_version", std::to_string(version));
    file.set_metadata("n_vocab", std::to_string(n_vocab));
    file.set_metadata("n_embed", std::to_string(n_embed));
    file.set_metadata("n_layer", std::to_string(n_layer));
    file.set_metadata("data_type", type_name(data_type));

    while (!r.at_end()) {
        const std::uint64_t at = r.offset();
        const std::int32_t n_dims = r.i32(), key_length = r.i32(), type = r.i32();
        if (n_dims < 1 || n_dims > 4) r.fail_at(at, "tensor header: " + std::to_string(n_dims) + " dims (expected 1 to 4)");
        if (key_length < 1 || key_length > 1024) r.fail_at(at + 4, "tensor header: key length " + std::to_string(key_length));
        tensor_entry e;
        for (int d = 0; d < n_dims; ++d) {
            const std::int32_t dim = r.i32();
            if (dim < 0) r.fail_at(r.offset() - 4, "negative dim");
            e.shape.push_back(dim);
        }
        std::reverse(e.shape.begin(), e.shape.end());  // ggml ne order -> row-major
        e.name = std::string(r.take(static_cast<std::uint64_t>(key_length)));
        if (!readable(type))
            r.fail_at(at + 8, "tensor '" + e.name + "' has type " + type_name(type) + ", which is not supported (supported: " +
                                  readable_types + ")");
        e.stored_dtype = type_name(type);
        std::optional<std::uint64_t> bytes;
        if (const auto q = quant_of(type)) {
            const std::int64_t row = e.shape.back();
            if (row % kernels::quant_block_weights != 0)
                r.fail_at(at, "tensor '" + e.name + "' " + e.shape_string() + " is " + e.stored_dtype +
                                  " but its rows of " + std::to_string(row) + " are not whole blocks of 32");
            e.quant = q;
            bytes = checked_bytes(e.shape, static_cast<std::uint64_t>(kernels::quant_block_bytes(*q)));
            if (bytes) *bytes /= kernels::quant_block_weights;
        } else {
            e.type = type == 0 ? kernels::dtype::f32 : kernels::dtype::f16;
            bytes = checked_bytes(e.shape, type == 0 ? 4 : 2);
        }
        if (!bytes) r.fail_at(at, "tensor '" + e.name + "' shape overflows");
        e.file_offset = r.offset();
        e.n_bytes = *bytes;
        if (e.n_bytes > r.remaining())
            r.fail("tensor '" + e.name + "' " + e.shape_string() + " needs " + std::to_string(e.n_bytes) + " bytes, " +
                   std::to_string(r.remaining()) + " left in the file");
        r.skip(e.n_bytes);
        file.add_tensor(std::move(e));
    }
}

}  // namespace engines
