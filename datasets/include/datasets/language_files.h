// Per-language datasets name their files with a pattern relative to the data
// folder, e.g. "xcopa/test.{lang}.jsonl": the languages are the {lang} parts
// of the files that exist, so a full copy under --data-dir offers more
// languages than the shipped subset with the same task definition.
#pragma once

#include <string>
#include <vector>

namespace datasets {

// Sorted language codes; empty when the folder or files are missing.
std::vector<std::string> languages_of_pattern(const std::string& data_dir, const std::string& pattern);

}  // namespace datasets
