// The report, read back: what renderers, `compare` and `review` work from.
// report.json is the source of truth (schema: reports/report.schema.json);
// these structs hold the parts the readers use, read with .at() so a missing
// key is an error naming the file and the place, and unknown keys are
// ignored (a newer writer may add fields).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/report_model.h"

namespace reports {

constexpr int schema_version = 1;

struct run_report {
    int schema_version = 0;
    provenance_record context;  // "context": git commit, compiler, CPU, GPU, threads, date, argv
    run_settings config;
    std::vector<model_record> models;
    std::vector<task_record> tasks;
    std::vector<metric_result> results;
    std::vector<generation_series> generation;
    std::vector<prefill_series> prefill;
    std::vector<depth_series> depth;
    std::vector<skipped_task> skipped;
    std::vector<task_timing> timings;
    std::optional<processes_record> processes;  // an MPI run's ranks
    std::string path;  // the report.json read
    std::string dir;   // its run folder
};

// PATH is a report.json or a run folder holding one. Throws
// harness::input_error "<file>: <where>: <what>" for unreadable, malformed
// or incomplete reports and for a newer schema_version.
run_report load_report(const std::string& path);
run_report parse_report(const nlohmann::json& j, const std::string& path);

}  // namespace reports
