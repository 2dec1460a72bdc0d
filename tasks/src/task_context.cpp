#include "task_context.h"

#include <cmath>
#include <iomanip>
#include <iostream>

#include "harness/json_file.h"
#include "tasks/scorer.h"

namespace tasks {

progress_line::progress_line(bool enabled, std::string what, std::size_t total)
    : on_(enabled && total > 0), what_(std::move(what)), total_(total) {}

void progress_line::update(std::size_t done) {
    if (!on_) return;
    const double secs = clock_.elapsed_seconds();
    if (done < total_ && secs - last_ < 0.5) return;
    last_ = secs;
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    const auto eta = rate > 0 ? static_cast<long>(static_cast<double>(total_ - done) / rate) : 0L;
    std::cerr << "\r" << what_ << " " << done << "/" << total_ << " (" << std::fixed << std::setprecision(1) << rate
              << "/s, ETA " << eta / 60 << "m " << eta % 60 << "s)   " << (done == total_ ? "\n" : "") << std::flush;
}

void task_context::add(const std::string& metric, double value, double stderr_, std::int64_t n,
                       const std::string& language, reports::metric_result r) const {
    const metric_spec* spec = def.metric(metric);
    if (!spec || shard_only) return;
    r.task = def.name, r.task_version = def.version, r.model = model.name;
    r.engine = model.spec.engine, r.device = config.device, r.dtype = engines::dtype_spelling(model.spec.dtype);
    r.metric = metric, r.value = value, r.stderr_ = stderr_, r.n = n, r.higher_is_better = spec->higher_is_better;
    r.language = language;
    const nlohmann::json record = r;
    // Not computable (a fit through too few points): said, not written as a
    // null that the report's own readers would reject.
    if (const std::string at = harness::find_non_finite(record); !at.empty()) {
        std::cerr << "rwkvbench: note: " << def.name << " [" << model.name << "]: " << metric
                  << (language.empty() ? "" : " (" + language + ")") << " not reported: " << at << " is not finite\n";
        return;
    }
    results.push_back(record);
}

const nlohmann::json& task_context::record(const request& r, const nlohmann::json& outcome) const {
    nlohmann::json line =
        reports::example_header{def.name, model.name, r.id, r.language, r.doc_hash, r.prompt_hash, r.target_hash};
    line.update(outcome);
    const auto k = key(r.id);
    j.append(k, line);
    return *j.find(k);
}

harness::input_error task_context::bad_journal_record(const request& r, const std::string& what) const {
    const std::string file = j.origin(key(r.id));
    return harness::input_error((file.empty() ? config.out_dir + "/journal.jsonl" : file) + ": " + def.name + " [" + model.name + "] example " +
                                r.id + ": " + what);
}

progress_line task_context::progress(const std::string& what, std::size_t total) const {
    return progress_line(config.progress && !shard_only, def.name + (what.empty() ? "" : "/" + what) + " [" + model.name + "]", total);
}

std::vector<double> body_token_nll(engines::engine& e, std::span<const std::int32_t> pad,
                                   std::span<const std::int32_t> body, std::int64_t stride) {
    std::vector<std::int32_t> ids(pad.begin(), pad.end());
    ids.insert(ids.end(), body.begin(), body.end());
    const rolling_result r = loglikelihood_rolling(e, ids, stride);
    // token_logprobs[i] scores ids[i + 1]: the body starts at index pad.size() - 1.
    std::vector<double> nll;
    for (std::size_t i = pad.empty() ? 0 : pad.size() - 1; i < r.token_logprobs.size(); ++i)
        nll.push_back(-r.token_logprobs[i]);
    return nll;
}

double nll_after_pad(engines::engine& e, std::span<const std::int32_t> pad, std::span<const std::int32_t> body,
                     std::int64_t stride) {
    double nll = 0;
    for (const double x : body_token_nll(e, pad, body, stride)) nll += x;
    return nll;
}

std::vector<std::int32_t> task_context::pad_ids() const {
    const std::string pad = def.options.value("pad", std::string("\n"));
    return pad.empty() ? std::vector<std::int32_t>{} : tok.encode(pad);
}

}  // namespace tasks
