// Wall-clock timing on the steady clock, for CPU work and progress reports.
// GPU work is timed with CUDA events inside the CUDA backend.
#pragma once

#include <chrono>

namespace harness {

class stopwatch {
public:
    stopwatch() : start_(clock::now()) {}
    void restart() { start_ = clock::now(); }
    double elapsed_seconds() const {
        return std::chrono::duration<double>(clock::now() - start_).count();
    }

private:
    using clock = std::chrono::steady_clock;
    clock::time_point start_;
};

}  // namespace harness
