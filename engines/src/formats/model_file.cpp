// model_file: format detection, the tensor index, shared validation.
#include "engines/model_file.h"

#include <cstring>

#include "harness/errors.h"

namespace engines {

std::string_view file_format_name(file_format f) {
    switch (f) {
        case file_format::pth: return "pth";
        case file_format::safetensors: return "safetensors";
        case file_format::rwkvcpp_bin: return "rwkv.cpp bin";
    }
    return "?";
}

std::int64_t tensor_entry::numel() const {
    std::int64_t n = 1;
    for (std::int64_t s : shape) n *= s;
    return n;
}

std::string tensor_entry::shape_string() const {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

namespace {

// rwkv.cpp files start with the int32 0x67676d66 ("fmgg" on disk).
bool is_rwkvcpp(const harness::mapped_file& m) {
    return m.size() >= 4 && std::memcmp(m.data(), "fmgg", 4) == 0;
}

bool is_zip(const harness::mapped_file& m) { return m.size() >= 4 && std::memcmp(m.data(), "PK\x03\x04", 4) == 0; }

// A safetensors file starts with a u64 header length followed by '{'.
bool is_safetensors(const harness::mapped_file& m) {
    if (m.size() < 9) return false;
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | m.data()[i];
    return n >= 2 && n <= m.size() - 8 && m.data()[8] == '{';
}

}  // namespace

std::unique_ptr<model_file> model_file::open(const std::string& path) {
    const harness::mapped_file probe(path);
    file_format format;
    if (is_zip(probe))
        format = file_format::pth;
    else if (is_rwkvcpp(probe))
        format = file_format::rwkvcpp_bin;
    else if (is_safetensors(probe))
        format = file_format::safetensors;
    else if (probe.size() >= 2 && probe.data()[0] == 0x80 && probe.data()[1] <= 5)
        throw harness::input_error(path, "byte", 0,
                                   "a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current torch");
    else
        throw harness::input_error(path, "byte", 0,
                                   "not a checkpoint rwkvbench reads (expected a .pth zip archive, a .safetensors "
                                   "header or an rwkv.cpp .bin)");
    auto file = std::make_unique<model_file>(path, format);
    switch (format) {
        case file_format::pth: load_pth(*file); break;
        case file_format::safetensors: load_safetensors(*file); break;
        case file_format::rwkvcpp_bin: load_rwkvcpp_bin(*file); break;
    }
    return file;
}

const tensor_entry* model_file::find(std::string_view name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

const tensor_entry& model_file::at(std::string_view name) const {
    if (const tensor_entry* t = find(name)) return *t;
    throw harness::input_error(path() + ": no tensor '" + std::string(name) + "'");
}

void model_file::add_tensor(tensor_entry entry) {
    if (index_.count(entry.name))
        throw harness::input_error(path(), "byte", entry.file_offset, "duplicate tensor name '" + entry.name + "'");
    if (entry.file_offset > map_.size() || entry.n_bytes > map_.size() - entry.file_offset)
        throw harness::input_error(path(), "byte", entry.file_offset,
                                   "tensor '" + entry.name + "' (" + std::to_string(entry.n_bytes) +
                                       " bytes) extends past the end of the file (" + std::to_string(map_.size()) +
                                       " bytes)");
    for (std::int64_t s : entry.shape)
        if (s < 0) throw harness::input_error(path(), "byte", entry.file_offset, "tensor '" + entry.name + "' has a negative dim");
    entry.data = map_.data() + entry.file_offset;
    index_.emplace(entry.name, tensors_.size());
    tensors_.push_back(std::move(entry));
}

}  // namespace engines
