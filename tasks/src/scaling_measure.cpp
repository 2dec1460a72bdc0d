#include "scaling_measure.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include "harness/timing.h"
#include "kernels/cuda_timing.h"

namespace tasks {
namespace {

// Waits `us` microseconds on the host, spinning: a sleep's wake-up is
// coarser than the delays tests ask for.
void spin_for(double us) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(us);
    while (std::chrono::steady_clock::now() < until) {
    }
}

}  // namespace

timer::timer(task_context& c) : c_(c), cuda_(c.config.device == "cuda"), delay_us_(c.config.test_delay_us_per_token) {}

double timer::time_ms(const std::function<void()>& work) {
    if (cuda_) return kernels::cuda_time_ms(c_.backend, work);
    harness::stopwatch w;
    work();
    return w.elapsed_seconds() * 1e3;
}

void timer::delay(std::size_t tokens) const {
    if (delay_us_ > 0) spin_for(delay_us_ * static_cast<double>(tokens));
}

std::uint64_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

bool reset_peak_resident() {
    std::ofstream f("/proc/self/clear_refs");
    return static_cast<bool>(f << "5" << std::flush);
}

std::uint64_t peak_resident_bytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;  // "VmHWM:   123456 kB"
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;
}

std::int32_t argmax(const std::vector<float>& logits) {
    return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

reports::series_header header_of(const task_context& c) {
    return {c.def.name,     c.def.version,         c.model.name, c.model.spec.engine,
            c.config.device, engines::dtype_spelling(c.model.spec.dtype), c.model.spec.no_cache};
}

}  // namespace tasks
