// .safetensors: u64 little-endian header length N, N bytes of JSON
// ({"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets":
// [begin, end]}}), then the data buffer; offsets are relative to it. As the
// reference library does, we require the tensors to tile the buffer exactly:
// no overlaps, no holes, sizes matching dtype x shape.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "engines/model_file.h"
#include "formats/tensor_checks.h"
#include "harness/errors.h"
#include "harness/json_file.h"

namespace engines {
namespace {

struct dtype_spec {
    const char* name;
    std::uint64_t size;
    std::optional<kernels::dtype> type;
};

// Every dtype the safetensors format defines; the float ones we compute with.
const dtype_spec dtype_specs[] = {
    {"F32", 4, kernels::dtype::f32}, {"F16", 2, kernels::dtype::f16}, {"BF16", 2, kernels::dtype::bf16},
    {"F64", 8, std::nullopt},        {"I64", 8, std::nullopt},        {"I32", 4, std::nullopt},
    {"I16", 2, std::nullopt},        {"I8", 1, std::nullopt},         {"U8", 1, std::nullopt},
    {"U16", 2, std::nullopt},        {"U32", 4, std::nullopt},        {"U64", 8, std::nullopt},
    {"BOOL", 1, std::nullopt},       {"F8_E4M3", 1, std::nullopt},    {"F8_E5M2", 1, std::nullopt},
};

const dtype_spec* find_dtype(const std::string& name) {
    for (const auto& d : dtype_specs)
        if (name == d.name) return &d;
    return nullptr;
}

}  // namespace

void load_safetensors(model_file& file) {
    const auto& m = file.mapping();
    harness::byte_reader r(file.path(), m.data(), m.size());
    const std::uint64_t header_len = r.u64();
    // The reference library caps the header at 100 MB.
    if (header_len > 100'000'000 || header_len > r.remaining())
        r.fail_at(0, "header length " + std::to_string(header_len) + " exceeds the file (" +
                         std::to_string(m.size()) + " bytes) or the 100 MB limit");
    const std::string_view text = r.take(header_len);
    nlohmann::json header;
    // JSON objects may repeat a key (the last one wins); a repeated tensor name is an error here.
    std::set<std::string> seen;
    std::string duplicate;
    const auto note_keys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (depth >= harness::max_json_depth) throw harness::json_too_deep();
        if (event == nlohmann::json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second)
            duplicate = parsed.get<std::string>();
        return true;
    };
    try {
        header = nlohmann::json::parse(text, note_keys);
    } catch (const nlohmann::json::parse_error& e) {
        r.fail_at(8 + (e.byte > 0 ? e.byte - 1 : 0), std::string("malformed JSON header: ") + e.what());
    } catch (const nlohmann::json::exception& e) {  // a number out of range, say
        r.fail_at(8, std::string("malformed JSON header: ") + e.what());
    }
    if (!header.is_object()) r.fail_at(8, "the JSON header is not an object");
    if (!duplicate.empty()) r.fail_at(8, "duplicate tensor name '" + duplicate + "' in the header");
    const std::uint64_t buffer_start = 8 + header_len;
    const std::uint64_t buffer_size = m.size() - buffer_start;

    struct pending {
        std::uint64_t begin, end;
        tensor_entry entry;
    };
    std::vector<pending> list;
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) r.fail_at(8, "__metadata__ must be an object of strings");
            for (const auto& [k, v] : value.items()) {
                if (!v.is_string()) r.fail_at(8, "__metadata__['" + k + "'] is not a string");
                file.set_metadata(k, v.get<std::string>());
            }
            continue;
        }
        const std::string where = "tensor '" + name + "': ";
        if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
            r.fail_at(8, where + "expected an object with dtype, shape and data_offsets");
        const auto& jd = value.at("dtype");
        const auto& js = value.at("shape");
        const auto& jo = value.at("data_offsets");
        if (!jd.is_string()) r.fail_at(8, where + "dtype is not a string");
        const dtype_spec* spec = find_dtype(jd.get<std::string>());
        if (!spec) r.fail_at(8, where + "unknown dtype '" + jd.get<std::string>() + "'");
        if (!js.is_array()) r.fail_at(8, where + "shape is not an array");
        tensor_entry e;
        e.name = name;
        e.stored_dtype = spec->name;
        e.type = spec->type;
        for (const auto& d : js) {
            if (!d.is_number_unsigned()) r.fail_at(8, where + "shape has a dim that is not a non-negative integer");
            e.shape.push_back(static_cast<std::int64_t>(d.get<std::uint64_t>()));
        }
        if (!jo.is_array() || jo.size() != 2 || !jo[0].is_number_unsigned() || !jo[1].is_number_unsigned())
            r.fail_at(8, where + "data_offsets must be [begin, end]");
        const auto begin = jo[0].get<std::uint64_t>(), end = jo[1].get<std::uint64_t>();
        if (begin > end) r.fail_at(8, where + "data_offsets begin > end");
        if (end > buffer_size)
            r.fail_at(buffer_start + begin, where + "data ends at buffer byte " + std::to_string(end) +
                                                 ", past the end of the data (" + std::to_string(buffer_size) + " bytes)");
        const auto expected = checked_bytes(e.shape, spec->size);
        if (!expected || *expected != end - begin)
            r.fail_at(buffer_start + begin, where + "holds " + std::to_string(end - begin) + " bytes, but " + e.stored_dtype +
                                                 " " + e.shape_string() + " needs " +
                                                 (expected ? std::to_string(*expected) : std::string("more than 2^64")));
        e.file_offset = buffer_start + begin;
        e.n_bytes = end - begin;
        list.push_back({begin, end, std::move(e)});
    }
    // The tensors must tile the buffer: sorted by offset, each starts where the last ended.
    std::vector<const pending*> sorted;
    for (const auto& p : list) sorted.push_back(&p);
    std::sort(sorted.begin(), sorted.end(), [](const pending* a, const pending* b) { return a->begin < b->begin; });
    std::uint64_t expected_begin = 0;
    for (const pending* p : sorted) {
        if (p->begin < expected_begin)
            r.fail_at(buffer_start + p->begin, "tensor '" + p->entry.name + "' overlaps the previous tensor");
        if (p->begin > expected_begin && p->end > p->begin)
            r.fail_at(buffer_start + expected_begin, "a hole of " + std::to_string(p->begin - expected_begin) +
                                                         " bytes before tensor '" + p->entry.name + "'");
        expected_begin = std::max(expected_begin, p->end);
    }
    if (expected_begin != buffer_size)
        r.fail_at(buffer_start + expected_begin,
                  std::to_string(buffer_size - expected_begin) + " bytes after the last tensor belong to none");
    // Keep the order of the header (nlohmann sorts keys), i.e. by offset.
    for (const pending* p : sorted) file.add_tensor(p->entry);
}

}  // namespace engines
