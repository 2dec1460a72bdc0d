// The byte tokenizer (vocab 256) and the tokenizer factory.
#include <fstream>

#include "engines/tokenizer.h"
#include "harness/errors.h"

namespace engines {
namespace {

class byte_tokenizer final : public tokenizer {
public:
    std::string_view kind() const override { return "bytes"; }
    std::int32_t vocab_size() const override { return 256; }
    std::vector<std::int32_t> encode(std::string_view text) const override {
        std::vector<std::int32_t> ids(text.size());
        for (std::size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
        return ids;
    }
    std::string decode(std::span<const std::int32_t> ids) const override {
        std::string out(ids.size(), '\0');
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] < 0 || ids[i] > 255)
                throw harness::input_error("bytes tokenizer: id " + std::to_string(ids[i]) + " at position " +
                                           std::to_string(i) + " is not a byte (expected 0..255)");
            out[i] = static_cast<char>(ids[i]);
        }
        return out;
    }
};

}  // namespace

std::unique_ptr<tokenizer> make_byte_tokenizer() { return std::make_unique<byte_tokenizer>(); }

std::unique_ptr<tokenizer> load_tokenizer(const std::string& spec) {
    if (spec == "bytes") return make_byte_tokenizer();
    std::ifstream in(spec, std::ios::binary);
    if (!in) throw harness::input_error(spec + ": cannot open tokenizer (expected 'bytes', a tokenizer.json or an RWKV World vocab .txt)");
    // By content: JSON starts with '{'; a World vocab line with "<id> '" or "<id> b'".
    std::string head(64, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    const std::size_t first = head.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && head[first] == '{') return load_bpe_tokenizer(spec);
    std::size_t digits = 0;
    while (digits < head.size() && std::isdigit(static_cast<unsigned char>(head[digits]))) ++digits;
    if (digits > 0 && digits + 1 < head.size() && head[digits] == ' ' &&
        (head[digits + 1] == '\'' || head[digits + 1] == '"' || head[digits + 1] == 'b'))
        return load_world_tokenizer(spec);
    throw harness::input_error(spec, "byte", 0,
                               "not a tokenizer (expected a Hugging Face tokenizer.json or an RWKV World vocab .txt)");
}

}  // namespace engines
