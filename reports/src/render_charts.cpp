// Charts with gnuplot: each chart is a self-contained script in charts/
// (its data inline as datablocks, so it can be edited and re-run by hand)
// rendered to SVG and PNG. Charts: the RWKV paper's scaling chart
// (cumulative time against tokens generated, one line per engine), latency
// and state/KV memory against context, parallel prefill tokens/s against
// prompt length, the depth sweep's (cumulative time measured and
// integrated, latency, prefill and memory by kind against depth), and
// per-language bars (bits per byte, accuracy) sorted by the first model's value.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "harness/atomic_file.h"
#include "reports/render.h"

namespace reports {
namespace {

namespace fs = std::filesystem;

std::string find_gnuplot() {
    if (const char* env = std::getenv("GNUPLOT"); env && *env) return env;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':');) {
        const fs::path p = fs::path(d.empty() ? "." : d) / "gnuplot";
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXUSR)) return p.string();
    }
    return "";
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) out += c == '"' ? '\'' : c == '\\' ? '/' : c;
    return out + "\"";
}

struct line {
    std::string label;
    std::vector<std::pair<double, double>> points;
    int color = 0;        // > 0: gnuplot line colour index (lines of one engine share it)
    bool dashed = false;  // integrated, not measured
};

std::string datablock(const std::string& name, const std::vector<std::pair<double, double>>& pts) {
    std::ostringstream s;
    s << "$" << name << " << EOD\n";
    for (const auto& [x, y] : pts) s << format_number(x, 10) << "," << format_number(y, 10) << "\n";
    s << "EOD\n";
    return s.str();
}

// The script's tail: SVG then PNG of the same plot.
std::string outputs(const std::string& base, const std::string& plot) {
    return "set terminal svg size 900,560 dynamic noenhanced font 'sans,12' background rgb 'white'\nset output " +
           quoted(base + ".svg") + "\n" + plot +
           "\nset terminal pngcairo size 900,560 noenhanced font 'sans,11'\nset output " + quoted(base + ".png") +
           "\nreplot\nunset output\n";
}

std::string line_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                       const std::vector<line>& lines, const std::string& base, const std::string& extra = "") {
    std::ostringstream s;
    s << "# rwkvbench chart: " << title
      << " (data from report.json)\nset termoption noenhanced\nset datafile separator ','\n";
    for (std::size_t i = 0; i < lines.size(); ++i)
        s << datablock(std::string("d").append(std::to_string(i)), lines[i].points);
    s << "set title " << quoted(title) << "\nset xlabel " << quoted(xlabel) << "\nset ylabel " << quoted(ylabel)
      << "\nset grid\nset key left top\n"
      << extra;
    std::string plot = "plot ";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i) plot += ", ";
        // Every point of a short series (depths), every 16th of a long one (tokens).
        const std::string every = lines[i].points.size() > 40 ? "16" : "1";
        plot += "$d" + std::to_string(i) + " using 1:2 with linespoints pointinterval " + every + " lw 2" +
                (lines[i].color > 0 ? " lc " + std::to_string(lines[i].color) : "") + (lines[i].dashed ? " dt 2" : "") +
                " title " + quoted(lines[i].label);
    }
    s << outputs(base, plot);
    return s.str();
}

// Clustered bars: one group per language, one bar per model.
std::string bar_chart(const std::string& title, const std::string& ylabel, const std::vector<std::string>& models,
                      const std::vector<std::pair<std::string, std::vector<double>>>& rows, const std::string& base) {
    std::ostringstream s;
    s << "# rwkvbench chart: " << title
      << " (data from report.json)\nset termoption noenhanced\nset datafile separator ','\n$bars << EOD\n";
    for (const auto& [lang, values] : rows) {
        s << lang;
        for (const double v : values) s << "," << format_number(v, 8);
        s << "\n";
    }
    s << "EOD\nset title " << quoted(title) << "\nset ylabel " << quoted(ylabel)
      << "\nset style data histogram\nset style histogram cluster gap 1\nset style fill solid 0.8 border -1\n"
         "set xtics rotate by -45 scale 0\nset grid ytics\nset key outside right top\nset yrange [0:*]\n";
    std::string plot = "plot ";
    for (std::size_t i = 0; i < models.size(); ++i) {
        if (i) plot += ", ";
        plot += "$bars using " + std::to_string(i + 2) + (i == 0 ? ":xtic(1)" : "") + " title " + quoted(models[i]);
    }
    s << outputs(base, plot);
    return s.str();
}

// Memory by kind at each depth, stacked (weights, state/KV used, scratch),
// one group of bars per engine.
std::string memory_chart(const run_report& r, const std::string& base) {
    std::ostringstream s;
    s << "# rwkvbench chart: memory by kind vs depth (data from report.json)\nset termoption noenhanced\nset "
         "datafile separator ','\n";
    for (std::size_t i = 0; i < r.depth.size(); ++i) {
        s << "$m" << i << " << EOD\n";
        const depth_series& d = r.depth[i];
        for (std::size_t k = 0; k < d.depth.size(); ++k)
            s << d.depth[k] << "," << format_number(d.memory[k].weight_bytes / 1048576.0, 8) << ","
              << format_number(d.memory[k].state_used_bytes / 1048576.0, 8) << ","
              << format_number(d.memory[k].scratch_bytes / 1048576.0, 8) << "\n";
        s << "EOD\n";
    }
    s << "set title " << quoted("Memory by kind vs context depth (stacked: weights, state or KV cache used, scratch)")
      << "\nset ylabel " << quoted("MiB")
      << "\nset style data histogram\nset style histogram rowstacked title offset 0,-1\nset style fill solid 0.8 "
         "border -1\nset boxwidth 0.8\nset xtics rotate by -45 scale 0 font ',9'\nset grid ytics\nset key outside "
         "right top\nset yrange [0:*]\nset bmargin 8\n";
    std::string plot = "plot ";
    for (std::size_t i = 0; i < r.depth.size(); ++i) {
        const depth_series& d = r.depth[i];
        const std::string m = "$m" + std::to_string(i);
        const bool first = i == 0;
        if (i) plot += ", ";
        // Two lines per group title ("model" over "(mode)"), so neighbours do not overlap.
        const std::string label = series_label(d.header.model, d.header.engine, d.header.no_cache);
        const auto at = label.find(" (");
        std::string title = quoted(label.substr(0, at));
        if (at != std::string::npos) title.pop_back(), title += "\\n" + quoted(label.substr(at + 1)).substr(1);
        plot += "newhistogram " + title + " font ',9', " + m +
                " using 2:xtic(1) lc 1 " + (first ? "title 'weights'" : "notitle") + ", " + m + " using 3 lc 2 " +
                (first ? "title 'state / KV cache (used)'" : "notitle") + ", " + m + " using 4 lc 3 " +
                (first ? "title 'scratch'" : "notitle");
    }
    s << outputs(base, plot);
    return s.str();
}

// The depth sweep's charts: the paper's cumulative-time figure (measured
// generation solid, integrated from latency by depth dashed), latency and
// prefill throughput against depth (log x; depth 0 is in the tables), memory by kind.
void depth_charts(const run_report& r, const fs::path& charts,
                  std::vector<std::pair<std::string, std::string>>& scripts) {
    std::vector<line> cumulative, latency, prefill;
    for (std::size_t i = 0; i < r.depth.size(); ++i) {
        const depth_series& d = r.depth[i];
        const std::string label = series_label(d.header.model, d.header.engine, d.header.no_cache);
        const int color = static_cast<int>(i) + 1;
        // The same model's generation series, if the run measured one: the solid part.
        for (const auto& g : r.generation)
            if (g.header.model == d.header.model) {
                line measured{label + ", measured", {{0, 0}}, color, false};
                for (std::size_t k = 0; k < g.tokens.size(); ++k)
                    measured.points.emplace_back(g.tokens[k], g.cumulative_ms[k] / 1e3);
                cumulative.push_back(measured);
            }
        line integrated{label + ", integrated", {}, color, true}, lat{label, {}, color, false},
            pre{label, {}, color, false};
        for (std::size_t k = 0; k < d.depth.size(); ++k) {
            integrated.points.emplace_back(d.depth[k], d.integrated_cumulative_ms[k] / 1e3);
            if (d.depth[k] > 0) {
                lat.points.emplace_back(d.depth[k], d.median_latency_ms[k]);
                if (std::isfinite(d.prefill_tokens_per_s[k])) pre.points.emplace_back(d.depth[k], d.prefill_tokens_per_s[k]);
            }
        }
        cumulative.push_back(integrated);
        if (!lat.points.empty()) latency.push_back(lat);
        if (!pre.points.empty()) prefill.push_back(pre);
    }
    scripts.emplace_back("depth_cumulative_time",
                         line_chart("Cumulative generation time vs tokens (solid: measured; dashed: integrated from "
                                    "latency by depth)",
                                    "tokens", "cumulative time (s)", cumulative,
                                    (charts / "depth_cumulative_time").string()));
    if (!latency.empty())
        scripts.emplace_back("depth_latency",
                             line_chart("Per-token decode latency vs context depth (median of repeats; log-log)",
                                        "context depth (tokens)", "ms per token", latency,
                                        (charts / "depth_latency").string(), "set logscale x 2\nset logscale y\n"));
    if (!prefill.empty())
        scripts.emplace_back("depth_prefill",
                             line_chart("Prefill throughput vs context depth (each segment up to the depth)",
                                        "context depth (tokens)", "tokens per second", prefill,
                                        (charts / "depth_prefill").string(), "set logscale x 2\nset yrange [0:*]\n"));
    scripts.emplace_back("depth_memory", memory_chart(r, (charts / "depth_memory").string()));
}

}  // namespace

void write_charts(const run_report& r, const std::string& dir, rendered& out) {
    const std::string gnuplot = find_gnuplot();
    if (gnuplot.empty()) {
        out.notes.push_back("charts skipped: gnuplot not found (apt-get install gnuplot-nox, or set GNUPLOT)");
        return;
    }
    const fs::path charts = fs::absolute(fs::path(dir) / "charts");
    fs::create_directories(charts);
    std::vector<std::pair<std::string, std::string>> scripts;  // name, script

    if (!r.generation.empty()) {
        std::vector<line> cumulative, latency, memory;
        for (const auto& g : r.generation) {
            const std::string label = series_label(g.header.model, g.header.engine, g.header.no_cache);
            line c{label, {}}, l{label, {}}, m{label, {}};
            for (std::size_t i = 0; i < g.tokens.size(); ++i) {
                c.points.emplace_back(g.tokens[i], g.cumulative_ms[i] / 1e3);
                l.points.emplace_back(g.context[i], g.median_latency_ms[i]);
                m.points.emplace_back(g.context[i], g.state_bytes[i] / 1048576.0);
            }
            cumulative.push_back(c), latency.push_back(l), memory.push_back(m);
        }
        scripts.emplace_back(
            "scaling_cumulative_time",
            line_chart("Cumulative time vs tokens generated (median of repeats)", "tokens generated",
                       "cumulative time (s)", cumulative, (charts / "scaling_cumulative_time").string()));
        scripts.emplace_back("scaling_latency",
                             line_chart("Per-token latency vs context", "context length (tokens)", "ms per token",
                                        latency, (charts / "scaling_latency").string()));
        scripts.emplace_back(
            "scaling_memory",
            line_chart("State / KV cache memory vs context", "context length (tokens)",
                       "state or KV cache (MiB, allocated)", memory, (charts / "scaling_memory").string()));
    }
    if (!r.prefill.empty()) {
        std::vector<line> lines;
        for (const auto& p : r.prefill) {
            line l{p.header.model, {}};
            for (std::size_t i = 0; i < p.prompt_tokens.size(); ++i)
                l.points.emplace_back(p.prompt_tokens[i], p.median_tokens_per_s[i]);
            lines.push_back(l);
        }
        scripts.emplace_back(
            "prefill_throughput",
            line_chart("Parallel prefill throughput vs prompt length", "prompt length (tokens)", "tokens per second",
                       lines, (charts / "prefill_throughput").string(), "set logscale x 2\n"));
    }
    if (!r.depth.empty()) depth_charts(r, charts, scripts);
    // Per-language bars: bits per byte for bpb tasks, accuracy for multiple choice.
    std::map<std::string, std::string> per_task_metric;
    for (const auto& m : r.results)
        if (!m.language.empty() && m.language != "all" && m.language != "macro" &&
            (m.metric == "bits_per_byte" || m.metric == "acc"))
            per_task_metric[m.task] = m.metric;
    for (const auto& [task, metric] : per_task_metric) {
        std::vector<std::string> models;
        std::map<std::string, std::map<std::string, double>> value;  // language -> model -> value
        for (const auto& m : r.results) {
            if (m.task != task || m.metric != metric || m.language.empty() || m.language == "all" ||
                m.language == "macro")
                continue;
            if (std::find(models.begin(), models.end(), m.model) == models.end()) models.push_back(m.model);
            value[m.language][m.model] = m.value;
        }
        std::vector<std::pair<std::string, std::vector<double>>> rows;
        for (const auto& [lang, by_model] : value) {
            std::vector<double> v;
            for (const auto& mod : models) v.push_back(by_model.count(mod) ? by_model.at(mod) : 0.0);
            rows.emplace_back(lang, v);
        }
        std::stable_sort(rows.begin(), rows.end(),
                         [](const auto& a, const auto& b) { return a.second[0] < b.second[0]; });
        const bool bpb = metric == "bits_per_byte";
        const std::string name = task + (bpb ? "_by_language" : "_accuracy_by_language");
        scripts.emplace_back(
            name, bar_chart(task + (bpb ? ": bits per byte by language (lower is better)" : ": accuracy by language"),
                            bpb ? "bits per UTF-8 byte" : "accuracy", models, rows, (charts / name).string()));
    }
    for (const auto& [name, script] : scripts) {
        const std::string gp = (charts / (name + ".gp")).string();
        harness::write_file_atomically(gp, script);
        const std::string command = "'" + gnuplot + "' '" + gp + "' 2>'" + (charts / (name + ".log")).string() + "'";
        if (std::system(command.c_str()) != 0 || !fs::exists(charts / (name + ".svg"))) {
            out.notes.push_back("chart " + name + " failed: see charts/" + name + ".log");
            continue;
        }
        fs::remove(charts / (name + ".log"));
        out.files.push_back("charts/" + name + ".gp");
        out.files.push_back("charts/" + name + ".svg");
        if (fs::exists(charts / (name + ".png"))) out.files.push_back("charts/" + name + ".png");
    }
}

}  // namespace reports
