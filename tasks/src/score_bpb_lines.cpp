// The bpb_lines scorer: every line (sentence) scored on its own after the
// pad, whose bytes are not counted; bits per byte = total NLL in bits / total
// UTF-8 bytes, per language and byte-weighted over all ("all"), with the
// delta-method standard error of a ratio estimator; tokens per byte shows
// the tokenizer's fertility.
#include <cmath>

#include "task_context.h"
#include "tasks/requests.h"
#include "tasks/scorer.h"

namespace tasks {
namespace {

struct ratio_sum {
    std::vector<double> nll, bytes, tokens;
    void add(double n, double b, double t) { nll.push_back(n), bytes.push_back(b), tokens.push_back(t); }
    // (bits per byte, its standard error)
    std::pair<double, double> bits_per_byte() const {
        double sn = 0, sb = 0;
        for (std::size_t i = 0; i < nll.size(); ++i) sn += nll[i], sb += bytes[i];
        const double r = sn / std::log(2.0) / sb;
        const auto n = static_cast<double>(nll.size());
        double var = 0;
        for (std::size_t i = 0; i < nll.size(); ++i) {
            const double d = nll[i] / std::log(2.0) - r * bytes[i];
            var += d * d;
        }
        return {r, nll.size() > 1 ? std::sqrt(var / (n - 1) / n) / (sb / n) : 0.0};
    }
    double tokens_per_byte() const {
        double st = 0, sb = 0;
        for (std::size_t i = 0; i < tokens.size(); ++i) st += tokens[i], sb += bytes[i];
        return st / sb;
    }
};

}  // namespace

void score_bpb_lines(task_context& c) {
    const std::vector<std::int32_t> pad = c.pad_ids();
    ratio_sum all;
    for (const line_set& set : load_line_sets(c.def, c.config.data_dir, c.langs, c.limit)) {
        auto progress = c.progress(set.language, set.lines.size());
        ratio_sum lang;
        for (std::size_t i = 0; i < set.lines.size(); ++i) {
            const auto k = c.key(set.language + ":" + std::to_string(set.lines[i].line));
            const nlohmann::json* done = c.j.find(k);
            if (!done) {
                // Rolling, so a line longer than a transformer's context still scores every token.
                const auto body = c.tok.encode(set.lines[i].text);
                c.j.append(k, {{"nll", nll_after_pad(c.engine, pad, body)},
                               {"bytes", set.lines[i].text.size()},
                               {"tokens", body.size()},
                               {"language", set.language}});
                done = c.j.find(k);
            }
            lang.add(done->at("nll").get<double>(), static_cast<double>(done->at("bytes").get<std::int64_t>()),
                     static_cast<double>(done->at("tokens").get<std::int64_t>()));
            all.add(lang.nll.back(), lang.bytes.back(), lang.tokens.back());
            progress.update(i + 1);
        }
        const auto [bpb, se] = lang.bits_per_byte();
        const auto n = static_cast<std::int64_t>(set.lines.size());
        c.add("bits_per_byte", bpb, se, n, set.language);
        c.add("tokens_per_byte", lang.tokens_per_byte(), 0, n, set.language);
    }
    const auto [bpb, se] = all.bits_per_byte();
    const auto n = static_cast<std::int64_t>(all.nll.size());
    c.add("bits_per_byte", bpb, se, n, "all");
    c.add("tokens_per_byte", all.tokens_per_byte(), 0, n, "all");
    if (c.def.options.contains("samples")) {
        const auto& s = c.def.options.at("samples");
        record_samples(c, c.config.data_dir + "/" + s.at("prompts").get<std::string>(),
                       s.value("max_tokens", std::int64_t{64}));
    }
}

}  // namespace tasks
