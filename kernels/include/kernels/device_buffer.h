// Memory owned on a backend's device, freed with it (RAII), with typed views.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>

#include "kernels/backend.h"

namespace kernels {

class device_buffer {
public:
    device_buffer() = default;
    device_buffer(backend& b, std::size_t bytes) : owner_(&b), bytes_(bytes), data_(b.alloc(bytes)) {}
    ~device_buffer() { reset(); }
    device_buffer(device_buffer&& o) noexcept
        : owner_(std::exchange(o.owner_, nullptr)), bytes_(std::exchange(o.bytes_, 0)), data_(std::exchange(o.data_, nullptr)) {}
    device_buffer& operator=(device_buffer&& o) noexcept {
        if (this != &o) {
            reset();
            owner_ = std::exchange(o.owner_, nullptr);
            bytes_ = std::exchange(o.bytes_, 0);
            data_ = std::exchange(o.data_, nullptr);
        }
        return *this;
    }
    device_buffer(const device_buffer&) = delete;
    device_buffer& operator=(const device_buffer&) = delete;

    void* data() const { return data_; }
    std::size_t bytes() const { return bytes_; }
    // A contiguous view of the first elements of the buffer.
    tensor_view view(dtype type, std::initializer_list<std::int64_t> shape) const {
        return tensor_view::make(data_, type, shape, owner_->device());
    }
    tensor_view view_at(std::size_t byte_offset, dtype type, std::initializer_list<std::int64_t> shape) const {
        return tensor_view::make(static_cast<char*>(data_) + byte_offset, type, shape, owner_->device());
    }

private:
    void reset() {
        if (owner_ && data_) owner_->free(data_);
        data_ = nullptr;
    }
    backend* owner_ = nullptr;
    std::size_t bytes_ = 0;
    void* data_ = nullptr;
};

}  // namespace kernels
