// A checkpoint file as a list of named tensors, memory-mapped: official RWKV
// `.pth` (torch.save zip + pickle), `.safetensors`, and rwkv.cpp `.bin`.
// Tensors are exactly as stored (dtype, shape, bytes); turning them into an
// engine's layout is the engine's job (e.g. engines/rwkv4_weights.h).
//
// Every loader validates what it reads: truncated files, offsets past the
// end, unknown dtypes, shape/size mismatches, duplicate names, malformed
// zip/pickle/JSON all throw harness::input_error naming the file, the byte
// offset and the problem (exit code 2); nothing reads out of bounds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/mapped_file.h"
#include "kernels/dtype.h"
#include "kernels/quant.h"

namespace engines {

enum class file_format { pth, safetensors, rwkvcpp_bin };
std::string_view file_format_name(file_format f);  // "pth", "safetensors", "rwkv.cpp bin"

struct tensor_entry {
    std::string name;
    std::string stored_dtype;            // as the file names it: "F32", "BF16", "torch.FloatStorage", "FP16", "BOOL"
    std::optional<kernels::dtype> type;  // f32/f16/bf16 when the engines can compute with it
    std::optional<kernels::quant_format> quant;  // rwkv.cpp's block formats (rows of shape.back() / 32 blocks)
    std::vector<std::int64_t> shape;     // row-major (PyTorch order; .bin dims are un-reversed)
    std::uint64_t file_offset = 0;       // where the bytes start in the file
    std::uint64_t n_bytes = 0;
    const unsigned char* data = nullptr;  // into the mapping

    std::int64_t numel() const;
    std::string shape_string() const;  // "[256, 128]"
};

class model_file {
public:
    // Opens and validates a checkpoint; the format is chosen by content
    // (zip magic, rwkv.cpp magic, safetensors header), not by extension.
    static std::unique_ptr<model_file> open(const std::string& path);

    const std::string& path() const { return map_.path(); }
    file_format format() const { return format_; }
    std::uint64_t file_size() const { return map_.size(); }
    // Tensors in file order.
    const std::vector<tensor_entry>& tensors() const { return tensors_; }
    const tensor_entry* find(std::string_view name) const;
    // Throws input_error "<path>: no tensor '<name>'" when absent.
    const tensor_entry& at(std::string_view name) const;
    // safetensors `__metadata__`; for .bin the header fields; for .pth the
    // archive's `version` entry and the top-level key layout.
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // --- for the loaders ---
    explicit model_file(const std::string& path, file_format format) : map_(path), format_(format) {}
    const harness::mapped_file& mapping() const { return map_; }
    // Checks the name is new and the byte range lies inside the file.
    void add_tensor(tensor_entry entry);
    void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }

private:
    harness::mapped_file map_;
    file_format format_;
    std::vector<tensor_entry> tensors_;
    std::map<std::string, std::size_t, std::less<>> index_;
    std::map<std::string, std::string> metadata_;
};

// Loader entry points (model_file::open dispatches to these).
void load_safetensors(model_file& file);
void load_pth(model_file& file);
void load_rwkvcpp_bin(model_file& file);

}  // namespace engines
