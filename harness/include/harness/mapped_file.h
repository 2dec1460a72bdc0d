// A read-only memory map of a whole file. Loaders read tensors straight out
// of it; nothing is copied until an engine converts what it needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace harness {

class mapped_file {
public:
    // Throws harness::input_error naming the path when the file cannot be
    // opened or mapped (missing, a directory, no permission).
    explicit mapped_file(const std::string& path);
    ~mapped_file();
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;

    const std::string& path() const { return path_; }
    const unsigned char* data() const { return data_; }
    std::uint64_t size() const { return size_; }
    std::string_view bytes(std::uint64_t offset, std::uint64_t n) const {
        return {reinterpret_cast<const char*>(data_ + offset), static_cast<std::size_t>(n)};
    }

private:
    std::string path_;
    const unsigned char* data_ = nullptr;
    std::uint64_t size_ = 0;
};

// A bounds-checked little-endian reader over a byte range of a file: every
// read past the end throws input_error with the file name and the offset.
class byte_reader {
public:
    byte_reader(const std::string& file, const unsigned char* data, std::uint64_t size, std::uint64_t base = 0)
        : file_(file), data_(data), size_(size), base_(base) {}

    std::uint64_t offset() const { return pos_; }           // within this range
    std::uint64_t file_offset() const { return base_ + pos_; }
    std::uint64_t remaining() const { return size_ - pos_; }
    bool at_end() const { return pos_ == size_; }
    void seek(std::uint64_t pos);
    void skip(std::uint64_t n);

    std::uint8_t u8();
    std::uint16_t u16();
    std::uint32_t u32();
    std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
    std::uint64_t u64();
    double f64_be();  // pickle's BINFLOAT is big-endian
    std::string_view take(std::uint64_t n);

    // Throws input_error "<file>: byte <file_offset>: <what>".
    [[noreturn]] void fail(const std::string& what) const;
    [[noreturn]] void fail_at(std::uint64_t file_offset, const std::string& what) const;

private:
    void need(std::uint64_t n) const;
    std::uint64_t little_endian(int n_bytes);
    std::string file_;
    const unsigned char* data_;
    std::uint64_t size_, base_, pos_ = 0;
};

}  // namespace harness
