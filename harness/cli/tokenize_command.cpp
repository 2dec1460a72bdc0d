// `rwkvbench tokenize`: encode text to ids, or decode ids to text, with any
// tokenizer rwkvbench reads (INTERFACES.md fixes the output formats).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "token_ids.h"
#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "harness/utf8.h"

namespace cli {
namespace {

std::string to_hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// Inputs: the --text value, or the lines of --input (without "\n" / "\r\n").
std::vector<std::string> read_inputs(const po::variables_map& args, std::string* source) {
    if (args.count("text") == args.count("input"))
        throw harness::usage_error("tokenize: give exactly one of --text and --input");
    if (args.count("text")) {
        *source = "--text";
        return {args.at("text").as<std::string>()};
    }
    *source = args.at("input").as<std::string>();
    std::ifstream in(*source, std::ios::binary);
    if (!in) throw harness::input_error(*source + ": cannot open");
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

class tokenize_command final : public command {
public:
    std::string_view name() const override { return "tokenize"; }
    std::string_view summary() const override { return "encode text to token ids, or decode ids to text"; }
    std::string_view examples() const override {
        return "  rwkvbench tokenize --tokenizer datasets/tokenizers/20B_tokenizer.json --text 'Hello, world!'\n"
               "  rwkvbench tokenize --tokenizer datasets/tokenizers/rwkv_vocab_v20230424.txt --input lines.txt --json\n"
               "  rwkvbench tokenize --tokenizer bytes --decode --text '72 105'\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("tokenizer", po::value<std::string>()->required(),
                        "'bytes', a tokenizer.json, or an RWKV World vocab .txt")(
            "text", po::value<std::string>(), "one input")("input", po::value<std::string>(),
                                                           "a file with one input per line")(
            "decode", "inputs are ids separated by spaces; print the text")(
            "json", "print {\"ids\": [...]} / {\"text\": ...} (or {\"bytes_hex\": ...}) per input");
    }

    int run(const po::variables_map& args) override {
        const auto tok = engines::load_tokenizer(args.at("tokenizer").as<std::string>());
        std::string source;
        const std::vector<std::string> inputs = read_inputs(args, &source);
        const bool json = args.count("json") > 0;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (args.count("decode")) {
                const std::string bytes = tok->decode(parse_token_ids(inputs[i], source, i + 1));
                if (json) {
                    const bool utf8 = harness::find_invalid_utf8(bytes) == std::string::npos;
                    const nlohmann::json j = utf8 ? nlohmann::json{{"text", bytes}} : nlohmann::json{{"bytes_hex", to_hex(bytes)}};
                    std::cout << j.dump() << "\n";
                } else {
                    // Exact bytes; inputs are separated by a newline.
                    if (i) std::cout << "\n";
                    std::cout << bytes;
                }
                continue;
            }
            std::vector<std::int32_t> ids;
            try {
                ids = tok->encode(inputs[i]);
            } catch (const harness::input_error& e) {
                throw harness::input_error(source + ": line " + std::to_string(i + 1) + ": " + e.what());
            }
            if (json) {
                std::cout << nlohmann::json{{"ids", ids}}.dump() << "\n";
            } else {
                for (std::size_t k = 0; k < ids.size(); ++k) std::cout << (k ? " " : "") << ids[k];
                std::cout << "\n";
            }
        }
        return 0;
    }
};

}  // namespace

std::unique_ptr<command> make_tokenize_command() { return std::make_unique<tokenize_command>(); }

}  // namespace cli
