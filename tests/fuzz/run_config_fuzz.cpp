// A RUN.json (`rwkvbench run --config FILE`): models, tasks, limit, langs.
#include "fuzz_input.h"
#include "tasks/runner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("run.json", data, size);
    fuzz::expect_bad_input_only([&] {
        tasks::run_config c;
        tasks::load_run_config(path, c);
    });
    return 0;
}
