// The RWKV World tokenizer: a vocab file of "<id> <Python literal> <byte
// length>" lines (str literals encode as UTF-8, b'...' literals are raw
// bytes), encoded by greedy longest match over the input bytes with a byte
// trie — ChatRWKV's TRIE_TOKENIZER. Works on raw bytes, so any input is
// accepted (the ids 1..256 are the single bytes).
#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "harness/read_file.h"
#include "harness/utf8.h"

namespace engines {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Parses a Python str or bytes literal starting at s[pos]; returns its bytes
// (str: UTF-8) and advances pos past the closing quote.
std::string parse_python_literal(const std::string& s, std::size_t& pos, const std::string& where) {
    auto fail = [&](const std::string& what) { throw harness::input_error(where + ": " + what); };
    const bool is_bytes = pos < s.size() && s[pos] == 'b';
    if (is_bytes) ++pos;
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"')) fail("expected a quoted Python literal");
    const char quote = s[pos++];
    std::string out;
    auto hex = [&](std::size_t n) {
        if (pos + n > s.size()) fail("truncated escape");
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const char c = s[pos++];
            if (!std::isxdigit(static_cast<unsigned char>(c))) fail("bad hex digit in escape");
            v = v * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10));
        }
        return v;
    };
    while (true) {
        if (pos >= s.size()) fail("unterminated literal");
        const char c = s[pos++];
        if (c == quote) break;
        if (c != '\\') {
            out += c;  // the file is UTF-8, so str characters are already UTF-8 bytes
            continue;
        }
        if (pos >= s.size()) fail("truncated escape");
        const char e = s[pos++];
        switch (e) {
            case '\\': out += '\\'; break;
            case '\'': out += '\''; break;
            case '"': out += '"'; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'a': out += '\a'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'v': out += '\v'; break;
            case 'x': {
                const std::uint32_t v = hex(2);
                if (is_bytes)
                    out += static_cast<char>(v);
                else
                    append_utf8(out, v);  // in a str, \xhh is the code point U+00hh
                break;
            }
            case 'u':
                if (is_bytes) fail("\\u escape in a bytes literal");
                append_utf8(out, hex(4));
                break;
            case 'U':
                if (is_bytes) fail("\\U escape in a bytes literal");
                append_utf8(out, hex(8));
                break;
            default:
                if (e >= '0' && e <= '7') {  // octal, up to 3 digits
                    std::uint32_t v = static_cast<std::uint32_t>(e - '0');
                    for (int k = 0; k < 2 && pos < s.size() && s[pos] >= '0' && s[pos] <= '7'; ++k) v = v * 8 + static_cast<std::uint32_t>(s[pos++] - '0');
                    if (is_bytes)
                        out += static_cast<char>(v);
                    else
                        append_utf8(out, v);
                } else {
                    fail(std::string("unknown escape \\") + e);
                }
        }
    }
    // Python reads the vocab as UTF-8 text and encodes str tokens to UTF-8:
    // raw bytes that are not UTF-8 (or a lone surrogate escape) are no token.
    if (!is_bytes)
        if (const std::size_t bad = harness::find_invalid_utf8(out); bad != std::string::npos)
            fail("invalid UTF-8 at byte " + std::to_string(bad) + " of a str literal (use b'...' for raw bytes)");
    return out;
}

class world_tokenizer final : public tokenizer {
public:
    explicit world_tokenizer(const std::string& path) {
        const std::string text = harness::read_file(path);
        std::istringstream in(text);
        // Ids run 1..n over the file's lines: a larger one is a typo or a
        // hostile file, refused before the table is sized for it.
        const auto n_lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
        std::string line;
        std::size_t line_no = 0;
        nodes_.push_back({});  // root
        while (std::getline(in, line)) {
            ++line_no;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            const std::string where = path + ": line " + std::to_string(line_no);
            const std::size_t space = line.find(' ');
            const std::size_t last_space = line.rfind(' ');
            if (space == std::string::npos || last_space == space)
                throw harness::input_error(where + ": expected '<id> <literal> <length>'");
            std::int32_t id = 0;
            try {
                id = std::stoi(line.substr(0, space));
            } catch (const std::exception&) {
                throw harness::input_error(where + ": bad id '" + line.substr(0, space) + "'");
            }
            std::size_t pos = space + 1;
            std::string bytes = parse_python_literal(line, pos, where);
            std::size_t length = 0;
            try {
                length = std::stoul(line.substr(last_space + 1));
            } catch (const std::exception&) {
                throw harness::input_error(where + ": bad length");
            }
            if (pos != last_space) throw harness::input_error(where + ": text after the literal");
            if (bytes.size() != length)
                throw harness::input_error(where + ": literal has " + std::to_string(bytes.size()) + " bytes, the line says " +
                                           std::to_string(length));
            if (id <= 0) throw harness::input_error(where + ": id must be >= 1 (0 is <|endoftext|>)");
            if (static_cast<std::size_t>(id) > n_lines)
                throw harness::input_error(where + ": id " + std::to_string(id) + " is beyond the file's " +
                                           std::to_string(n_lines) + " lines (ids run from 1 to the number of tokens)");
            if (static_cast<std::size_t>(id) >= tokens_.size()) tokens_.resize(static_cast<std::size_t>(id) + 1);
            if (!tokens_[static_cast<std::size_t>(id)].empty()) throw harness::input_error(where + ": duplicate id " + std::to_string(id));
            if (bytes.empty()) throw harness::input_error(where + ": empty token");
            insert(bytes, id, where);
            tokens_[static_cast<std::size_t>(id)] = std::move(bytes);
        }
        for (int b = 0; b < 256; ++b)
            if (child(0, static_cast<unsigned char>(b)) < 0 || nodes_[static_cast<std::size_t>(child(0, static_cast<unsigned char>(b)))].id < 0)
                throw harness::input_error(path + ": no single-byte token for byte " + std::to_string(b) +
                                           " (an RWKV World vocab has all 256)");
    }

    std::string_view kind() const override { return "rwkv-world"; }
    std::int32_t vocab_size() const override { return static_cast<std::int32_t>(tokens_.size()); }

    std::vector<std::int32_t> encode(std::string_view text) const override {
        std::vector<std::int32_t> ids;
        std::size_t i = 0;
        while (i < text.size()) {
            // Walk the trie as far as the text allows; keep the last node that is a token.
            std::int32_t at = 0, best_id = -1;
            std::size_t best_len = 0;
            for (std::size_t j = i; j < text.size(); ++j) {
                at = child(at, static_cast<unsigned char>(text[j]));
                if (at < 0) break;
                if (nodes_[static_cast<std::size_t>(at)].id >= 0) best_id = nodes_[static_cast<std::size_t>(at)].id, best_len = j - i + 1;
            }
            ids.push_back(best_id);  // every single byte is a token, so best_len >= 1
            i += best_len;
        }
        return ids;
    }

    std::string decode(std::span<const std::int32_t> ids) const override {
        std::string out;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const std::int32_t id = ids[i];
            if (id == 0) continue;  // <|endoftext|> has no bytes
            if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size() || tokens_[static_cast<std::size_t>(id)].empty())
                throw harness::input_error("rwkv-world tokenizer: id " + std::to_string(id) + " at position " +
                                           std::to_string(i) + " is not in the vocabulary");
            out += tokens_[static_cast<std::size_t>(id)];
        }
        return out;
    }

private:
    struct node {
        std::int32_t id = -1;
    };

    std::int32_t child(std::int32_t parent, unsigned char byte) const {
        const auto it = edges_.find((static_cast<std::uint64_t>(parent) << 8) | byte);
        return it == edges_.end() ? -1 : it->second;
    }

    void insert(const std::string& bytes, std::int32_t id, const std::string& where) {
        std::int32_t n = 0;
        for (const char c : bytes) {
            const std::uint64_t key = (static_cast<std::uint64_t>(n) << 8) | static_cast<unsigned char>(c);
            auto it = edges_.find(key);
            if (it == edges_.end()) {
                nodes_.push_back({});
                it = edges_.emplace(key, static_cast<std::int32_t>(nodes_.size() - 1)).first;
            }
            n = it->second;
        }
        if (nodes_[static_cast<std::size_t>(n)].id >= 0)
            throw harness::input_error(where + ": the same bytes as id " + std::to_string(nodes_[static_cast<std::size_t>(n)].id));
        nodes_[static_cast<std::size_t>(n)].id = id;
    }

    std::vector<std::string> tokens_;  // id -> bytes ("" for 0 and gaps)
    std::vector<node> nodes_;
    std::unordered_map<std::uint64_t, std::int32_t> edges_;  // (node << 8 | byte) -> child
};

}  // namespace

std::unique_ptr<tokenizer> load_world_tokenizer(const std::string& path) { return std::make_unique<world_tokenizer>(path); }

}  // namespace engines
