// An `--ids` file: token ids as decimal numbers separated by whitespace.
#include "fuzz_input.h"
#include "token_ids.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::expect_bad_input_only([&] { (void)cli::parse_token_ids(text, "ids.txt"); });
    return 0;
}
