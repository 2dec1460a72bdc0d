// Hugging Face tokenizer.json, byte-level BPE (GPT-NeoX-20B, GPT-2), in the
// order the `tokenizers` library applies its steps:
//  1. added tokens with normalized=false are split off the raw text
//     (leftmost-longest match), e.g. <|endoftext|> -> 0;
//  2. each remaining segment is normalized (NFC/NFD/NFKC/NFKD via ICU);
//  3. added tokens with normalized=true are split off the normalized text
//     (the NeoX runs of 2..24 spaces);
//  4. the ByteLevel pre-tokenizer: the GPT-2 regex (ICU), each piece's UTF-8
//     bytes mapped to printable code points (bytes_to_unicode);
//  5. BPE: repeatedly merge the adjacent pair with the lowest merge rank.
// Decoding maps the code points back to bytes; added tokens decode to their
// content. Input must be valid UTF-8 (the reference takes Rust strings).
#include <unicode/normalizer2.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <functional>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <tuple>
#include <unordered_map>

#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "harness/utf8.h"

namespace engines {
namespace {

// The GPT-2 pre-tokenizer pattern of the ByteLevel pre-tokenizer.
constexpr const char* gpt2_pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct added_token {
    std::int32_t id;
    std::string content;
    bool normalized;
};

class bpe_tokenizer final : public tokenizer {
public:
    explicit bpe_tokenizer(const std::string& path) : path_(path) {
        const std::string text = harness::read_file(path);
        file_size_ = static_cast<std::int64_t>(text.size());
        const nlohmann::json j = harness::parse_json(text, path);
        harness::with_json_errors(path, [&] {
            read_model(j);
            read_normalizer(j);
            read_pre_tokenizer(j);
            read_added_tokens(j);
        });
        build_byte_maps();
        UErrorCode status = U_ZERO_ERROR;
        pattern_.reset(icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(gpt2_pattern), 0, status));
        if (U_FAILURE(status)) throw harness::backend_error("RegexPattern::compile", __FILE__, __LINE__, u_errorName(status));
    }

    std::string_view kind() const override { return "hf-bpe"; }
    std::int32_t vocab_size() const override { return static_cast<std::int32_t>(id_to_token_.size()); }

    std::vector<std::int32_t> encode(std::string_view text) const override {
        if (const std::size_t bad = harness::find_invalid_utf8(text); bad != std::string_view::npos)
            throw harness::input_error("byte " + std::to_string(bad) + ": invalid UTF-8 (the tokenizer " + path_ +
                                       " reads UTF-8 text only)");
        std::vector<std::int32_t> ids;
        split_added(text, false, [&](std::string_view raw, std::int32_t added_id) {
            if (added_id >= 0) return ids.push_back(added_id);
            const std::string normalized = normalize(raw);
            split_added(normalized, true, [&](std::string_view piece, std::int32_t id) {
                if (id >= 0) return ids.push_back(id);
                pre_tokenize_and_merge(piece, ids);
            });
        });
        return ids;
    }

    std::string decode(std::span<const std::int32_t> ids) const override {
        std::string out;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const std::int32_t id = ids[i];
            if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size() || !known_[static_cast<std::size_t>(id)])
                throw harness::input_error("tokenizer " + path_ + ": id " + std::to_string(id) + " at position " +
                                           std::to_string(i) + " is not in the vocabulary");
            out += token_bytes_[static_cast<std::size_t>(id)];
        }
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& pointer, const std::string& what) const {
        throw harness::input_error(path_ + ": " + pointer + ": " + what);
    }

    void read_model(const nlohmann::json& j) {
        if (!j.is_object() || !j.contains("model") || !j.at("model").is_object()) fail("/model", "missing");
        const auto& m = j.at("model");
        if (!m.contains("type") || m.at("type") != "BPE")
            fail("/model/type", std::string("'").append(m.contains("type") ? m.at("type").dump() : "?") + "' is not supported (BPE only)");
        if (m.contains("dropout") && !m.at("dropout").is_null()) fail("/model/dropout", "BPE dropout is not supported");
        if (!m.contains("vocab") || !m.at("vocab").is_object()) fail("/model/vocab", "expected an object token -> id");
        for (const auto& [token, id] : m.at("vocab").items()) {
            const std::int32_t checked = checked_id(id, "/model/vocab/" + token);
            set_token(checked, token, "/model/vocab/" + token);
            vocab_.emplace(token, checked);
        }
        if (!m.contains("merges") || !m.at("merges").is_array()) fail("/model/merges", "expected an array");
        std::int32_t rank = 0;
        for (const auto& merge : m.at("merges")) {
            std::string key;
            if (merge.is_string()) {
                key = merge.get<std::string>();  // "a b"
                if (key.find(' ') == std::string::npos) fail("/model/merges/" + std::to_string(rank), "expected 'a b'");
            } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
                key = merge[0].get<std::string>() + " " + merge[1].get<std::string>();
            } else {
                fail("/model/merges/" + std::to_string(rank), "expected 'a b' or [a, b]");
            }
            merge_rank_.emplace(std::move(key), rank++);
        }
    }

    void read_normalizer(const nlohmann::json& j) {
        if (!j.contains("normalizer") || j.at("normalizer").is_null()) return;
        const auto& n = j.at("normalizer");
        const std::string type = n.contains("type") && n.at("type").is_string() ? n.at("type").get<std::string>() : "";
        UErrorCode status = U_ZERO_ERROR;
        if (type == "NFC") normalizer_ = icu::Normalizer2::getNFCInstance(status);
        else if (type == "NFD") normalizer_ = icu::Normalizer2::getNFDInstance(status);
        else if (type == "NFKC") normalizer_ = icu::Normalizer2::getNFKCInstance(status);
        else if (type == "NFKD") normalizer_ = icu::Normalizer2::getNFKDInstance(status);
        else fail("/normalizer/type", "'" + type + "' is not supported (NFC, NFD, NFKC, NFKD or null)");
        if (U_FAILURE(status)) throw harness::backend_error("Normalizer2", __FILE__, __LINE__, u_errorName(status));
    }

    void read_pre_tokenizer(const nlohmann::json& j) {
        if (!j.contains("pre_tokenizer") || !j.at("pre_tokenizer").is_object() || j.at("pre_tokenizer").value("type", "") != "ByteLevel")
            fail("/pre_tokenizer", "only the ByteLevel pre-tokenizer is supported (byte-level BPE)");
        const auto& p = j.at("pre_tokenizer");
        add_prefix_space_ = p.value("add_prefix_space", false);
        if (!p.value("use_regex", true)) fail("/pre_tokenizer/use_regex", "false is not supported");
    }

    void read_added_tokens(const nlohmann::json& j) {
        if (!j.contains("added_tokens")) return;
        std::size_t i = 0;
        for (const auto& t : j.at("added_tokens")) {
            const std::string ptr = "/added_tokens/" + std::to_string(i++);
            if (!t.contains("id") || !t.at("id").is_number_integer() || !t.contains("content") || !t.at("content").is_string())
                fail(ptr, "expected id and content");
            for (const char* flag : {"single_word", "lstrip", "rstrip"})
                if (t.value(flag, false)) fail(ptr + "/" + flag, "true is not supported");
            added_token a{checked_id(t.at("id"), ptr + "/id"), t.at("content").get<std::string>(),
                          t.value("normalized", !t.value("special", false))};
            if (a.content.empty()) fail(ptr + "/content", "empty");
            added_.push_back(a);
            set_token(a.id, a.content, ptr);
            added_ids_.push_back(a.id);
        }
    }

    // An id is a non-negative integer below the file's size in bytes (every
    // token takes several bytes of JSON, so a larger id is a lie about the
    // vocabulary's size: a 100-byte file must not make us allocate 2^31 slots).
    std::int32_t checked_id(const nlohmann::json& id, const std::string& pointer) const {
        const std::int64_t most = std::min<std::int64_t>(file_size_, 100'000'000);
        if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() >= most ||
            (id.is_number_unsigned() && id.get<std::uint64_t>() >= static_cast<std::uint64_t>(most)))
            fail(pointer, "id " + id.dump() + " is not an integer from 0 to " + std::to_string(most - 1) +
                              " (the file's size bounds the vocabulary)");
        return static_cast<std::int32_t>(id.get<std::int64_t>());
    }

    // Two tokens under one id would decode that id to the wrong one; the same
    // token listed twice (a special token in both vocab and added_tokens) is fine.
    void set_token(std::int32_t id, const std::string& token, const std::string& pointer) {
        if (static_cast<std::size_t>(id) < known_.size() && known_[static_cast<std::size_t>(id)] &&
            id_to_token_[static_cast<std::size_t>(id)] != token)
            fail(pointer, "id " + std::to_string(id) + " is also given to '" + id_to_token_[static_cast<std::size_t>(id)] + "'");
        if (static_cast<std::size_t>(id) >= id_to_token_.size()) {
            id_to_token_.resize(static_cast<std::size_t>(id) + 1);
            known_.resize(static_cast<std::size_t>(id) + 1, false);
        }
        id_to_token_[static_cast<std::size_t>(id)] = token;
        known_[static_cast<std::size_t>(id)] = true;
    }

    // GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest
    // to U+0100 and up, so every byte is a visible character.
    void build_byte_maps() {
        std::vector<int> printable;
        for (int b = '!'; b <= '~'; ++b) printable.push_back(b);
        for (int b = 0xA1; b <= 0xAC; ++b) printable.push_back(b);
        for (int b = 0xAE; b <= 0xFF; ++b) printable.push_back(b);
        std::array<std::uint32_t, 256> cp{};
        std::vector<bool> is_printable(256, false);
        for (int b : printable) cp[static_cast<std::size_t>(b)] = static_cast<std::uint32_t>(b), is_printable[static_cast<std::size_t>(b)] = true;
        std::uint32_t next = 256;
        for (int b = 0; b < 256; ++b)
            if (!is_printable[static_cast<std::size_t>(b)]) cp[static_cast<std::size_t>(b)] = next++;
        for (int b = 0; b < 256; ++b) {
            std::string s;
            icu::UnicodeString(static_cast<UChar32>(cp[static_cast<std::size_t>(b)])).toUTF8String(s);
            byte_char_[static_cast<std::size_t>(b)] = s;
            char_byte_.emplace(cp[static_cast<std::size_t>(b)], static_cast<unsigned char>(b));
        }
        // Bytes of every token for decoding: as the ByteLevel decoder, a token
        // whose characters all map to bytes becomes those bytes, any other
        // (e.g. added tokens of plain spaces) its own UTF-8.
        token_bytes_.resize(id_to_token_.size());
        for (std::size_t id = 0; id < id_to_token_.size(); ++id) {
            if (!known_[id]) continue;
            const icu::UnicodeString u = icu::UnicodeString::fromUTF8(id_to_token_[id]);
            std::string bytes;
            bool all_mapped = true;
            for (int32_t k = 0; k < u.length(); k = u.moveIndex32(k, 1)) {
                const auto it = char_byte_.find(static_cast<std::uint32_t>(u.char32At(k)));
                if (it == char_byte_.end()) {
                    all_mapped = false;
                    break;
                }
                bytes += static_cast<char>(it->second);
            }
            token_bytes_[id] = all_mapped ? bytes : id_to_token_[id];
        }
    }

    std::string normalize(std::string_view text) const {
        if (!normalizer_) return std::string(text);
        UErrorCode status = U_ZERO_ERROR;
        const icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
        if (normalizer_->isNormalized(u, status) && U_SUCCESS(status)) return std::string(text);
        status = U_ZERO_ERROR;
        const icu::UnicodeString n = normalizer_->normalize(u, status);
        if (U_FAILURE(status)) throw harness::backend_error("Normalizer2::normalize", __FILE__, __LINE__, u_errorName(status));
        std::string out;
        n.toUTF8String(out);
        return out;
    }

    // Calls emit(piece, -1) for text between added tokens and emit({}, id)
    // for each added token (of the given `normalized` kind), leftmost-longest.
    template <class F>
    void split_added(std::string_view text, bool normalized, F&& emit) const {
        std::size_t start = 0, i = 0;
        while (i < text.size()) {
            const added_token* best = nullptr;
            for (const auto& a : added_)
                if (a.normalized == normalized && text.compare(i, a.content.size(), a.content) == 0 &&
                    (!best || a.content.size() > best->content.size()))
                    best = &a;
            if (!best) {
                ++i;
                continue;
            }
            if (i > start) emit(text.substr(start, i - start), -1);
            emit(std::string_view{}, best->id);
            i += best->content.size();
            start = i;
        }
        if (start < text.size()) emit(text.substr(start), -1);
    }

    void pre_tokenize_and_merge(std::string_view piece, std::vector<std::int32_t>& ids) const {
        std::string text(piece);
        if (add_prefix_space_ && !text.empty() && text[0] != ' ') text.insert(text.begin(), ' ');
        const icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexMatcher> m(pattern_->matcher(u, status));
        if (U_FAILURE(status)) throw harness::backend_error("RegexPattern::matcher", __FILE__, __LINE__, u_errorName(status));
        while (m->find(status) && U_SUCCESS(status)) {
            const int32_t b = m->start(status), e = m->end(status);
            std::string word;
            u.tempSubStringBetween(b, e).toUTF8String(word);
            bpe_word(word, ids);
        }
        if (U_FAILURE(status)) throw harness::backend_error("RegexMatcher::find", __FILE__, __LINE__, u_errorName(status));
    }

    // BPE over one pre-token (raw bytes), with a cache of finished words.
    void bpe_word(const std::string& word, std::vector<std::int32_t>& ids) const {
        {
            std::lock_guard<std::mutex> lock(cache_mutex_);
            if (const auto it = cache_.find(word); it != cache_.end()) {
                ids.insert(ids.end(), it->second.begin(), it->second.end());
                return;
            }
        }
        // Symbols in a linked list and candidate merges in a min-heap by
        // (rank, position): the lowest-ranked pair merges first, leftmost
        // first among equals, as Hugging Face's BPE does. O(n log n), so a
        // 300k-byte word without spaces (CJK text, base64) is not quadratic.
        struct symbol {
            std::string text;
            std::ptrdiff_t prev, next;  // -1: none
        };
        std::vector<symbol> symbols;
        symbols.reserve(word.size());
        for (std::size_t i = 0; i < word.size(); ++i)
            symbols.push_back({byte_char_[static_cast<unsigned char>(word[i])], static_cast<std::ptrdiff_t>(i) - 1,
                               i + 1 < word.size() ? static_cast<std::ptrdiff_t>(i) + 1 : -1});
        using candidate = std::tuple<std::int32_t, std::ptrdiff_t, std::ptrdiff_t>;  // rank, left, right
        std::priority_queue<candidate, std::vector<candidate>, std::greater<>> heap;
        const auto rank_of = [&](std::ptrdiff_t left, std::ptrdiff_t right) {
            const auto it = merge_rank_.find(symbols[static_cast<std::size_t>(left)].text + " " +
                                             symbols[static_cast<std::size_t>(right)].text);
            return it == merge_rank_.end() ? -1 : it->second;
        };
        const auto consider = [&](std::ptrdiff_t left, std::ptrdiff_t right) {
            if (left < 0 || right < 0) return;
            if (const std::int32_t r = rank_of(left, right); r >= 0) heap.emplace(r, left, right);
        };
        for (std::ptrdiff_t i = 0; i + 1 < static_cast<std::ptrdiff_t>(symbols.size()); ++i) consider(i, i + 1);
        std::vector<bool> gone(symbols.size(), false);
        while (!heap.empty()) {
            const auto [rank, left, right] = heap.top();
            heap.pop();
            // Stale when either side merged away or changed since it was pushed.
            if (gone[static_cast<std::size_t>(left)] || gone[static_cast<std::size_t>(right)] ||
                symbols[static_cast<std::size_t>(left)].next != right || rank_of(left, right) != rank)
                continue;
            symbol& l = symbols[static_cast<std::size_t>(left)];
            symbol& r = symbols[static_cast<std::size_t>(right)];
            l.text += r.text;
            l.next = r.next;
            if (r.next >= 0) symbols[static_cast<std::size_t>(r.next)].prev = left;
            gone[static_cast<std::size_t>(right)] = true;
            consider(l.prev, left);
            consider(left, l.next);
        }
        std::vector<std::string> pieces;
        for (std::ptrdiff_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next)
            pieces.push_back(std::move(symbols[static_cast<std::size_t>(i)].text));
        std::vector<std::int32_t> word_ids;
        for (const auto& s : pieces) {
            const auto it = vocab_.find(s);
            if (it == vocab_.end()) throw harness::input_error(path_ + ": BPE produced '" + s + "', which is not in the vocab");
            word_ids.push_back(it->second);
        }
        ids.insert(ids.end(), word_ids.begin(), word_ids.end());
        std::lock_guard<std::mutex> lock(cache_mutex_);
        if (cache_.size() > 200'000) cache_.clear();  // bound memory on huge inputs
        cache_.emplace(word, std::move(word_ids));
    }

    std::string path_;
    std::int64_t file_size_ = 0;
    std::unordered_map<std::string, std::int32_t> vocab_;
    std::unordered_map<std::string, std::int32_t> merge_rank_;  // "a b" -> rank
    std::vector<std::string> id_to_token_;
    std::vector<bool> known_;
    std::vector<std::string> token_bytes_;
    std::vector<added_token> added_;
    std::vector<std::int32_t> added_ids_;
    const icu::Normalizer2* normalizer_ = nullptr;
    bool add_prefix_space_ = false;
    std::unique_ptr<icu::RegexPattern> pattern_;
    std::array<std::string, 256> byte_char_;
    std::unordered_map<std::uint32_t, unsigned char> char_byte_;
    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

}  // namespace

std::unique_ptr<tokenizer> load_bpe_tokenizer(const std::string& path) { return std::make_unique<bpe_tokenizer>(path); }

}  // namespace engines
