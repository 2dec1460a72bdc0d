// The restricted unpickler (see pickle_reader.h). Opcodes follow CPython's
// Lib/pickletools.py; protocols 2 to 5 as torch.save writes them.
#include "formats/pickle_reader.h"

#include <map>

namespace engines {

pickle_value::~pickle_value() {
    std::vector<pickle_ptr> pending;
    const auto take_children = [&](pickle_value& v) {
        for (auto& item : v.items) pending.push_back(std::move(item));
        for (auto& [key, value] : v.entries) {
            pending.push_back(std::move(key));
            pending.push_back(std::move(value));
        }
        if (v.storage) pending.push_back(std::move(v.storage));
        v.items.clear();
        v.entries.clear();
    };
    take_children(*this);
    while (!pending.empty()) {
        pickle_ptr p = std::move(pending.back());
        pending.pop_back();
        // The last owner empties the value before it dies, so no destructor recurses.
        if (p && p.use_count() == 1) take_children(*p);
    }
}

namespace {

using kind = pickle_value::kind;

// Storage classes torch.save names in persistent ids.
const char* const storage_classes[] = {
    "torch.FloatStorage", "torch.HalfStorage",  "torch.BFloat16Storage", "torch.DoubleStorage",
    "torch.LongStorage",  "torch.IntStorage",   "torch.ShortStorage",    "torch.CharStorage",
    "torch.ByteStorage",  "torch.BoolStorage",
};

const char* const allowed_callables[] = {
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter",
};

bool allowed_global(const std::string& name) {
    for (const char* s : storage_classes)
        if (name == s) return true;
    for (const char* s : allowed_callables)
        if (name == s) return true;
    return false;
}

class unpickler {
public:
    unpickler(const std::string& file, const unsigned char* data, std::uint64_t size, std::uint64_t base)
        : r_(file, data, size, base) {}

    pickle_ptr run() {
        while (true) {
            op_offset_ = r_.file_offset();
            const std::uint8_t op = r_.u8();
            switch (op) {
                case 0x80: {  // PROTO
                    const std::uint8_t proto = r_.u8();
                    if (proto > 5) fail("unsupported pickle protocol " + std::to_string(proto));
                    break;
                }
                case 0x95: r_.skip(8); break;  // FRAME: a length hint only
                case '.': {                    // STOP
                    if (stack_.size() != 1) fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
                    return stack_.back();
                }
                case '(': marks_.push_back(stack_.size()); break;  // MARK
                case '}': push(make(kind::dict)); break;            // EMPTY_DICT
                case ']': push(make(kind::list)); break;            // EMPTY_LIST
                case ')': push(make(kind::tuple)); break;           // EMPTY_TUPLE
                case 'N': push(make(kind::none)); break;
                case 0x88: push(make_int(kind::boolean, 1)); break;  // NEWTRUE
                case 0x89: push(make_int(kind::boolean, 0)); break;  // NEWFALSE
                case 'J': push(make_int(kind::integer, r_.i32())); break;                  // BININT
                case 'K': push(make_int(kind::integer, r_.u8())); break;                   // BININT1
                case 'M': push(make_int(kind::integer, r_.u16())); break;                  // BININT2
                case 0x8a: push(make_int(kind::integer, long1())); break;                  // LONG1
                case 'G': {                                                                // BINFLOAT
                    auto v = make(kind::floating);
                    v->floating = r_.f64_be();
                    push(v);
                    break;
                }
                case 'X': push(make_string(r_.u32())); break;   // BINUNICODE
                case 0x8c: push(make_string(r_.u8())); break;   // SHORT_BINUNICODE
                case 0x8d: push(make_string(r_.u64())); break;  // BINUNICODE8
                case 'q': memo_[r_.u8()] = top(); break;        // BINPUT
                case 'r': memo_[r_.u32()] = top(); break;       // LONG_BINPUT
                case 0x94: memo_[memo_.size()] = top(); break;  // MEMOIZE
                case 'h': push(memo_get(r_.u8())); break;       // BINGET
                case 'j': push(memo_get(r_.u32())); break;      // LONG_BINGET
                case '0': pop(); break;                         // POP
                case 'c': {                                     // GLOBAL "module\nname\n"
                    const std::string module = line(), name = line();
                    push(make_global(module + "." + name));
                    break;
                }
                case 0x93: {  // STACK_GLOBAL
                    const pickle_ptr name = pop(), module = pop();
                    if (module->k != kind::string || name->k != kind::string) fail("STACK_GLOBAL needs two strings");
                    push(make_global(module->text + "." + name->text));
                    break;
                }
                case 't': push(make_tuple(pop_to_mark())); break;  // TUPLE
                case 0x85: push(make_tuple(pop_n(1))); break;      // TUPLE1
                case 0x86: push(make_tuple(pop_n(2))); break;      // TUPLE2
                case 0x87: push(make_tuple(pop_n(3))); break;      // TUPLE3
                case 'a': {                                        // APPEND
                    const pickle_ptr v = pop();
                    expect_kind(top(), kind::list, "APPEND")->items.push_back(v);
                    break;
                }
                case 'e': {  // APPENDS
                    auto items = pop_to_mark();
                    auto& list = expect_kind(top(), kind::list, "APPENDS")->items;
                    list.insert(list.end(), items.begin(), items.end());
                    break;
                }
                case 's': {  // SETITEM
                    const pickle_ptr v = pop(), key = pop();
                    expect_kind(top(), kind::dict, "SETITEM")->entries.emplace_back(key, v);
                    break;
                }
                case 'u': {  // SETITEMS
                    auto items = pop_to_mark();
                    if (items.size() % 2) fail("SETITEMS with an odd number of values");
                    auto& dict = expect_kind(top(), kind::dict, "SETITEMS")->entries;
                    for (std::size_t i = 0; i < items.size(); i += 2) dict.emplace_back(items[i], items[i + 1]);
                    break;
                }
                case 'Q': push(persistent_load(pop())); break;  // BINPERSID
                case 'R': {                                     // REDUCE
                    const pickle_ptr args = pop(), callable = pop();
                    push(reduce(callable, args));
                    break;
                }
                default: fail(opcode_name(op) + " is not allowed in a state dict (only tensors are read, no code)");
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        r_.fail_at(op_offset_, "pickle: " + what);
    }

    static std::string opcode_name(std::uint8_t op) {
        static const std::map<std::uint8_t, const char*> names = {
            {'b', "BUILD"}, {'i', "INST"}, {'o', "OBJ"}, {0x81, "NEWOBJ"}, {0x92, "NEWOBJ_EX"}, {'P', "PERSID"},
            {'I', "INT"}, {'L', "LONG"}, {'F', "FLOAT"}, {'S', "STRING"}, {'V', "UNICODE"}, {'d', "DICT"},
            {'l', "LIST"}, {'g', "GET"}, {'p', "PUT"}, {0x82, "EXT1"}, {0x83, "EXT2"}, {0x84, "EXT4"},
            {'B', "BINBYTES"}, {'C', "SHORT_BINBYTES"}, {0x8e, "BINBYTES8"}, {0x8f, "EMPTY_SET"},
            {0x90, "ADDITEMS"}, {0x91, "FROZENSET"}, {0x96, "BYTEARRAY8"}, {0x97, "NEXT_BUFFER"},
            {0x98, "READONLY_BUFFER"}, {'2', "DUP"}, {'1', "POP_MARK"}, {0x8b, "LONG4"}};
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        const auto it = names.find(op);
        return std::string("opcode ") + hex + (it != names.end() ? std::string(" ") + it->second : std::string(" (unknown)"));
    }

    pickle_ptr make(kind k) const {
        auto v = std::make_shared<pickle_value>();
        v->k = k;
        v->offset = op_offset_;
        return v;
    }
    pickle_ptr make_int(kind k, std::int64_t i) const {
        auto v = make(k);
        v->integer = i;
        return v;
    }
    pickle_ptr make_string(std::uint64_t n) {
        auto v = make(kind::string);
        v->text = std::string(r_.take(n));
        return v;
    }
    pickle_ptr make_tuple(std::vector<pickle_ptr> items) const {
        auto v = make(kind::tuple);
        v->items = std::move(items);
        return v;
    }
    pickle_ptr make_global(const std::string& name) const {
        if (!allowed_global(name)) fail("global '" + name + "' is not allowed (only torch state dicts are read)");
        auto v = make(kind::global);
        v->text = name;
        return v;
    }

    std::int64_t long1() {
        const std::uint8_t n = r_.u8();
        if (n > 8) fail("LONG1 of " + std::to_string(n) + " bytes does not fit 64 bits");
        std::uint64_t u = 0;
        const std::string_view bytes = r_.take(n);
        for (int i = n - 1; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(bytes[i]);
        if (n > 0 && n < 8 && (static_cast<unsigned char>(bytes[n - 1]) & 0x80)) u |= ~std::uint64_t{0} << (8 * n);  // sign
        return static_cast<std::int64_t>(u);
    }

    std::string line() {
        std::string s;
        while (true) {
            const char c = static_cast<char>(r_.u8());
            if (c == '\n') return s;
            if (s.size() > 256) fail("GLOBAL name too long");
            s += c;
        }
    }

    void push(pickle_ptr v) { stack_.push_back(std::move(v)); }
    pickle_ptr pop() {
        if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) fail("stack underflow");
        pickle_ptr v = stack_.back();
        stack_.pop_back();
        return v;
    }
    pickle_ptr top() const {
        if (stack_.empty()) fail("stack underflow");
        return stack_.back();
    }
    std::vector<pickle_ptr> pop_n(std::size_t n) {
        std::vector<pickle_ptr> items(n);
        for (std::size_t i = n; i-- > 0;) items[i] = pop();
        return items;
    }
    std::vector<pickle_ptr> pop_to_mark() {
        if (marks_.empty()) fail("no MARK on the stack");
        const std::size_t mark = marks_.back();
        marks_.pop_back();
        std::vector<pickle_ptr> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
        stack_.resize(mark);
        return items;
    }
    pickle_ptr memo_get(std::uint64_t key) const {
        const auto it = memo_.find(key);
        if (it == memo_.end()) fail("memo key " + std::to_string(key) + " was never stored");
        return it->second;
    }
    pickle_ptr expect_kind(const pickle_ptr& v, kind k, const char* op) const {
        if (v->k != k) fail(std::string(op) + " on a value of the wrong type");
        return v;
    }
    std::int64_t as_int(const pickle_ptr& v, const char* what) const {
        if (v->k != kind::integer) fail(std::string(what) + " is not an integer");
        return v->integer;
    }
    std::vector<std::int64_t> int_tuple(const pickle_ptr& v, const char* what) const {
        if (v->k != kind::tuple) fail(std::string(what) + " is not a tuple");
        std::vector<std::int64_t> out;
        for (const auto& item : v->items) out.push_back(as_int(item, what));
        return out;
    }

    // ('storage', <storage class>, key, location, numel)
    pickle_ptr persistent_load(const pickle_ptr& pid) const {
        if (pid->k != kind::tuple || pid->items.size() != 5 || pid->items[0]->k != kind::string ||
            pid->items[0]->text != "storage" || pid->items[1]->k != kind::global || pid->items[2]->k != kind::string)
            fail("persistent id is not ('storage', class, key, location, numel)");
        auto v = make(kind::storage);
        v->text = pid->items[1]->text;
        bool is_storage_class = false;
        for (const char* s : storage_classes) is_storage_class |= v->text == s;
        if (!is_storage_class) fail("persistent id names '" + v->text + "', not a storage class");
        v->storage_key = pid->items[2]->text;
        v->storage_numel = as_int(pid->items[4], "storage numel");
        return v;
    }

    pickle_ptr reduce(const pickle_ptr& callable, const pickle_ptr& args) const {
        if (callable->k != kind::global) fail("REDUCE of something that is not an allowed global");
        if (args->k != kind::tuple) fail("REDUCE arguments are not a tuple");
        const auto& a = args->items;
        if (callable->text == "collections.OrderedDict") {
            if (!a.empty()) fail("OrderedDict with arguments");
            return make(kind::dict);
        }
        if (callable->text == "torch._utils._rebuild_parameter") {
            if (a.size() != 3 || a[0]->k != kind::tensor) fail("_rebuild_parameter(tensor, requires_grad, hooks) expected");
            return a[0];
        }
        if (callable->text == "torch._utils._rebuild_tensor_v2") {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (a.size() < 6 || a.size() > 7 || a[0]->k != kind::storage)
                fail("_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks) expected");
            auto t = make(kind::tensor);
            t->storage = a[0];
            t->storage_offset = as_int(a[1], "storage offset");
            t->shape = int_tuple(a[2], "tensor size");
            t->stride = int_tuple(a[3], "tensor stride");
            if (t->shape.size() != t->stride.size()) fail("tensor size and stride differ in length");
            return t;
        }
        fail("'" + callable->text + "' cannot be called here");
    }

    mutable harness::byte_reader r_;
    std::uint64_t op_offset_ = 0;
    std::vector<pickle_ptr> stack_;
    std::vector<std::size_t> marks_;
    std::map<std::uint64_t, pickle_ptr> memo_;
};

}  // namespace

pickle_ptr read_torch_pickle(const std::string& file, const unsigned char* data, std::uint64_t size,
                             std::uint64_t base) {
    return unpickler(file, data, size, base).run();
}

}  // namespace engines
