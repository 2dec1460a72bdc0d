#include "engines/safetensors_writer.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "harness/atomic_file.h"
#include "harness/errors.h"

namespace engines {

output_tensor f32_tensor(const std::string& name, std::vector<std::int64_t> shape, const std::vector<float>& values) {
    output_tensor t{name, "F32", std::move(shape), std::vector<unsigned char>(values.size() * 4)};
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
}

output_tensor i32_tensor(const std::string& name, std::vector<std::int64_t> shape, const std::vector<std::int32_t>& values) {
    output_tensor t{name, "I32", std::move(shape), std::vector<unsigned char>(values.size() * 4)};
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
}

void write_safetensors(const std::string& path, const std::vector<output_tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        std::uint64_t numel = 1;
        for (auto d : t.shape) numel *= static_cast<std::uint64_t>(d);
        if (numel * 4 != t.bytes.size())
            throw harness::backend_error("write_safetensors", __FILE__, __LINE__, "tensor '" + t.name + "' size mismatch");
        header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
        offset += t.bytes.size();
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // the format pads the header to 8 bytes
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i) file[static_cast<std::size_t>(i)] = static_cast<char>((text.size() >> (8 * i)) & 0xFF);
    file += text;
    // nlohmann sorts keys; the data must follow the offsets, i.e. input order.
    for (const auto& t : tensors) file.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
    harness::write_file_atomically(path, file);
}

}  // namespace engines
