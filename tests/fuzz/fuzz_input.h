// What every fuzz target shares: the input as a file (rwkvbench's parsers
// read paths, as users give them), and the rule that bad bytes must end in a
// bad-input error (exit 2) and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/errors.h"

namespace fuzz {

// This process's scratch folder (under $TMPDIR), made once.
const std::string& scratch_dir();

// Writes the bytes to scratch_dir()/name, replacing what was there; returns the path.
std::string write_file(const std::string& name, const std::uint8_t* data, std::size_t size);
std::string write_file(const std::string& name, const std::string& text);

// Runs `parse`; an error with exit code 2 is the expected answer to bad
// input. Anything else escapes: libFuzzer reports an uncaught exception,
// like a crash, with the input that caused it.
template <class F>
void expect_bad_input_only(F&& parse) {
    try {
        parse();
    } catch (const harness::error& e) {
        if (e.code() != harness::exit_code::bad_input) throw;
    }
}

}  // namespace fuzz
