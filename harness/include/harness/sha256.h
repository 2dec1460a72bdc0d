// SHA-256 (FIPS 180-4) of bytes and of files: dataset MANIFEST checks and
// the pinned hashes of each task's requests. None of the project's
// dependencies offers a hash, and one small function beats pulling in a
// crypto library for it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace harness {

class sha256 {
public:
    sha256();
    sha256& update(std::string_view bytes);
    std::string hex_digest();  // finishes the hash; lower-case hex, 64 characters

private:
    void block(const unsigned char* p);
    std::uint32_t h_[8];
    unsigned char buf_[64];
    std::size_t buffered_ = 0;
    std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view bytes);
// Throws input_error when the file cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace harness
