// Line-oriented readers with validation, for every dataset format: JSON
// Lines, tab-separated tables (optionally CSV-quoted) and plain lines. Each
// checks the file against its MANIFEST first, strips the line ending (LF or
// CRLF), requires valid UTF-8, and reports a bad line as
// "<file>: line <n>: <what was expected>" (harness::input_error, exit 2).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace datasets {

struct text_line {
    std::int64_t line = 0;  // 1-based
    std::string text;
};

struct json_line {
    std::int64_t line = 0;
    nlohmann::json value;  // an object
};

struct table_row {
    std::int64_t line = 0;
    std::vector<std::string> fields;
};

struct table_options {
    std::size_t columns = 0;  // required number of fields per row
    bool header = false;      // the first row names the columns: skipped
    bool quoted = false;      // fields may be "..." with "" for a quote (CSV quoting, tab-delimited)
};

// The whole file (checked against its manifest, valid UTF-8), line endings as they are.
std::string read_text(const std::string& path);
// Every line (empty ones included, so line numbers stay true).
std::vector<text_line> read_lines(const std::string& path);
// Non-empty lines as JSON objects.
std::vector<json_line> read_jsonl(const std::string& path);
// Non-empty rows of a tab-separated table (after the header, if it has one).
std::vector<table_row> read_tsv(const std::string& path, const table_options& options);

// How many times this process has read the file at `path` through these
// readers (the runner reads each data file once per run; tests check it).
std::size_t times_read(const std::string& path);

// The string field `key` of a JSONL object; throws naming file, line and key
// when it is missing, not a string or (unless allow_empty) empty.
std::string string_field(const json_line& row, const std::string& key, const std::string& path,
                         bool allow_empty = false);
std::int64_t int_field(const json_line& row, const std::string& key, const std::string& path);

}  // namespace datasets
