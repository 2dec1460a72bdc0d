// Tokenizers: encode UTF-8 bytes -> token ids, decode ids -> bytes.
//
//   bytes           vocab 256, id = byte value (the tiny test models)
//   rwkv-world      RWKV World vocab (rwkv_vocab_v20230424.txt): greedy
//                   longest match over the bytes, as ChatRWKV's TRIE_TOKENIZER
//   hf-bpe          Hugging Face tokenizer.json, byte-level BPE (GPT-NeoX-20B,
//                   GPT-2): normalizer, added tokens, the GPT-2 pre-tokenizer
//                   regex (ICU), merges by rank
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace engines {

class tokenizer {
public:
    virtual ~tokenizer() = default;
    virtual std::string_view kind() const = 0;  // "bytes", "rwkv-world", "hf-bpe"
    virtual std::int32_t vocab_size() const = 0;
    // Throws harness::input_error for input the reference cannot take (e.g.
    // invalid UTF-8 for hf-bpe, with the byte offset).
    virtual std::vector<std::int32_t> encode(std::string_view text) const = 0;
    // Throws harness::input_error for an id outside the vocabulary.
    virtual std::string decode(std::span<const std::int32_t> ids) const = 0;
};

// SPEC: the word "bytes", a tokenizer.json path, or an RWKV World vocab .txt
// path (recognised by content). Throws input_error for unreadable or
// malformed files, naming the file and line or byte.
std::unique_ptr<tokenizer> load_tokenizer(const std::string& spec);

std::unique_ptr<tokenizer> make_byte_tokenizer();
std::unique_ptr<tokenizer> load_world_tokenizer(const std::string& path);
std::unique_ptr<tokenizer> load_bpe_tokenizer(const std::string& path);

}  // namespace engines
