// The run manifest (<run folder>/manifest.json): what a run is, so that
// --resume continues that run and nothing else. A fresh run writes it
// (atomically) before any example is scored; --resume recomputes the
// fingerprint and refuses (exit 2) a folder whose fingerprint differs, naming
// what changed, instead of mixing two runs' results in one report.
//
// The fingerprint holds what decides the numbers: each model's name, engine,
// dtype, attention, cache, tokenizer, and the SHA-256 of every file it reads
// (for a random: model, the seed); each task's version, request hash (every
// prompt and target), limit, languages, models and merged definition
// (options included); --no-pad, the seed, the device and the batch size
// (it decides which examples share a GEMM). Not threads, hosts,
// world size, paths or argv: a run may resume with other threads, from
// another mount point, or (under MPI) with another number of ranks, whose
// journals are all named journal*.jsonl.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/report_model.h"
#include "tasks/runner.h"

namespace tasks {

// `planned_tasks`: the report's "tasks" records.
nlohmann::json run_fingerprint(const run_config& c, const std::vector<reports::task_record>& planned_tasks);

// The paths (a.b[2].c) where two fingerprints differ, at most `most` of them.
std::vector<std::string> fingerprint_differences(const nlohmann::json& was, const nlohmann::json& now,
                                                 std::size_t most = 8);

// A fresh run: writes out_dir/manifest.json.
void write_manifest(const std::string& out_dir, const nlohmann::json& fingerprint);

// A resumed run: throws input_error (exit 2) when out_dir/manifest.json
// describes another run; a folder without one (killed before it was written,
// or made before manifests existed) gets it now, with a note in `note`.
void check_manifest(const std::string& out_dir, const nlohmann::json& fingerprint, std::string* note);

}  // namespace tasks
