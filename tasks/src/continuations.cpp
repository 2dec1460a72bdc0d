// Greedy continuations of a fixed prompt per language, for the review page:
// DIR/continuations/<task>/<model>.jsonl, one {"language", "model",
// "prompt", "continuation", "n_tokens", "valid_utf8"} per line. Each is
// journaled, so a resumed run keeps the ones it has.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "harness/atomic_file.h"
#include "harness/utf8.h"
#include "task_context.h"
#include "tasks/scorer.h"

namespace tasks {
namespace {

// A byte tokenizer can stop inside a character: drop an incomplete tail, and
// show other invalid bytes as U+FFFD so the text stays valid UTF-8.
std::pair<std::string, bool> readable(std::string bytes) {
    bool valid = true;
    std::string out;
    while (!bytes.empty()) {
        const std::size_t bad = harness::find_invalid_utf8(bytes);
        if (bad == std::string::npos) {
            out += bytes;
            break;
        }
        out += bytes.substr(0, bad);
        // An incomplete sequence at the very end is a cut, not an error.
        const auto lead = static_cast<unsigned char>(bytes[bad]);
        const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (need > 1 && bytes.size() - bad < need) break;
        out += "\xEF\xBF\xBD";
        valid = false;
        bytes.erase(0, bad + 1);
    }
    return {out, valid};
}

}  // namespace

std::string file_slug(const std::string& s) {
    std::string out;
    for (const char ch : s)
        out += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.') ? ch : '_';
    return out;
}

void record_continuations(task_context& c, const std::vector<const request*>& prompts, std::int64_t max_tokens) {
    if (c.shard_only) return;
    std::string lines;
    const std::vector<std::int32_t> pad = c.pad_ids();
    for (const request* r : prompts) {
        const std::string& prompt = r->contexts.at(0);
        auto done = c.done_as<reports::continuation_outcome>(*r);
        if (!done) {
            std::vector<std::int32_t> ids = pad;
            const auto p = c.tok.encode(prompt);
            ids.insert(ids.end(), p.begin(), p.end());
            const auto gen = greedy_continuation(c.engine, ids, max_tokens);
            const auto [text, valid] = readable(c.tok.decode(gen));
            done = c.record_as(
                *r, reports::continuation_outcome{prompt, text, static_cast<std::int64_t>(gen.size()), valid});
        }
        nlohmann::json rec = *done;
        rec["language"] = r->language;
        rec["model"] = c.model.name;
        lines += rec.dump() + "\n";
    }
    const std::string dir = c.config.out_dir + "/continuations/" + c.def.name;
    std::filesystem::create_directories(dir);
    harness::write_file_atomically(dir + "/" + file_slug(c.model.name) + ".jsonl", lines);
}

}  // namespace tasks
