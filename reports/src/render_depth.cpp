// The depth sweep's views (scaling_depth series): the headline that says in
// words what the sweep measured, the latency and memory tables of report.md
// and series/scaling_depth.csv. Every number comes from the report.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>

#include "harness/atomic_file.h"
#include "reports/render.h"

namespace reports {
namespace {

std::string bytes_text(double b) {
    if (b >= 1024.0 * 1048576.0) return format_number(b / (1024.0 * 1048576.0), 3) + " GiB";
    if (b >= 1048576.0) return format_number(b / 1048576.0, 3) + " MiB";
    return format_number(b / 1024.0, 3) + " KiB";
}

std::string ratio_text(double x) { return format_number(x, 3) + "×"; }

// Index of `depth` in the series, or npos.
std::size_t index_of(const depth_series& s, std::int64_t depth) {
    const auto it = std::find(s.depth.begin(), s.depth.end(), depth);
    return it == s.depth.end() ? std::string::npos : static_cast<std::size_t>(it - s.depth.begin());
}

// Difference of a measured size from its analytic one, in percent ("+0.00%").
std::string difference_text(std::uint64_t measured, std::uint64_t expected) {
    if (expected == 0) return measured == 0 ? "0%" : "n/a";
    const double d = 100.0 * (static_cast<double>(measured) - static_cast<double>(expected)) / static_cast<double>(expected);
    std::ostringstream s;
    s << (d >= 0 ? "+" : "") << format_number(d, 3) << "%";
    return s.str();
}

// The deepest depth's median latency over the reference depth's, as the
// headline and the table both show it; none without a reference depth.
std::optional<double> latency_growth(const depth_series& s) {
    const std::size_t ref = index_of(s, s.reference_depth);
    if (s.reference_depth <= 0 || ref == std::string::npos || s.median_latency_ms[ref] <= 0) return std::nullopt;
    return s.median_latency_ms.back() / s.median_latency_ms[ref];
}

bool is_recurrent(const depth_series& s) { return s.header.engine.rfind("rwkv", 0) == 0; }

}  // namespace

std::vector<std::string> depth_headline(const run_report& r) {
    std::vector<std::string> out;
    if (r.depth.empty()) return out;
    // The sentence names the depths of the first series with a reference depth;
    // a series measured between other depths says its own.
    const auto framed = std::find_if(r.depth.begin(), r.depth.end(),
                                     [](const depth_series& s) { return s.reference_depth > 0 && !s.depth.empty(); });
    const depth_series& first = framed == r.depth.end() ? r.depth.front() : *framed;
    std::vector<std::string> growth, state, quadratic, linear;
    for (const auto& s : r.depth) {
        if (s.depth.size() < 2) continue;
        const std::size_t deepest = s.depth.size() - 1;
        const std::string name = series_label(s.header.model, s.header.engine, s.header.no_cache);
        if (const auto g = latency_growth(s)) {
            const double at_ref = s.median_latency_ms[index_of(s, s.reference_depth)];
            const bool other_depths = s.reference_depth != first.reference_depth || s.depth[deepest] != first.depth.back();
            growth.push_back(name + " " + ratio_text(*g) + " (" + format_number(at_ref, 3) + " → " +
                             format_number(s.median_latency_ms[deepest], 3) + " ms" +
                             (other_depths ? ", " + std::to_string(s.reference_depth) + " → " +
                                                 std::to_string(s.depth[deepest])
                                           : "") +
                             ")");
        }
        state.push_back(std::string(is_recurrent(s) ? "RWKV state " : "KV cache ") +
                        bytes_text(static_cast<double>(s.memory[deepest].state_used_bytes)) + " (" + name + " at " +
                        std::to_string(s.depth[deepest]) + ")");
        if (!s.cumulative_quadratic.coef.empty()) (s.quadratic_significant ? quadratic : linear).push_back(name);
    }
    const auto join = [](const std::vector<std::string>& v, const std::string& sep) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
        return s;
    };
    if (!growth.empty() && !first.depth.empty())
        out.push_back("Per-token latency at " + std::to_string(first.depth.back()) +
                      " tokens of context, as a multiple of that at " + std::to_string(first.reference_depth) +
                      " (measured): " + join(growth, "; ") + ".");
    if (!state.empty()) out.push_back("State held at the deepest depth: " + join(state, "; ") + ".");
    if (!quadratic.empty() || !linear.empty())
        out.push_back("Cumulative generation time (integrated from the latencies) has a T² term more than 2 standard "
                      "errors above zero for: " +
                      (quadratic.empty() ? std::string("none") : join(quadratic, ", ")) +
                      "; not for: " + (linear.empty() ? std::string("none") : join(linear, ", ")) + ".");
    return out;
}

std::string depth_markdown(const run_report& r) {
    if (r.depth.empty()) return "";
    std::ostringstream s;
    std::set<std::int64_t> depths;
    for (const auto& d : r.depth) depths.insert(d.depth.begin(), d.depth.end());
    s << "\n## Scaling: latency by depth (ms per decoded token, median of repeats)\n\n| Model | Engine |";
    for (const auto d : depths) s << " @" << d << " |";
    s << " latency growth | prefill tok/s @deepest | note |\n|---|---|";
    for (std::size_t i = 0; i < depths.size(); ++i) s << "---:|";
    s << "---:|---:|---|\n";
    for (const auto& d : r.depth) {
        s << "| " << d.header.model << " | " << d.header.engine << " |";
        for (const auto at : depths) {
            const std::size_t k = index_of(d, at);
            s << " " << (k == std::string::npos ? "–" : format_number(d.median_latency_ms[k])) << " |";
        }
        const auto growth = latency_growth(d);
        s << " " << (growth ? ratio_text(*growth) : "–") << " | " << format_number(d.prefill_tokens_per_s.back()) << " | "
          << d.depth_note << " |\n";
    }
    s << "\n## Scaling: memory by kind at the deepest depth (measured vs the model's shape)\n\n| Model | Depth | "
         "Weights | vs n_params × size | State/KV used | vs analytic | State/KV allocated | Scratch | RSS | Peak RSS | "
         "GPU used |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& d : r.depth) {
        const depth_memory& m = d.memory.back();
        s << "| " << d.header.model << " | " << d.depth.back() << " | " << bytes_text(static_cast<double>(m.weight_bytes))
          << " | " << difference_text(m.weight_bytes, m.expected_weight_bytes) << " | "
          << bytes_text(static_cast<double>(m.state_used_bytes)) << " | "
          << difference_text(m.state_used_bytes, m.expected_state_bytes) << " | "
          << bytes_text(static_cast<double>(m.state_allocated_bytes)) << " | "
          << bytes_text(static_cast<double>(m.scratch_bytes)) << " | " << bytes_text(static_cast<double>(m.rss_bytes))
          << " | " << bytes_text(static_cast<double>(m.peak_rss_bytes)) << " | "
          << (m.device_used_bytes ? bytes_text(static_cast<double>(*m.device_used_bytes)) : "–") << " |\n";
    }
    s << "\nCumulative-time fits over depth T (integrated, ms): a + b·T + c·T² with standard errors.\n\n| Model | a | b | "
         "c | R² | c > 2 s.e. |\n|---|---:|---:|---:|---:|---|\n";
    for (const auto& d : r.depth) {
        const poly_fit_record& f = d.cumulative_quadratic;
        s << "| " << d.header.model << " |";
        for (std::size_t k = 0; k < 3; ++k)
            s << " "
              << (k < f.coef.size() ? format_number(f.coef[k]) +
                                          (k < f.stderr_.size() ? " ± " + format_number(f.stderr_[k], 2) : "")
                                    : "–")
              << " |";
        s << " " << (f.coef.empty() ? "–" : format_number(f.r2, 5)) << " | "
          << (f.coef.empty() ? "–" : d.quadratic_significant ? "yes" : "no") << " |\n";
    }
    return s.str();
}

void write_depth_csv(const run_report& r, const std::string& dir, rendered& out) {
    if (r.depth.empty()) return;
    std::size_t repeats = 0;
    for (const auto& d : r.depth)
        for (const auto& at : d.latency_ms) repeats = std::max(repeats, at.size());
    std::ostringstream c;
    c << "model,engine,no_cache,depth,median_latency_ms,prefill_from,prefill_tokens_per_s,integrated_cumulative_ms,"
         "weight_bytes,expected_weight_bytes,state_used_bytes,expected_state_bytes,state_allocated_bytes,scratch_bytes,"
         "rss_bytes,peak_rss_bytes,device_used_bytes";
    for (std::size_t k = 0; k < repeats; ++k) c << ",mean_latency_ms_r" << k;
    c << "\n";
    for (const auto& d : r.depth)
        for (std::size_t i = 0; i < d.depth.size(); ++i) {
            const depth_memory& m = d.memory[i];
            c << csv_field(d.header.model) << "," << d.header.engine << "," << (d.header.no_cache ? "true" : "false")
              << "," << d.depth[i] << "," << format_number(d.median_latency_ms[i], 8) << "," << d.prefill_from[i] << ","
              << (std::isfinite(d.prefill_tokens_per_s[i]) ? format_number(d.prefill_tokens_per_s[i], 8) : "") << ","
              << format_number(d.integrated_cumulative_ms[i], 10) << "," << m.weight_bytes << ","
              << m.expected_weight_bytes << "," << m.state_used_bytes << "," << m.expected_state_bytes << ","
              << m.state_allocated_bytes << "," << m.scratch_bytes << "," << m.rss_bytes << "," << m.peak_rss_bytes
              << "," << (m.device_used_bytes ? std::to_string(*m.device_used_bytes) : "");
            for (std::size_t k = 0; k < repeats; ++k) {
                c << ",";
                if (k < d.latency_ms[i].size() && !d.latency_ms[i][k].empty()) {
                    double sum = 0;
                    for (const double v : d.latency_ms[i][k]) sum += v;
                    c << format_number(sum / static_cast<double>(d.latency_ms[i][k].size()), 8);
                }
            }
            c << "\n";
        }
    std::filesystem::create_directories(dir + "/series");
    harness::write_file_atomically(dir + "/series/scaling_depth.csv", c.str());
    out.files.push_back("series/scaling_depth.csv");
}

}  // namespace reports
