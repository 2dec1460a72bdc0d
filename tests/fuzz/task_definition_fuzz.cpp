// A task definition file. It is named task.json beside a copy of a shipped
// definition (base.json), so "include" can name either: itself (a cycle),
// the base, or something absent.
#include "fuzz_input.h"
#include "tasks/task_definition.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool base_written = [] {
        fuzz::write_file("base.json", R"({"name": "base", "version": 1, "scorer": "multiple_choice",
            "format": "xcopa", "data": "xcopa/{lang}.jsonl", "metrics": ["acc"],
            "options": {"words": {"it": ["perché", "quindi"]}}})");
        return true;
    }();
    (void)base_written;
    const std::string path = fuzz::write_file("task.json", data, size);
    fuzz::expect_bad_input_only([&] { (void)tasks::load_task_definition(path); });
    return 0;
}
