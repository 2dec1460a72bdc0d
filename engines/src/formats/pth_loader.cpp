// Official RWKV `.pth` (torch.save, zip serialization): `<stem>/data.pkl`
// holds a pickled dict name -> tensor, each tensor a view of a storage whose
// bytes are the stored zip entry `<stem>/data/<key>`. The pickle is read by
// the restricted unpickler; storages are referenced in place (no copies).
#include <map>

#include "engines/model_file.h"
#include "harness/errors.h"
#include "formats/pickle_reader.h"
#include "formats/tensor_checks.h"
#include "formats/zip_archive.h"

namespace engines {
namespace {

struct storage_type {
    const char* name;
    std::uint64_t size;
    std::optional<kernels::dtype> type;
};

const storage_type storage_types[] = {
    {"torch.FloatStorage", 4, kernels::dtype::f32}, {"torch.HalfStorage", 2, kernels::dtype::f16},
    {"torch.BFloat16Storage", 2, kernels::dtype::bf16}, {"torch.DoubleStorage", 8, std::nullopt},
    {"torch.LongStorage", 8, std::nullopt},  {"torch.IntStorage", 4, std::nullopt},
    {"torch.ShortStorage", 2, std::nullopt}, {"torch.CharStorage", 1, std::nullopt},
    {"torch.ByteStorage", 1, std::nullopt},  {"torch.BoolStorage", 1, std::nullopt},
};

const storage_type& find_storage_type(const std::string& name) {
    for (const auto& s : storage_types)
        if (name == s.name) return s;
    return storage_types[0];  // unreachable: the unpickler admits only these classes
}

// The state dict itself: the top-level dict, or the dict under "state_dict"
// / "model" when a training checkpoint wraps it.
const pickle_value& state_dict_of(const pickle_value& top, const std::string& path, std::uint64_t at) {
    if (top.k != pickle_value::kind::dict) throw harness::input_error(path, "byte", at, "the pickle is not a dict of tensors");
    for (const auto& [k, v] : top.entries)
        if (k->k == pickle_value::kind::string && (k->text == "state_dict" || k->text == "model") &&
            v->k == pickle_value::kind::dict)
            return *v;
    return top;
}

}  // namespace

void load_pth(model_file& file) {
    const auto& m = file.mapping();
    const std::vector<zip_entry> entries = read_zip_directory(m);
    std::map<std::string, const zip_entry*> by_name;
    const zip_entry* pickle_entry = nullptr;
    for (const auto& e : entries) {
        by_name[e.name] = &e;
        if (e.name.size() >= 8 && e.name.compare(e.name.size() - 8, 8, "data.pkl") == 0 &&
            (e.name.size() == 8 || e.name[e.name.size() - 9] == '/')) {
            if (pickle_entry)
                throw harness::input_error(file.path(), "byte", e.header_offset, "more than one data.pkl in the archive");
            pickle_entry = &e;
        }
    }
    if (!pickle_entry) throw harness::input_error(file.path() + ": zip archive without data.pkl (not a torch.save file)");
    if (pickle_entry->method != 0)
        throw harness::input_error(file.path(), "byte", pickle_entry->header_offset,
                                   "data.pkl is compressed (method " + std::to_string(pickle_entry->method) +
                                       "); torch.save stores entries uncompressed");
    const std::string stem = pickle_entry->name.substr(0, pickle_entry->name.size() - 8);  // "<stem>/"
    if (const auto it = by_name.find(stem + "version"); it != by_name.end() && it->second->size < 16)
        file.set_metadata("torch_zip_version",
                          std::string(m.bytes(it->second->data_offset, it->second->size)).substr(0, it->second->size));

    const pickle_ptr top = read_torch_pickle(file.path(), m.data() + pickle_entry->data_offset, pickle_entry->size,
                                             pickle_entry->data_offset);
    const pickle_value& dict = state_dict_of(*top, file.path(), pickle_entry->data_offset);
    for (const auto& [key, value] : dict.entries) {
        if (key->k != pickle_value::kind::string)
            throw harness::input_error(file.path(), "byte", key->offset, "state dict key is not a string");
        const std::string& name = key->text;
        if (value->k != pickle_value::kind::tensor)
            throw harness::input_error(file.path(), "byte", value->offset, "value of '" + name + "' is not a tensor");
        const pickle_value& storage = *value->storage;
        const storage_type& st = find_storage_type(storage.text);
        const auto entry_it = by_name.find(stem + "data/" + storage.storage_key);
        if (entry_it == by_name.end())
            throw harness::input_error(file.path(), "byte", value->offset,
                                       "tensor '" + name + "': storage '" + storage.storage_key + "' is not in the archive");
        const zip_entry& data = *entry_it->second;
        if (data.method != 0)
            throw harness::input_error(file.path(), "byte", data.header_offset,
                                       "storage of '" + name + "' is compressed; torch.save stores entries uncompressed");
        const auto storage_bytes = checked_bytes({storage.storage_numel}, st.size);
        if (!storage_bytes || *storage_bytes > data.size)
            throw harness::input_error(file.path(), "byte", data.data_offset,
                                       "storage '" + storage.storage_key + "' holds " + std::to_string(data.size) +
                                           " bytes, fewer than its " + std::to_string(storage.storage_numel) +
                                           " elements of " + st.name);
        // Only contiguous row-major views are read in place (all that state dicts hold).
        std::int64_t expected_stride = 1;
        for (std::size_t d = value->shape.size(); d-- > 0;) {
            if (value->shape[d] != 1 && value->stride[d] != expected_stride)
                throw harness::input_error(file.path(), "byte", value->offset,
                                           "tensor '" + name + "' is not contiguous (a strided view); save .contiguous() tensors");
            // Shapes come from the file: a product that overflows is a bad file, not undefined behaviour.
            if (value->shape[d] < 0 || __builtin_mul_overflow(expected_stride, value->shape[d], &expected_stride))
                throw harness::input_error(file.path(), "byte", value->offset,
                                           "tensor '" + name + "' has an impossible shape (negative or overflowing)");
        }
        tensor_entry e;
        e.name = name;
        e.stored_dtype = st.name;
        e.type = st.type;
        e.shape = value->shape;
        const auto numel = checked_numel(e.shape);
        if (!numel || value->storage_offset < 0 ||
            static_cast<std::uint64_t>(value->storage_offset) + *numel > static_cast<std::uint64_t>(storage.storage_numel))
            throw harness::input_error(file.path(), "byte", value->offset,
                                       "tensor '" + name + "' " + std::to_string(value->storage_offset) + "+" +
                                           (numel ? std::to_string(*numel) : "?") + " elements overruns its storage of " +
                                           std::to_string(storage.storage_numel));
        e.file_offset = data.data_offset + static_cast<std::uint64_t>(value->storage_offset) * st.size;
        e.n_bytes = *numel * st.size;
        file.add_tensor(std::move(e));
    }
}

}  // namespace engines
