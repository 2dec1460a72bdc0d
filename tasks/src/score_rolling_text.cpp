// The rolling_text scorer: one stream, every token scored once after the pad
// (RWKV carries its state; transformers slide windows at their context limit
// with options.stride, 0 = half the limit). Token perplexity, word
// perplexity (whitespace-separated words) and bits per UTF-8 byte.
#include <cmath>
#include <filesystem>
#include <sstream>

#include "harness/errors.h"
#include "task_context.h"
#include "tasks/requests.h"
#include "tasks/scorer.h"

namespace tasks {

void score_rolling_text(task_context& c) {
    std::string path = c.config.data_dir + "/" + c.def.data_path;
    if (c.def.data_path == "--data") {
        if (c.config.data_file.empty()) throw harness::usage_error("task " + c.def.name + " needs --data FILE");
        path = c.config.data_file;
    }
    const std::string text = load_rolling_text(c.def, path, c.limit);
    const auto k = c.key(std::filesystem::path(path).filename().string());
    nlohmann::json rec;
    if (const nlohmann::json* done = c.j.find(k)) {
        rec = *done;
    } else {
        const auto body = c.tok.encode(text);
        const double nll = nll_after_pad(c.engine, c.pad_ids(), body, c.def.options.value("stride", std::int64_t{0}));
        std::int64_t words = 0;
        std::istringstream ws(text);
        for (std::string w; ws >> w;) ++words;
        rec = {{"nll", nll},
               {"n_tokens", static_cast<std::int64_t>(body.size())},
               {"n_bytes", static_cast<std::int64_t>(text.size())},
               {"n_words", words}};
        c.j.append(k, rec);
    }
    const double nll = rec.at("nll").get<double>();
    const auto n_tok = rec.at("n_tokens").get<std::int64_t>(), n_bytes = rec.at("n_bytes").get<std::int64_t>(),
               n_words = rec.at("n_words").get<std::int64_t>();
    const auto per = [](double x, std::int64_t n) { return x / static_cast<double>(std::max<std::int64_t>(n, 1)); };
    // One stream: no per-example spread, so no standard error (reported as 0).
    c.add("token_perplexity", std::exp(per(nll, n_tok)), 0, n_tok);
    c.add("word_perplexity", std::exp(per(nll, n_words)), 0, n_words);
    c.add("bits_per_byte", per(nll, n_bytes) / std::log(2.0), 0, n_bytes);
}

}  // namespace tasks
