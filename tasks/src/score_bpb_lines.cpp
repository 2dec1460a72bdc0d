// The bpb_lines scorer: every line (sentence) scored on its own after the
// pad, whose bytes are not counted; bits per byte = total NLL in bits / total
// UTF-8 bytes, per language and byte-weighted over all ("all"), with the
// delta-method standard error of a ratio estimator; tokens per byte shows
// the tokenizer's fertility. options.samples adds one greedy continuation per
// language for the review page.
#include <cmath>

#include "datasets/text_table.h"
#include "harness/errors.h"
#include "task_context.h"
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

std::string strip_blanks(const std::string& s) {
    const std::size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The lines of one language's file: format "lines" takes every line (none
// may be empty); "udhr" skips the 6-line header (title, copyright, two credit
// lines, "---", blank), strips spaces and tabs at both ends and drops empty lines.
std::vector<request> line_requests(const task_definition& d, const std::string& path, const std::string& lang) {
    std::vector<request> out;
    for (auto& line : datasets::read_lines(path)) {
        if (d.format == "udhr") {
            if (line.line <= 6) continue;
            line.text = strip_blanks(line.text);
            if (line.text.empty()) continue;
        } else if (line.text.empty()) {
            throw harness::input_error(path, "line", static_cast<std::uint64_t>(line.line), "empty sentence");
        }
        nlohmann::json doc = {{"language", lang}, {"line", line.line}, {"text", line.text}};
        out.push_back(make_request(request_kind::rolling, lang + ":" + std::to_string(line.line), lang, {},
                                   {std::move(line.text)}, -1, std::move(doc)));
    }
    if (out.empty()) throw harness::input_error(path + ": no text to score");
    return out;
}

// options.samples.prompts: a JSONL file of {"language", "prompt"}; one greedy
// request per language the task runs.
std::vector<request> sample_requests(const task_definition& d, const task_input& in,
                                     const std::vector<std::string>& langs) {
    std::vector<request> out;
    if (!d.options.contains("samples")) return out;
    const std::string path = in.folders.path(d.options.at("samples").at("prompts").get<std::string>());
    for (auto& row : datasets::read_jsonl(path)) {
        const std::string lang = datasets::string_field(row, "language", path);
        if (std::find(langs.begin(), langs.end(), lang) == langs.end()) continue;
        const std::string prompt = datasets::string_field(row, "prompt", path);
        out.push_back(make_request(request_kind::greedy, "sample:" + lang, lang, {prompt}, {}, -1, std::move(row.value)));
    }
    return out;
}

}  // namespace

task_requests bpb_lines_requests(const task_definition& d, const task_input& in) {
    task_requests out;
    out.available = in.folders.languages(d.data_path);
    out.languages = wanted_languages(out.available, in.langs);
    for (const auto& lang : out.languages) {
        auto lines = line_requests(d, in.folders.path(d.data_path, lang), lang);
        out.requests.insert(out.requests.end(), std::make_move_iterator(lines.begin()),
                            std::make_move_iterator(lines.end()));
    }
    if (out.languages.empty()) return out;
    auto samples = sample_requests(d, in, out.languages);
    out.requests.insert(out.requests.end(), std::make_move_iterator(samples.begin()),
                        std::make_move_iterator(samples.end()));
    return out;
}

namespace {

// The lines of a batch, each after the pad. Without a context limit (RWKV)
// as log-likelihoods of the body after the pad, fed together (the serial
// engines step them as rows of one matmul; the sum is nll_after_pad's, in
// the same order); with one (transformers) rolling, so that a line longer
// than the context still scores every token.
std::vector<reports::line_outcome> score_lines(task_context& c, std::span<const request> batch,
                                               const std::vector<std::int32_t>& pad) {
    std::vector<std::vector<std::int32_t>> bodies;
    for (const request& r : batch) bodies.push_back(c.tok.encode(r.continuations.at(0)));
    std::vector<double> nll(batch.size(), 0.0);
    if (c.engine.info().context_limit) {
        for (std::size_t i = 0; i < batch.size(); ++i) nll[i] = nll_after_pad(c.engine, pad, bodies[i]);
    } else {
        // Without a pad the first token has no context: it predicts the rest.
        std::vector<loglikelihood_pair> pairs;
        std::vector<std::size_t> scored;  // the lines with a token to score
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const std::span<const std::int32_t> body = bodies[i];
            if (pad.empty() && body.size() < 2) continue;
            pairs.push_back(pad.empty() ? loglikelihood_pair{body.first(1), body.subspan(1)}
                                        : loglikelihood_pair{pad, body});
            scored.push_back(i);
        }
        const auto results = loglikelihood_batch(c.engine, pairs, c.config.batch_size);
        for (std::size_t k = 0; k < scored.size(); ++k) nll[scored[k]] = -results[k].logprob;
    }
    std::vector<reports::line_outcome> out;
    for (std::size_t i = 0; i < batch.size(); ++i)
        out.push_back({nll[i], static_cast<std::int64_t>(batch[i].continuations.at(0).size()),
                       static_cast<std::int64_t>(bodies[i].size())});
    return out;
}

}  // namespace

void score_bpb_lines(task_context& c, const std::vector<request>& requests) {
    const std::vector<std::int32_t> pad = c.pad_ids();
    ratio_sum all;
    for (const std::span<const request> run : language_runs(requests, request_kind::rolling)) {
        const std::string& lang = run.front().language;
        auto progress = c.progress(lang, run.size());
        ratio_sum set;
        const auto outcomes = batch_outcomes<reports::line_outcome>(
            c, run, progress, [&](std::span<const request> batch) { return score_lines(c, batch, pad); });
        for (const auto& o : outcomes) {
            set.add(o.nll, static_cast<double>(o.bytes), static_cast<double>(o.tokens));
            all.add(set.nll.back(), set.bytes.back(), set.tokens.back());
        }
        const auto [bpb, se] = set.bits_per_byte();
        const auto n = static_cast<std::int64_t>(run.size());
        c.add("bits_per_byte", bpb, se, n, lang);
        c.add("tokens_per_byte", set.tokens_per_byte(), 0, n, lang);
    }
    if (all.nll.empty()) return;
    const auto [bpb, se] = all.bits_per_byte();
    const auto n = static_cast<std::int64_t>(all.nll.size());
    c.add("bits_per_byte", bpb, se, n, "all");
    c.add("tokens_per_byte", all.tokens_per_byte(), 0, n, "all");
    if (c.def.options.contains("samples")) {
        std::vector<const request*> samples;
        for (const request& r : requests)
            if (r.kind == request_kind::greedy) samples.push_back(&r);
        record_continuations(c, samples, c.def.options.at("samples").value("max_tokens", std::int64_t{64}));
    }
}

nlohmann::json bpb_lines_sample(const request& r, const nlohmann::json& record) {
    const auto o = record.get<reports::line_outcome>();
    const double bits = o.nll / std::log(2.0);
    return {{"target", r.continuations.at(0)},
            {"arguments", {{r.continuations.at(0)}}},
            {"resps", {{-o.nll}}},
            {"filtered_resps", {-o.nll}},
            {"bits", bits},
            {"bytes", o.bytes},
            {"tokens", o.tokens},
            {"bits_per_byte", o.bytes > 0 ? bits / static_cast<double>(o.bytes) : 0.0}};
}

}  // namespace tasks
