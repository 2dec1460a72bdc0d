// Reads a whole (small) file into memory: configs, tokenizer JSON, texts.
// Checkpoints are memory-mapped instead (mapped_file.h).
#pragma once

#include <string>

namespace harness {

// Throws input_error "<path>: cannot open" when the file cannot be read.
std::string read_file(const std::string& path);

}  // namespace harness
