// A restricted unpickler: exactly the opcodes and globals a PyTorch state
// dict needs (dicts, tuples, ints, strings, torch storages and
// _rebuild_tensor_v2). Anything else — other globals, code, object state —
// is refused with an error naming the opcode and its byte offset. Nothing is
// ever executed: "calls" of the allowed globals are interpreted here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/mapped_file.h"

namespace engines {

struct pickle_value;
using pickle_ptr = std::shared_ptr<pickle_value>;

struct pickle_value {
    enum class kind { none, boolean, integer, floating, string, tuple, list, dict, global, storage, tensor };
    kind k = kind::none;
    std::uint64_t offset = 0;  // file offset of the opcode that made it, for messages

    std::int64_t integer = 0;  // boolean, integer
    double floating = 0;
    std::string text;          // string; global "module.name"; storage class name
    std::vector<pickle_ptr> items;                              // tuple, list
    std::vector<std::pair<pickle_ptr, pickle_ptr>> entries;     // dict, in insertion order

    // storage (from a persistent id): class name in `text`, plus
    std::string storage_key;
    std::int64_t storage_numel = 0;
    // tensor (from _rebuild_tensor_v2)
    pickle_ptr storage;
    std::int64_t storage_offset = 0;
    std::vector<std::int64_t> shape, stride;

    pickle_value() = default;
    pickle_value(const pickle_value&) = delete;
    pickle_value& operator=(const pickle_value&) = delete;
    // Frees nested values iteratively: a hostile pickle may nest 200k lists,
    // and a recursive destructor would overflow the stack.
    ~pickle_value();
};

// Runs the pickle in [data, data + size); `base` is its offset in `file`
// (for messages). Returns the top-level object.
pickle_ptr read_torch_pickle(const std::string& file, const unsigned char* data, std::uint64_t size,
                             std::uint64_t base);

}  // namespace engines
