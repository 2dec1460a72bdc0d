// Renderers: turn a run's report.json into report.md, series/*.csv,
// charts/*.svg|png (gnuplot) and index.html. They read only the report and
// compute no new numbers (medians, fits, per-language values all come from
// the report), so every view shows the same figures.
#pragma once

#include <string>
#include <vector>

#include "reports/report.h"

namespace reports {

struct rendered {
    std::vector<std::string> files;  // written, relative to the run folder
    std::vector<std::string> notes;  // e.g. "charts skipped: gnuplot not found"
};

// lm-eval style results table, the scaling and prefill tables, provenance.
std::string markdown_summary(const run_report& r);

void write_markdown(const run_report& r, const std::string& dir, rendered& out);
void write_csv(const run_report& r, const std::string& dir, rendered& out);
// Needs gnuplot on PATH (or $GNUPLOT); without it, a note and no charts.
void write_charts(const run_report& r, const std::string& dir, rendered& out);
// Links the files of the folder that exist; viewable offline.
void write_html(const run_report& r, const std::string& dir, rendered& out);

// The depth sweep (render_depth.cpp): the headline's sentences (none
// without depth series), its report.md tables, series/scaling_depth.csv.
std::vector<std::string> depth_headline(const run_report& r);
std::string depth_markdown(const run_report& r);
void write_depth_csv(const run_report& r, const std::string& dir, rendered& out);

// format: md, csv, charts, html or all. Throws harness::usage_error for others.
rendered render(const run_report& r, const std::string& dir, const std::string& format = "all");

// Shared by the renderers: text escapes and number formatting.
std::string html_escape(const std::string& s);
std::string csv_field(const std::string& s);
std::string format_number(double x, int significant = 4);
// "model (engine, no cache)" for series legends.
std::string series_label(const std::string& model, const std::string& engine, bool no_cache);

}  // namespace reports
