// A review's verdicts.json (`review --verdicts FILE`).
#include "fuzz_input.h"
#include "reports/review.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("verdicts.json", data, size);
    fuzz::expect_bad_input_only([&] { (void)reports::load_verdicts(path); });
    return 0;
}
