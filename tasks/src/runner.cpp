#include "tasks/runner.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "datasets/flores.h"
#include "datasets/lambada.h"
#include "engines/registry.h"
#include "harness/atomic_file.h"
#include "harness/build_info.h"
#include "harness/cpu_features.h"
#include "harness/errors.h"
#include "harness/read_file.h"
#include "harness/timing.h"
#include "kernels/backend.h"
#include "tasks/journal.h"
#include "tasks/lambada.h"

namespace tasks {
namespace {

constexpr int lambada_version = 1, perplexity_version = 1;

// "task 120/5153 (12.3/s, ETA 6m 20s)", rewritten in place on a terminal.
class progress_line {
public:
    progress_line(bool enabled, std::string what, std::size_t total) : on_(enabled), what_(std::move(what)), total_(total) {}
    void update(std::size_t done) {
        if (!on_) return;
        const double secs = clock_.elapsed_seconds();
        if (done < total_ && secs - last_ < 0.5) return;
        last_ = secs;
        const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
        const auto eta = rate > 0 ? static_cast<long>(static_cast<double>(total_ - done) / rate) : 0L;
        std::cerr << "\r" << what_ << " " << done << "/" << total_ << " (" << std::fixed << std::setprecision(1) << rate
                  << "/s, ETA " << eta / 60 << "m " << eta % 60 << "s)" << (done == total_ ? "\n" : "") << std::flush;
    }

private:
    bool on_;
    std::string what_;
    std::size_t total_;
    harness::stopwatch clock_;
    double last_ = -1;
};

nlohmann::json result(const std::string& task, int version, const model_entry& m, const std::string& device,
                      const std::string& metric, double value, double stderr_, std::int64_t n, bool higher_is_better,
                      const std::string& language = "") {
    nlohmann::json r = {{"task", task},   {"task_version", version}, {"model", m.name},  {"engine", m.engine},
                        {"device", device}, {"dtype", m.dtype},     {"metric", metric}, {"value", value},
                        {"stderr", stderr_}, {"n", n},              {"higher_is_better", higher_is_better}};
    if (!language.empty()) r["language"] = language;
    return r;
}

constexpr int bpb_flores_version = 1;

// Bits per byte = sum of NLL (bits) / sum of bytes over sentences, with the
// delta-method standard error of a ratio estimator.
struct ratio_sum {
    std::vector<double> nll, bytes;
    void add(double n, double b) { nll.push_back(n), bytes.push_back(b); }
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
        const double se = nll.size() > 1 ? std::sqrt(var / (n - 1) / n) / (sb / n) : 0.0;
        return {r, se};
    }
};

void run_lambada(const run_config& c, const model_entry& m, engines::engine& e, const engines::tokenizer& tok, journal& j,
                 nlohmann::json& results) {
    const std::string task = c.no_pad ? "lambada_openai_nopad" : "lambada_openai";
    const auto examples = datasets::load_lambada(c.data_dir + "/lambada_openai/lambada_test.jsonl", c.limit);
    progress_line progress(c.progress, task + " [" + m.name + "]", examples.size());
    std::vector<loglikelihood_result> scored;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        const journal::key k{task, m.name, std::to_string(examples[i].line)};
        if (const nlohmann::json* done = j.find(k)) {
            scored.push_back({done->at("logprob").get<double>(), done->at("greedy").get<bool>(), done->at("n_tokens").get<std::int64_t>()});
        } else {
            const auto r = score_lambada(e, tok, examples[i], !c.no_pad);
            j.append(k, {{"logprob", r.logprob}, {"greedy", r.greedy}, {"n_tokens", r.n_tokens}});
            scored.push_back(r);
        }
        progress.update(i + 1);
    }
    const lambada_metrics mt = aggregate_lambada(scored);
    results.push_back(result(task, lambada_version, m, c.device, "acc", mt.acc.value, mt.acc.stderr_, mt.acc.n, true));
    results.push_back(result(task, lambada_version, m, c.device, "ppl", mt.ppl.value, mt.ppl.stderr_, mt.ppl.n, false));
}

// The first `limit` lines of a text (all of it without a limit).
std::string first_lines(const std::string& text, std::optional<std::size_t> limit) {
    if (!limit) return text;
    std::size_t at = 0;
    for (std::size_t n = 0; n < *limit && at < text.size(); ++n) {
        const std::size_t nl = text.find('\n', at);
        at = nl == std::string::npos ? text.size() : nl + 1;
    }
    return text.substr(0, at);
}

// `task` over one text: perplexity (--data FILE, as is) or wikitext2 (the
// shipped raw test file, CRLF normalised to LF). --limit keeps the first N lines.
void run_perplexity(const run_config& c, const std::string& task, const model_entry& m, engines::engine& e,
                    const engines::tokenizer& tok, journal& j, nlohmann::json& results) {
    std::string path = c.data_file;
    if (task == "wikitext2") path = c.data_dir + "/wikitext2/raw/wiki.test.raw";
    if (path.empty()) throw harness::usage_error("task perplexity needs --data FILE");
    std::string text = harness::read_file(path);
    if (task == "wikitext2") {
        std::string lf;
        lf.reserve(text.size());
        for (std::size_t i = 0; i < text.size(); ++i)
            if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) lf += text[i];
        text = std::move(lf);
    }
    text = first_lines(text, c.limit);
    const journal::key k{task, m.name, std::filesystem::path(path).filename().string()};
    nlohmann::json rec;
    if (const nlohmann::json* done = j.find(k)) {
        rec = *done;
    } else {
        // The "\n" pad gives the first token a context, so every token of the text is scored.
        std::vector<std::int32_t> ids = tok.encode("\n");
        const std::size_t pad = ids.size();
        const auto body = tok.encode(text);
        ids.insert(ids.end(), body.begin(), body.end());
        const rolling_result r = loglikelihood_rolling(e, ids);
        double nll = 0;
        for (std::size_t i = pad - 1; i < r.token_logprobs.size(); ++i) nll -= r.token_logprobs[i];
        std::int64_t words = 0;
        std::istringstream ws(text);
        for (std::string w; ws >> w;) ++words;
        rec = {{"nll", nll}, {"n_tokens", static_cast<std::int64_t>(body.size())}, {"n_bytes", static_cast<std::int64_t>(text.size())},
               {"n_words", words}};
        j.append(k, rec);
    }
    const double nll = rec.at("nll").get<double>();
    const auto n_tok = rec.at("n_tokens").get<std::int64_t>(), n_bytes = rec.at("n_bytes").get<std::int64_t>(),
               n_words = rec.at("n_words").get<std::int64_t>();
    // One stream: no per-example spread, so no standard error (reported as 0).
    results.push_back(result(task, perplexity_version, m, c.device, "token_perplexity",
                             std::exp(nll / static_cast<double>(std::max<std::int64_t>(n_tok, 1))), 0, n_tok, false));
    results.push_back(result(task, perplexity_version, m, c.device, "word_perplexity",
                             std::exp(nll / static_cast<double>(std::max<std::int64_t>(n_words, 1))), 0, n_words, false));
    results.push_back(result(task, perplexity_version, m, c.device, "bits_per_byte",
                             nll / std::log(2.0) / static_cast<double>(std::max<std::int64_t>(n_bytes, 1)), 0, n_bytes, false));
}

void run_bpb_flores(const run_config& c, const model_entry& m, engines::engine& e, const engines::tokenizer& tok, journal& j,
                    nlohmann::json& results) {
    const std::string dir = c.data_dir + "/flores200_subset";
    const std::vector<std::string> langs = c.langs.empty() ? datasets::flores_languages(dir) : c.langs;
    const std::vector<std::int32_t> pad = tok.encode("\n");
    ratio_sum all;
    for (const std::string& lang : langs) {
        const auto sentences = datasets::load_flores(dir, lang, c.limit);
        progress_line progress(c.progress, "bpb_flores/" + lang + " [" + m.name + "]", sentences.size());
        ratio_sum per_lang;
        for (std::size_t i = 0; i < sentences.size(); ++i) {
            const journal::key k{"bpb_flores", m.name, lang + ":" + std::to_string(sentences[i].line)};
            const nlohmann::json* done = j.find(k);
            if (!done) {
                // Each sentence on its own, after the "\n" pad; the pad's bytes are not counted.
                // Rolling, so sentences longer than a transformer's context still score every token.
                std::vector<std::int32_t> ids = pad;
                const auto body = tok.encode(sentences[i].text);
                ids.insert(ids.end(), body.begin(), body.end());
                const rolling_result r = loglikelihood_rolling(e, ids);
                double nll = 0;
                for (std::size_t t = pad.size() - 1; t < r.token_logprobs.size(); ++t) nll -= r.token_logprobs[t];
                j.append(k, {{"nll", nll}, {"bytes", sentences[i].text.size()}, {"language", lang}});
                done = j.find(k);
            }
            per_lang.add(done->at("nll").get<double>(), static_cast<double>(done->at("bytes").get<std::int64_t>()));
            all.add(per_lang.nll.back(), per_lang.bytes.back());
            progress.update(i + 1);
        }
        const auto [bpb, se] = per_lang.bits_per_byte();
        results.push_back(result("bpb_flores", bpb_flores_version, m, c.device, "bits_per_byte", bpb, se,
                                 static_cast<std::int64_t>(sentences.size()), false, lang));
    }
    const auto [bpb, se] = all.bits_per_byte();
    results.push_back(result("bpb_flores", bpb_flores_version, m, c.device, "bits_per_byte", bpb, se,
                             static_cast<std::int64_t>(all.nll.size()), false, "all"));
}

nlohmann::json provenance(const run_config& c) {
    const auto& b = harness::get_build_info();
    const auto& f = harness::detect_cpu_features();
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    std::string gpu;
    for (const auto& d : kernels::cuda_devices()) gpu += (gpu.empty() ? "" : ", ") + d.name;
    return {{"git_commit", b.git_commit}, {"build_type", b.build_type}, {"compiler", b.compiler},
            {"cuda", b.cuda_enabled ? b.cuda_version : ""}, {"gpu", gpu}, {"cpu", f.model_name},
            {"cpu_features", f.summary()}, {"blas", kernels::blas_description()}, {"threads", kernels::cpu_thread_count()},
            {"date", date}, {"argv", c.argv}};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> list_tasks() {
    return {{"lambada_openai", "LAMBADA (OpenAI), last-word accuracy and perplexity, ChatRWKV's \"\\n\" pad (--no-pad: lm-eval's)"},
            {"perplexity", "token/word perplexity and bits per byte of one text file (--data FILE)"},
            {"wikitext2", "perplexity on WikiText-2 raw test (shipped; CRLF fed as LF)"},
            {"bpb_flores", "bits per byte by language on FLORES-200 sentences (shipped: 10 languages x 100)"}};
}

nlohmann::json run_tasks(const run_config& c) {
    for (const auto& t : c.tasks)
        if (t != "lambada_openai" && t != "perplexity" && t != "wikitext2" && t != "bpb_flores")
            throw harness::usage_error("unknown task '" + t + "' (rwkvbench list tasks)");
    if (c.models.empty()) throw harness::usage_error("run: no model given");
    std::filesystem::create_directories(c.out_dir);
    journal j(c.out_dir + "/journal.jsonl", c.resume);
    auto backend = kernels::make_backend(c.device, c.threads);
    nlohmann::json results = nlohmann::json::array();
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : c.models) {
        const auto wt = kernels::parse_dtype(m.dtype);
        if (!wt) throw harness::usage_error("model '" + m.name + "': dtype must be fp32, fp16 or bf16");
        auto e = engines::make_engine(m.engine, m.model, *backend, *wt);
        const auto tok = engines::load_tokenizer(m.tokenizer);
        const engines::engine_info info = e->info();
        models.push_back({{"name", m.name}, {"model", m.model}, {"engine", m.engine}, {"tokenizer", m.tokenizer},
                          {"dtype", m.dtype}, {"architecture", info.architecture}, {"n_params", info.n_params}});
        for (const auto& t : c.tasks) {
            if (t == "lambada_openai") run_lambada(c, m, *e, *tok, j, results);
            if (t == "perplexity" || t == "wikitext2") run_perplexity(c, t, m, *e, *tok, j, results);
            if (t == "bpb_flores") run_bpb_flores(c, m, *e, *tok, j, results);
        }
    }
    nlohmann::json report = {{"schema_version", 1}, {"context", provenance(c)}, {"models", models},
                             {"config", {{"tasks", c.tasks}, {"limit", c.limit ? nlohmann::json(*c.limit) : nlohmann::json(nullptr)},
                                         {"no_pad", c.no_pad}, {"device", c.device}, {"data", c.data_file},
                                         {"langs", c.langs}}},
                             {"results", results}, {"journal", "journal.jsonl"}};
    harness::write_file_atomically(c.out_dir + "/report.json", report.dump(2) + "\n");
    return report;
}

}  // namespace tasks
