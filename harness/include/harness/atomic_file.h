// Writes a file atomically: the bytes go to a temporary file in the same
// folder, which is flushed and renamed over the target. A failed or killed
// write never leaves a half-written file where a good one was.
#pragma once

#include <string>
#include <string_view>

namespace harness {

// Throws input_error naming the path when the file cannot be created (the
// folder is not writable), io_error (exit 3) when writing or renaming fails
// part-way (no space left, a file-size limit, an I/O error).
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace harness
