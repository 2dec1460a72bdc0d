// A run's journal.jsonl, read back as `run --resume` reads it.
#include "fuzz_input.h"
#include "tasks/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("journal.jsonl", data, size);
    fuzz::expect_bad_input_only([&] { tasks::journal j(path, true); });
    return 0;
}
