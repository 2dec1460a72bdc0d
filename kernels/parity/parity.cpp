// The parity runner: reference vs backend for one case (see parity.h).
#include "kernels/parity.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "kernels/cpu_options.h"
#include "kernels/ref.h"

namespace kernels::parity {
namespace {

constexpr std::size_t guard_bytes = 256;
constexpr unsigned char guard_value = 0xA5;

// A device allocation with guard bytes on both sides.
class guarded_buffer {
public:
    guarded_buffer(backend& b, const host_tensor& t) : owner_(&b), payload_(t.bytes.size()) {
        base_ = static_cast<unsigned char*>(b.alloc(payload_ + 2 * guard_bytes));
        b.fill_bytes(base_, guard_value, payload_ + 2 * guard_bytes);
        b.upload(base_ + guard_bytes, t.bytes.data(), payload_);
    }
    guarded_buffer(const guarded_buffer&) = delete;
    guarded_buffer& operator=(const guarded_buffer&) = delete;
    ~guarded_buffer() { owner_->free(base_); }

    void* data() const { return base_ + guard_bytes; }
    std::size_t payload() const { return payload_; }
    std::vector<unsigned char> download_all() const {
        std::vector<unsigned char> all(payload_ + 2 * guard_bytes);
        owner_->download(all.data(), base_, all.size());
        return all;
    }

private:
    backend* owner_;
    std::size_t payload_;
    unsigned char* base_ = nullptr;
};

// Runs c on b; returns the final bytes of every tensor. `guard_report` says
// which tensor's guard bytes were overwritten, if any.
std::vector<std::vector<unsigned char>> execute(const op_case& c, const std::vector<host_tensor>& tensors, backend& b,
                                                std::string* guard_report) {
    std::vector<std::unique_ptr<guarded_buffer>> buffers;
    std::vector<tensor_view> views;
    for (const host_tensor& t : tensors) {
        buffers.push_back(std::make_unique<guarded_buffer>(b, t));
        views.push_back(t.view(buffers.back()->data(), b.device()));
    }
    c.run(b, views);
    b.synchronize();
    std::vector<std::vector<unsigned char>> results;
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        const std::vector<unsigned char> all = buffers[i]->download_all();
        const std::size_t payload = buffers[i]->payload();
        for (std::size_t g = 0; g < guard_bytes; ++g) {
            const bool before = all[g] != guard_value, after = all[guard_bytes + payload + g] != guard_value;
            if ((before || after) && guard_report && guard_report->empty())
                *guard_report = "tensor " + std::to_string(i) + ": bytes written " + (before ? "before" : "after") +
                                " it (guard byte " + std::to_string(g) + ")";
        }
        results.emplace_back(all.begin() + guard_bytes, all.begin() + static_cast<std::ptrdiff_t>(guard_bytes + payload));
    }
    return results;
}

std::vector<double> as_doubles(const host_tensor& t, const std::vector<unsigned char>& bytes) {
    std::vector<double> v(static_cast<std::size_t>(t.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (t.type == dtype::i32) {
            std::int32_t x;
            std::memcpy(&x, bytes.data() + 4 * i, 4);
            v[i] = x;
        } else {
            float x;
            std::memcpy(&x, bytes.data() + 4 * i, 4);
            v[i] = x;
        }
    }
    return v;
}

// Normalised mean squared error: sum (x - r)^2 / sum r^2 (0 when equal).
double nmse(const std::vector<double>& x, const std::vector<double>& r) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        num += (x[i] - r[i]) * (x[i] - r[i]);
        den += r[i] * r[i];
    }
    if (num == 0) return 0;
    return den == 0 ? INFINITY : num / den;
}

double sum_of_squares(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x * x;
    return s;
}

double max_abs_diff(const std::vector<double>& x, const std::vector<double>& r) {
    double m = 0;
    for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - r[i]));
    return m;
}

}  // namespace

std::int64_t host_tensor::numel() const {
    std::int64_t n = 1;
    for (std::int64_t s : shape) n *= s;
    return n;
}

tensor_view host_tensor::view(void* data, device_kind device) const {
    tensor_view v;
    v.data = data;
    v.type = type;
    v.device = device;
    v.n_dims = static_cast<int>(shape.size());
    std::int64_t stride = 1;
    for (int i = v.n_dims - 1; i >= 0; --i) {
        v.shape[i] = shape[i];
        v.stride[i] = stride;
        stride *= shape[i];
    }
    return v;
}

case_result run_case(const op_case& c, backend& target) {
    case_result result;
    if (!target.supports(c.desc)) {
        result.supported = false;
        result.passed = true;
        result.message = "not supported by " + std::string(target.name());
        return result;
    }
    auto ref64 = ref::make_ref_backend(true);
    auto ref32 = ref::make_ref_backend(false);
    const std::vector<host_tensor> tensors = c.make_tensors();
    const auto truth = execute(c, tensors, *ref64, nullptr);
    const auto plain_float = execute(c, tensors, *ref32, nullptr);
    std::string guard_report;
    const auto got = execute(c, tensors, target, &guard_report);
    if (!guard_report.empty()) {
        result.message = guard_report;
        return result;
    }
    const std::vector<double> sigma = c.rounding_sigma ? c.rounding_sigma(tensors) : std::vector<double>{};
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const bool is_output = std::find(c.outputs.begin(), c.outputs.end(), static_cast<int>(i)) != c.outputs.end();
        if (!is_output) {
            if (got[i] != tensors[i].bytes) {
                result.message = "input tensor " + std::to_string(i) + " was modified";
                return result;
            }
            continue;
        }
        const host_tensor& t = tensors[i];
        const auto r = as_doubles(t, truth[i]);
        const auto f = as_doubles(t, plain_float[i]);
        const auto x = as_doubles(t, got[i]);
        const bool analysed = static_cast<int>(i) == c.outputs.front() && sigma.size() == r.size();
        const double r_squares = sum_of_squares(r);
        const double analysed_nmse = analysed && r_squares > 0 ? 9 * sum_of_squares(sigma) / r_squares : 0.0;
        const double allowed_nmse = std::max({2 * nmse(f, r), c.min_nmse, analysed_nmse});
        const double atol = std::max(2 * max_abs_diff(f, r), c.min_atol);
        const auto bound = [&](std::size_t j) {
            return std::max(atol, analysed ? 6 * sigma[j] : 0.0) + c.rtol * std::fabs(r[j]);
        };
        const double e = nmse(x, r);
        result.nmse = std::max(result.nmse, e);
        result.allowed_nmse = std::max(result.allowed_nmse, allowed_nmse);
        result.max_abs_err = std::max(result.max_abs_err, max_abs_diff(x, r));
        std::size_t worst = 0;
        double worst_excess = -INFINITY;
        for (std::size_t j = 0; j < x.size(); ++j) {
            const double diff = std::fabs(x[j] - r[j]);
            const double excess = std::isnan(diff) ? INFINITY : diff - bound(j);
            if (excess > worst_excess) worst_excess = excess, worst = j;
        }
        if (!(e <= allowed_nmse) || worst_excess > 0) {
            std::ostringstream msg;
            msg.precision(9);
            msg << "output tensor " << i << ": nmse " << e << " (allowed " << allowed_nmse << "); worst element ["
                << worst << "] = " << x[worst] << ", reference " << r[worst] << " (float reference " << f[worst]
                << "), bound " << bound(worst);
            result.message = msg.str();
            return result;
        }
    }
    result.passed = true;
    return result;
}

std::vector<named_backend> testable_backends(std::vector<std::string>* skipped) {
    std::vector<named_backend> list;
    for (cpu_isa isa : {cpu_isa::scalar, cpu_isa::avx2, cpu_isa::avx512, cpu_isa::avx512_bf16}) {
        const std::string name = "cpu/" + std::string(cpu_isa_name(isa));
        if (!cpu_isa_available(isa)) {
            if (skipped) skipped->push_back(name + ": this CPU lacks it");
            continue;
        }
        list.push_back({name, [isa] {
                            cpu_options o;
                            o.isa = isa;
                            return make_cpu_backend(o);
                        }});
    }
    std::string reason;
    if (cuda_available(&reason))
        list.push_back({"cuda", [] { return make_cuda_backend(0); }});
    else if (skipped)
        skipped->push_back("cuda: " + reason);
    return list;
}

}  // namespace kernels::parity
