// The dataset readers (JSONL, TSV, plain lines). The first byte picks the
// reader, the rest is the file. (MANIFEST.json files are read by
// harness::read_json_file, whose errors the other JSON targets reach.)
#include "datasets/choice_records.h"
#include "datasets/lambada.h"
#include "datasets/text_table.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned reader = data[0] % 8u;
    // Each reader gets its own name, so the per-process read cache of one never answers for another.
    const std::string path = fuzz::write_file("data" + std::to_string(reader), data + 1, size - 1);
    fuzz::expect_bad_input_only([&] {
        switch (reader) {
            case 0: (void)datasets::load_lambada(path); break;
            case 1: (void)datasets::read_xcopa(path); break;
            case 2: (void)datasets::read_xstorycloze(path); break;
            case 3: (void)datasets::read_xwinograd(path); break;
            case 4: (void)datasets::read_pawsx(path); break;
            case 5: (void)datasets::read_xnli(path); break;
            case 6: (void)datasets::read_choices_jsonl(path); break;
            default: (void)datasets::read_lines(path); break;
        }
    });
    return 0;
}
