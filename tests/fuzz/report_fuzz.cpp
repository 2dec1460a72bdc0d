// A report.json, as `report`, `compare` and `review` load it; then rendered
// to Markdown and compared with itself, as those commands would.
#include "fuzz_input.h"
#include "reports/compare.h"
#include "reports/render.h"
#include "reports/report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("report.json", data, size);
    fuzz::expect_bad_input_only([&] {
        const reports::run_report r = reports::load_report(path);
        (void)reports::markdown_summary(r);
        (void)reports::compare_reports(r, r, reports::gate_config{});
    });
    return 0;
}
