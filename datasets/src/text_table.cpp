#include "datasets/text_table.h"

#include <fstream>
#include <map>
#include <mutex>

#include "datasets/manifest.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "harness/read_file.h"
#include "harness/utf8.h"

namespace datasets {
namespace {

[[noreturn]] void bad_line(const std::string& path, std::int64_t line, const std::string& what) {
    throw harness::input_error(path, "line", static_cast<std::uint64_t>(line), what);
}

// A tab-separated line with CSV quoting: a field that starts with '"' runs to
// the closing quote, "" inside it is one quote character.
std::vector<std::string> split_quoted(const std::string& s, const std::string& path, std::int64_t line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (true) {
        std::string field;
        if (i < s.size() && s[i] == '"') {
            ++i;
            while (true) {
                if (i >= s.size()) bad_line(path, line, "a quoted field has no closing quote");
                if (s[i] == '"') {
                    if (i + 1 < s.size() && s[i + 1] == '"') {
                        field += '"', i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += s[i++];
            }
            if (i < s.size() && s[i] != '\t') bad_line(path, line, "text after a closing quote (expected a tab)");
        } else {
            const std::size_t tab = s.find('\t', i);
            field = s.substr(i, tab == std::string::npos ? std::string::npos : tab - i);
            i = tab == std::string::npos ? s.size() : tab;
        }
        out.push_back(std::move(field));
        if (i >= s.size()) break;
        ++i;  // the tab
    }
    return out;
}

std::mutex reads_mutex;
std::map<std::string, std::size_t> reads;

void count_read(const std::string& path) {
    const std::lock_guard lock(reads_mutex);
    ++reads[path];
}

}  // namespace

std::size_t times_read(const std::string& path) {
    const std::lock_guard lock(reads_mutex);
    const auto it = reads.find(path);
    return it == reads.end() ? 0 : it->second;
}

std::string read_text(const std::string& path) {
    check_against_manifest(path);
    count_read(path);
    std::string text = harness::read_file(path);
    if (const std::size_t bad = harness::find_invalid_utf8(text); bad != std::string::npos)
        throw harness::input_error(path, "byte", bad, "invalid UTF-8");
    return text;
}

std::vector<text_line> read_lines(const std::string& path) {
    check_against_manifest(path);
    count_read(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw harness::input_error(path + ": cannot open");
    std::vector<text_line> out;
    std::string line;
    for (std::int64_t n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (const std::size_t bad = harness::find_invalid_utf8(line); bad != std::string::npos)
            bad_line(path, n, "invalid UTF-8 at byte " + std::to_string(bad) + " of the line");
        out.push_back({n, std::move(line)});
    }
    return out;
}

std::vector<json_line> read_jsonl(const std::string& path) {
    std::vector<json_line> out;
    for (auto& l : read_lines(path)) {
        if (l.text.empty()) continue;
        nlohmann::json j;
        try {
            j = harness::parse_json_text(l.text);
        } catch (const nlohmann::json::exception& e) {
            bad_line(path, l.line, std::string("malformed JSON: ") + e.what());
        }
        if (!j.is_object()) bad_line(path, l.line, "expected a JSON object");
        out.push_back({l.line, std::move(j)});
    }
    return out;
}

std::vector<table_row> read_tsv(const std::string& path, const table_options& o) {
    std::vector<table_row> out;
    bool header_seen = !o.header;
    for (auto& l : read_lines(path)) {
        if (l.text.empty()) continue;
        std::vector<std::string> fields = o.quoted ? split_quoted(l.text, path, l.line) : [&] {
            std::vector<std::string> f;
            std::size_t start = 0;
            for (std::size_t tab; (tab = l.text.find('\t', start)) != std::string::npos; start = tab + 1)
                f.push_back(l.text.substr(start, tab - start));
            f.push_back(l.text.substr(start));
            return f;
        }();
        if (fields.size() != o.columns)
            bad_line(path, l.line,
                     std::to_string(fields.size()) + " tab-separated columns, expected " + std::to_string(o.columns));
        if (!header_seen) {
            header_seen = true;
            continue;
        }
        out.push_back({l.line, std::move(fields)});
    }
    return out;
}

std::string string_field(const json_line& row, const std::string& key, const std::string& path, bool allow_empty) {
    if (!row.value.contains(key) || !row.value.at(key).is_string())
        bad_line(path, row.line, "expected a string field \"" + key + "\"");
    std::string s = row.value.at(key).get<std::string>();
    if (s.empty() && !allow_empty) bad_line(path, row.line, "field \"" + key + "\" is empty");
    return s;
}

std::int64_t int_field(const json_line& row, const std::string& key, const std::string& path) {
    if (!row.value.contains(key) || !row.value.at(key).is_number_integer())
        bad_line(path, row.line, "expected an integer field \"" + key + "\"");
    return row.value.at(key).get<std::int64_t>();
}

}  // namespace datasets
