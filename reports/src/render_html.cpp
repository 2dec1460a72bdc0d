// index.html: one static page (no scripts, no network) with the provenance,
// the results and scaling tables, the charts, and links to every file of
// the run folder that exists.
#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "harness/atomic_file.h"
#include "reports/render.h"

namespace reports {
namespace {

namespace fs = std::filesystem;

const char* style =
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}"
    "img{max-width:100%;border:1px solid #ddd;margin:0.5em 0}figure{margin:1em 0}";

}  // namespace

void write_html(const run_report& r, const std::string& dir, rendered& out) {
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rwkvbench report</title><style>"
      << style << "</style></head><body>\n<h1>rwkvbench report</h1>\n<table>";
    for (const auto& [k, v] : r.context.shown()) h << "<tr><th>" << k << "</th><td>" << html_escape(v) << "</td></tr>";
    // Charts and files: only what exists in the folder.
    const fs::path root(dir);
    std::vector<std::string> svgs;
    if (fs::exists(root / "charts"))
        for (const auto& e : fs::directory_iterator(root / "charts"))
            if (e.path().extension() == ".svg") svgs.push_back("charts/" + e.path().filename().string());
    std::sort(svgs.begin(), svgs.end());
    const bool any_timing =
        std::any_of(r.results.begin(), r.results.end(), [](const metric_result& m) { return m.is_timing(); });
    h << "</table>\n<p>" << (svgs.empty() ? "" : "<a href=\"#charts\">Charts</a> · ")
      << (any_timing ? "<a href=\"#scaling\">Scaling</a> · " : "")
      << "<a href=\"#results\">Results</a> · <a href=\"#files\">Files</a></p>\n";
    std::ostringstream tables;  // after the charts

    tables << "<h2 "
              "id=\"results\">Results</h2>\n<table><tr><th>Task</th><th>Version</th><th>Language</th><th>Model</"
              "th><th>Metric</th>"
              "<th>↑↓</th><th>Value</th><th>± Stderr</th><th>n</th></tr>\n";
    for (const auto& m : r.results) {
        if (m.is_timing()) continue;
        tables << "<tr><td>" << html_escape(m.task) << "</td><td class=n>" << m.task_version << "</td><td>"
               << html_escape(m.language) << "</td><td>" << html_escape(m.model) << "</td><td>" << html_escape(m.metric)
               << "</td><td>" << (m.higher_is_better ? "↑" : "↓") << "</td><td class=n>" << format_number(m.value)
               << "</td><td class=n>" << format_number(m.stderr_) << "</td><td class=n>" << m.n << "</td></tr>\n";
    }
    tables << "</table>\n";
    if (any_timing) {
        tables << "<h2 "
                  "id=\"scaling\">Scaling</h2>\n<table><tr><th>Model</th><th>Engine</th><th>Metric</th><th>Where</"
                  "th><th>Median</th>"
                  "<th>± Stderr</th><th>Repeats</th></tr>\n";
        for (const auto& m : r.results)
            if (m.is_timing())
                tables << "<tr><td>" << html_escape(m.model) << "</td><td>" << html_escape(m.engine) << "</td><td>"
                       << html_escape(m.metric) << "</td><td>" << html_escape(m.where()) << "</td><td class=n>"
                       << format_number(m.value) << "</td><td class=n>" << format_number(m.stderr_)
                       << "</td><td class=n>" << m.samples.size() << "</td></tr>\n";
        tables << "</table>\n";
    }
    // The depth sweep in words and numbers, above the charts it summarises.
    if (const auto headline = depth_headline(r); !headline.empty()) {
        h << "<h2 id=\"headline\">What the depth sweep measured</h2>\n";
        for (const auto& sentence : headline) h << "<p>" << html_escape(sentence) << "</p>\n";
    }
    if (!svgs.empty()) {
        h << "<h2 id=\"charts\">Charts</h2>\n";
        for (const auto& s : svgs) {
            const std::string png = s.substr(0, s.size() - 4) + ".png";
            h << "<figure><img src=\"" << html_escape(s) << "\" alt=\"" << html_escape(s) << "\"><figcaption>"
              << html_escape(s);
            if (fs::exists(root / png)) h << " · <a href=\"" << html_escape(png) << "\">PNG</a>";
            h << "</figcaption></figure>\n";
        }
    }
    h << tables.str() << "<h2 id=\"files\">Files</h2>\n<ul>\n";
    std::vector<std::string> files, nested;
    for (const char* f : {"report.json", "report.md"})
        if (fs::exists(root / f)) files.push_back(f);
    // The journal: journal.jsonl, or one per rank of an MPI run.
    std::vector<std::string> journals;
    for (const auto& e : fs::directory_iterator(root))
        if (const std::string n = e.path().filename().string(); n.starts_with("journal") && n.ends_with(".jsonl"))
            journals.push_back(n);
    std::sort(journals.begin(), journals.end());
    files.insert(files.end(), journals.begin(), journals.end());
    for (const char* sub : {"series", "samples", "continuations"})
        if (fs::exists(root / sub))
            for (const auto& e : fs::recursive_directory_iterator(root / sub))
                if (e.is_regular_file()) nested.push_back(fs::relative(e.path(), root).generic_string());
    std::sort(nested.begin(), nested.end());
    files.insert(files.end(), nested.begin(), nested.end());
    for (const auto& f : files) h << "<li><a href=\"" << html_escape(f) << "\">" << html_escape(f) << "</a></li>\n";
    h << "</ul>\n</body></html>\n";
    harness::write_file_atomically(dir + "/index.html", h.str());
    out.files.push_back("index.html");
}

}  // namespace reports
