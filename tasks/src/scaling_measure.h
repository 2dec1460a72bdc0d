// What the two scaling scorers (scaling, scaling_depth) measure with: a
// timer that uses CUDA events on the GPU and the steady clock on the CPU,
// the process's resident memory, greedy argmax, and a series' header.
#pragma once

#include <cstdint>
#include <vector>

#include "reports/report_model.h"
#include "task_context.h"
#include "tasks/fit.h"

namespace tasks {

class timer {
public:
    explicit timer(task_context& c);
    // Milliseconds `work`, a call that feeds `tokens` tokens, took on the
    // device. --test-delay-us-per-token adds its fixed cost per token inside
    // the timed region (on CUDA the stream idles meanwhile, between the events).
    template <class F>
    double ms(F&& work, std::size_t tokens) {
        return time_ms([&] {
            delay(tokens);
            work();
        });
    }

private:
    double time_ms(const std::function<void()>& work);
    void delay(std::size_t tokens) const;
    task_context& c_;
    bool cuda_;
    double delay_us_;
};

std::uint64_t resident_bytes();
// Linux resets the peak resident size (VmHWM) on writing "5" to clear_refs,
// so each measurement gets its own peak; elsewhere it is the process's.
bool reset_peak_resident();
std::uint64_t peak_resident_bytes();

std::int32_t argmax(const std::vector<float>& logits);

inline reports::poly_fit_record fit_record(const poly_fit& f) { return {f.coef, f.stderr_, f.r2}; }

// What names a series in the report: task, model, engine, device.
reports::series_header header_of(const task_context& c);

}  // namespace tasks
