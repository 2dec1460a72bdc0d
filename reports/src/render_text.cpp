// Markdown and CSV renderers, and the helpers every renderer shares.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "harness/atomic_file.h"
#include "harness/errors.h"
#include "reports/render.h"

namespace reports {
namespace {

std::string arrow(bool higher_is_better) { return higher_is_better ? "↑" : "↓"; }

// The ms/token contexts the report has, in order.
// The contexts of the generation sweeps' ms_per_token (not the depth sweep's
// depths); a series without a task (older reports) takes every task's.
std::vector<std::int64_t> timing_contexts(const run_report& r) {
    std::set<std::string> tasks;
    for (const auto& g : r.generation) tasks.insert(g.header.task);
    std::set<std::int64_t> s;
    for (const auto& m : r.results)
        if (m.metric == "ms_per_token" && m.context && (tasks.count(m.task) || tasks.count(""))) s.insert(*m.context);
    return {s.begin(), s.end()};
}

const metric_result* find(const run_report& r, const std::string& task, const std::string& model,
                          const std::string& metric, std::optional<std::int64_t> context = std::nullopt) {
    for (const auto& m : r.results)
        if ((task.empty() || m.task == task) && m.model == model && m.metric == metric && (!context || m.context == context))
            return &m;
    return nullptr;
}

}  // namespace

std::string html_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string format_number(double x, int significant) {
    if (!std::isfinite(x)) return "n/a";
    std::ostringstream s;
    if (x != 0 && std::abs(x) < 1e6 && std::abs(x) >= 1e-3) {
        const int digits = std::max(0, significant - 1 - static_cast<int>(std::floor(std::log10(std::abs(x)))));
        s << std::fixed << std::setprecision(digits) << x;
    } else {
        s << std::setprecision(significant) << x;
    }
    return s.str();
}

std::string series_label(const std::string& model, const std::string& engine, bool no_cache) {
    // The model names of the default suite already say the mode; otherwise add it.
    if (model.find(engine) != std::string::npos || model.find('(') != std::string::npos) return model;
    return model + " (" + engine + (no_cache ? ", no cache" : "") + ")";
}

std::string markdown_summary(const run_report& r) {
    std::ostringstream s;
    s << "# rwkvbench report\n\n";
    s << "| date | commit | CPU | threads | BLAS | GPU | compiler |\n|---|---|---|---:|---|---|---|\n";
    const provenance_record& p = r.context;
    s << "| " << p.date << " | " << p.git_commit << " | " << p.cpu << " | "
      << (p.threads ? std::to_string(*p.threads) : "") << " | " << p.blas << " | " << (p.gpu.empty() ? "none" : p.gpu)
      << " | " << p.compiler << " |\n\n";
    if (const auto headline = depth_headline(r); !headline.empty()) {
        s << "## What the depth sweep measured\n\n";
        for (const auto& sentence : headline) s << sentence << "\n\n";
    }
    s << "## Results\n\n| Task | Version | Language | Model | Metric | ↑↓ | Value | ± | Stderr "
         "|\n|---|---:|---|---|---|---|---:|---|---:|\n";
    for (const auto& m : r.results) {
        if (m.is_timing()) continue;
        s << "| " << m.task << " | " << m.task_version << " | " << m.language << " | " << m.model << " | " << m.metric
          << " | " << arrow(m.higher_is_better) << " | " << format_number(m.value) << " | ± | "
          << format_number(m.stderr_) << " |\n";
    }
    if (!r.generation.empty()) {
        const auto contexts = timing_contexts(r);
        s << "\n## Scaling: generation (median of repeats)\n\n| Model | Engine | KV cache |";
        for (const auto c : contexts) s << " ms/token @" << c << " |";
        s << " tokens/s | growth exponent | state/KV at end | peak RSS |\n|---|---|---|";
        for (std::size_t i = 0; i < contexts.size(); ++i) s << "---:|";
        s << "---:|---:|---:|---:|\n";
        for (const auto& g : r.generation) {
            s << "| " << g.header.model << " | " << g.header.engine << " | "
              << (g.header.engine == "transformer" ? (g.header.no_cache ? "no" : "yes") : "n/a") << " |";
            for (const auto c : contexts) {
                const metric_result* m = find(r, g.header.task, g.header.model, "ms_per_token", c);
                s << " " << (m ? format_number(m->value) + " ± " + format_number(m->stderr_, 2) : "–") << " |";
            }
            const metric_result* tps = find(r, g.header.task, g.header.model, "tokens_per_s");
            s << " " << (tps ? format_number(tps->value) : "–") << " | " << format_number(g.growth_exponent, 3) << " | "
              << format_number(g.state_bytes.empty() ? 0 : g.state_bytes.back() / 1048576.0, 3) << " MiB | "
              << format_number(g.peak_rss_bytes / 1048576.0, 4) << " MiB |\n";
        }
    }
    if (!r.prefill.empty()) {
        std::set<double> lengths;
        for (const auto& p : r.prefill) lengths.insert(p.prompt_tokens.begin(), p.prompt_tokens.end());
        s << "\n## Scaling: parallel prefill (tokens/s, median of repeats)\n\n| Model | Engine |";
        for (const double l : lengths) s << " prompt " << static_cast<long>(l) << " |";
        s << "\n|---|---|";
        for (std::size_t i = 0; i < lengths.size(); ++i) s << "---:|";
        s << "\n";
        for (const auto& p : r.prefill) {
            s << "| " << p.header.model << " | " << p.header.engine << " |";
            for (const double l : lengths) {
                const auto it = std::find(p.prompt_tokens.begin(), p.prompt_tokens.end(), l);
                s << " "
                  << (it == p.prompt_tokens.end()
                          ? "–"
                          : format_number(
                                p.median_tokens_per_s[static_cast<std::size_t>(it - p.prompt_tokens.begin())]))
                  << " |";
            }
            s << "\n";
        }
    }
    s << depth_markdown(r);
    if (r.processes) {
        const processes_record& pr = *r.processes;
        s << "\n## Processes (MPI, " << pr.world_size << " ranks)\n\n| Rank | Host | Device | Threads | Examples | "
             "Busy s | Wall s |\n|---:|---|---|---:|---:|---:|---:|\n";
        for (const auto& k : pr.ranks)
            s << "| " << k.rank << " | " << k.host << " | " << k.device << " | " << k.threads << " | " << k.examples
              << " | " << format_number(k.busy_s) << " | " << format_number(k.wall_s) << " |\n";
        s << "\nRank 0 spent " << format_number(pr.split_s) << " s splitting the examples and "
          << format_number(pr.gather_s) << " s gathering records."
          << (pr.scaling.empty() ? "" : " Timing tasks: " + pr.scaling + ".") << "\n";
    }
    return s.str();
}

void write_markdown(const run_report& r, const std::string& dir, rendered& out) {
    harness::write_file_atomically(dir + "/report.md", markdown_summary(r));
    out.files.push_back("report.md");
}

void write_csv(const run_report& r, const std::string& dir, rendered& out) {
    std::filesystem::create_directories(dir + "/series");
    std::ostringstream res;
    res << "task,task_version,model,engine,device,dtype,metric,language,context,prompt_tokens,value,stderr,n,higher_is_"
           "better,samples\n";
    for (const auto& m : r.results) {
        std::string samples;
        for (const double x : m.samples) {
            if (!samples.empty()) samples += ';';
            samples += format_number(x, 8);
        }
        res << csv_field(m.task) << "," << m.task_version << "," << csv_field(m.model) << "," << m.engine << ","
            << m.device << "," << m.dtype << "," << m.metric << "," << csv_field(m.language) << ","
            << (m.context ? std::to_string(*m.context) : "") << ","
            << (m.prompt_tokens ? std::to_string(*m.prompt_tokens) : "") << "," << format_number(m.value, 10) << ","
            << format_number(m.stderr_, 6) << "," << m.n << "," << (m.higher_is_better ? "true" : "false") << ","
            << samples << "\n";
    }
    harness::write_file_atomically(dir + "/series/results.csv", res.str());
    out.files.push_back("series/results.csv");

    std::ostringstream lang;
    lang << "task,model,metric,language,value,stderr,n\n";
    bool any_language = false;
    for (const auto& m : r.results)
        if (!m.language.empty()) {
            any_language = true;
            lang << m.task << "," << csv_field(m.model) << "," << m.metric << "," << csv_field(m.language) << ","
                 << format_number(m.value, 10) << "," << format_number(m.stderr_, 6) << "," << m.n << "\n";
        }
    if (any_language) {
        harness::write_file_atomically(dir + "/series/per_language.csv", lang.str());
        out.files.push_back("series/per_language.csv");
    }
    if (!r.generation.empty()) {
        std::size_t repeats = 0;
        for (const auto& g : r.generation) repeats = std::max(repeats, g.latency_ms.size());
        std::ostringstream gen;
        gen << "model,engine,no_cache,token,context,median_latency_ms,cumulative_ms,state_bytes,rss_bytes";
        for (std::size_t k = 0; k < repeats; ++k) gen << ",latency_ms_r" << k;
        gen << "\n";
        for (const auto& g : r.generation)
            for (std::size_t i = 0; i < g.tokens.size(); ++i) {
                gen << csv_field(g.header.model) << "," << g.header.engine << "," << (g.header.no_cache ? "true" : "false") << ","
                    << g.tokens[i] << "," << g.context[i] << "," << format_number(g.median_latency_ms[i], 8) << ","
                    << format_number(g.cumulative_ms[i], 10) << "," << static_cast<std::uint64_t>(g.state_bytes[i])
                    << ","
                    << (i < g.rss_bytes.size() ? std::to_string(static_cast<std::uint64_t>(g.rss_bytes[i])) : "");
                for (std::size_t k = 0; k < repeats; ++k)
                    gen << ","
                        << (k < g.latency_ms.size() && i < g.latency_ms[k].size() ? format_number(g.latency_ms[k][i], 8)
                                                                                  : "");
                gen << "\n";
            }
        harness::write_file_atomically(dir + "/series/scaling_generation.csv", gen.str());
        out.files.push_back("series/scaling_generation.csv");
    }
    write_depth_csv(r, dir, out);
    if (!r.prefill.empty()) {
        std::ostringstream pre;
        pre << "model,engine,prompt_tokens,median_tokens_per_s\n";
        for (const auto& p : r.prefill)
            for (std::size_t i = 0; i < p.prompt_tokens.size(); ++i)
                pre << csv_field(p.header.model) << "," << p.header.engine << "," << p.prompt_tokens[i] << ","
                    << format_number(p.median_tokens_per_s[i], 8) << "\n";
        harness::write_file_atomically(dir + "/series/scaling_prefill.csv", pre.str());
        out.files.push_back("series/scaling_prefill.csv");
    }
}

rendered render(const run_report& r, const std::string& dir, const std::string& format) {
    if (format != "md" && format != "csv" && format != "charts" && format != "html" && format != "all")
        throw harness::usage_error("report: --format must be md, csv, charts, html or all");
    rendered out;
    const bool all = format == "all";
    if (all || format == "md") write_markdown(r, dir, out);
    if (all || format == "csv") write_csv(r, dir, out);
    if (all || format == "charts") write_charts(r, dir, out);
    if (all || format == "html") write_html(r, dir, out);
    return out;
}

}  // namespace reports
