#include "harness/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/errors.h"

namespace harness {

mapped_file::mapped_file(const std::string& path) : path_(path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw input_error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw input_error(path + ": not a regular file");
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            throw input_error(path + ": cannot map: " + std::strerror(err));
        }
        data_ = static_cast<const unsigned char*>(p);
    }
    ::close(fd);
}

mapped_file::~mapped_file() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

void byte_reader::fail(const std::string& what) const { fail_at(file_offset(), what); }

void byte_reader::fail_at(std::uint64_t file_offset, const std::string& what) const {
    throw input_error(file_, "byte", file_offset, what);
}

void byte_reader::need(std::uint64_t n) const {
    if (n > size_ - pos_)
        fail("unexpected end of data: need " + std::to_string(n) + " more bytes, " + std::to_string(size_ - pos_) +
             " left");
}

void byte_reader::seek(std::uint64_t pos) {
    if (pos > size_) fail_at(base_ + pos, "offset past the end (" + std::to_string(base_ + size_) + " bytes)");
    pos_ = pos;
}

void byte_reader::skip(std::uint64_t n) {
    need(n);
    pos_ += n;
}

std::uint8_t byte_reader::u8() {
    need(1);
    return data_[pos_++];
}

std::uint64_t byte_reader::little_endian(int n) {
    need(static_cast<std::uint64_t>(n));
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | data_[pos_ + static_cast<std::uint64_t>(i)];
    pos_ += static_cast<std::uint64_t>(n);
    return v;
}

std::uint16_t byte_reader::u16() { return static_cast<std::uint16_t>(little_endian(2)); }
std::uint32_t byte_reader::u32() { return static_cast<std::uint32_t>(little_endian(4)); }
std::uint64_t byte_reader::u64() { return little_endian(8); }

double byte_reader::f64_be() {
    need(8);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += 8;
    double d;
    std::memcpy(&d, &v, 8);
    return d;
}

std::string_view byte_reader::take(std::uint64_t n) {
    need(n);
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(n));
    pos_ += n;
    return s;
}

}  // namespace harness
