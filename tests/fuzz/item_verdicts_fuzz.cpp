// A review's item_verdicts.jsonl (`review --item-verdicts FILE`), then the
// line format it is saved in, read back.
#include "fuzz_input.h"
#include "harness/atomic_file.h"
#include "reports/review_items.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("item_verdicts.jsonl", data, size);
    fuzz::expect_bad_input_only([&] {
        const reports::item_verdicts v = reports::load_item_verdicts(path);
        harness::write_file_atomically(path, reports::item_verdicts_to_jsonl(v));
        if (reports::load_item_verdicts(path) != v) __builtin_trap();  // what is accepted round-trips
    });
    return 0;
}
