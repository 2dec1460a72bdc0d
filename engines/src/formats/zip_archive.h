// The central directory of a zip archive (as torch.save writes it), with
// ZIP64 support for checkpoints over 4 GiB. Only stored (uncompressed)
// entries can be read in place, which is what torch.save produces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/mapped_file.h"

namespace engines {

struct zip_entry {
    std::string name;
    std::uint16_t method = 0;          // 0 = stored
    std::uint64_t data_offset = 0;     // of the entry's bytes in the file
    std::uint64_t size = 0;            // uncompressed = stored size
    std::uint64_t header_offset = 0;   // of the local header, for messages
};

// Throws harness::input_error for anything malformed: no end-of-central-
// directory record, entries outside the file, duplicate names.
std::vector<zip_entry> read_zip_directory(const harness::mapped_file& file);

}  // namespace engines
