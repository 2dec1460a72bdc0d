// A gate configuration (`compare --gate FILE`).
#include "fuzz_input.h"
#include "reports/compare.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("gate.json", data, size);
    fuzz::expect_bad_input_only([&] { (void)reports::load_gate_config(path); });
    return 0;
}
