// Checked values of options several subcommands share: a value out of range
// is a usage error (exit 2) naming the option, never clamped or wrapped
// (`--threads -1`, `--threads 100000`, `--limit -5` were once accepted).
#pragma once

#include <string>
#include <string_view>

#include "command.h"
#include "engines/engine_spec.h"

namespace cli {

// --threads: 0 (all cores) up to 1024.
int threads_option(const po::variables_map& args, std::string_view command);

// --engine, --model, --tokenizer, --dtype, --attention, --no-cache as one
// validated engine spec (engines::parse_engine_spec's rules and messages).
engines::engine_spec engine_spec_option(const po::variables_map& args, std::string_view command);

// "runs/<prefix>-20261128-143000" (UTC): the default --out of run and ab.
std::string timestamped_dir(const std::string& prefix);

// A finite number >= 0 (tolerances, thresholds).
double non_negative_option(const po::variables_map& args, const char* name, std::string_view command);

}  // namespace cli
