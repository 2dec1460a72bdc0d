// An RWKV World vocabulary file (one Python literal per line), loaded, then
// used on a fixed text and on its own ids.
#include "engines/tokenizer.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("rwkv_vocab.txt", data, size);
    fuzz::expect_bad_input_only([&] {
        const auto tok = engines::load_world_tokenizer(path);
        const auto ids = tok->encode("Hello, world! Ünïcödé 漢字 \n\t  spaces");
        (void)tok->decode(ids);
    });
    return 0;
}
