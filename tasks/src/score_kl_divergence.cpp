// The kl_divergence scorer: what a lower precision costs, as llama.cpp's
// perplexity tool reports it with --kl-divergence. The model (say, --dtype
// q4_0) and a reference (the same checkpoint at fp32, or options.reference)
// read the same text; at every position both next-token distributions are
// compared: mean KL(reference || model) in nats, how often their argmax
// agrees (top-1), and both perplexities of the text's next tokens, overall
// and per bucket of token positions (options.buckets: where each starts).
// Log-softmax and the sums are in double.
#include <algorithm>
#include <cmath>

#include "engines/registry.h"
#include "harness/errors.h"
#include "task_context.h"
#include "tasks/scorer.h"

namespace tasks {
namespace {

// Sums over the positions of one bucket (the journal record keeps them).
struct kl_sums {
    std::int64_t n = 0, top1 = 0;
    double kl = 0, kl_sq = 0, nll_reference = 0, nll = 0;
};

struct kl_outcome {
    std::vector<std::int64_t> bucket_starts;
    std::vector<kl_sums> buckets;
};

void to_json(nlohmann::json& j, const kl_outcome& o) {
    j = {{"bucket_starts", o.bucket_starts}, {"n", nlohmann::json::array()}, {"top1", nlohmann::json::array()},
         {"kl", nlohmann::json::array()}, {"kl_sq", nlohmann::json::array()},
         {"nll_reference", nlohmann::json::array()}, {"nll", nlohmann::json::array()}};
    for (const auto& b : o.buckets) {
        j["n"].push_back(b.n), j["top1"].push_back(b.top1), j["kl"].push_back(b.kl), j["kl_sq"].push_back(b.kl_sq);
        j["nll_reference"].push_back(b.nll_reference), j["nll"].push_back(b.nll);
    }
}

// Throws nlohmann::json::exception for a record of another shape (task_context names the journal).
void from_json(const nlohmann::json& j, kl_outcome& o) {
    o.bucket_starts = j.at("bucket_starts").get<std::vector<std::int64_t>>();
    o.buckets.assign(o.bucket_starts.size(), {});
    for (std::size_t i = 0; i < o.buckets.size(); ++i) {
        kl_sums& b = o.buckets[i];
        b.n = j.at("n").at(i).get<std::int64_t>(), b.top1 = j.at("top1").at(i).get<std::int64_t>();
        b.kl = j.at("kl").at(i).get<double>(), b.kl_sq = j.at("kl_sq").at(i).get<double>();
        b.nll_reference = j.at("nll_reference").at(i).get<double>(), b.nll = j.at("nll").at(i).get<double>();
    }
}

std::vector<std::int64_t> bucket_starts(const task_definition& d) {
    const nlohmann::json b = d.options.value("buckets", nlohmann::json::array({0, 64, 256, 1024}));
    std::vector<std::int64_t> out;
    for (const auto& x : b) out.push_back(x.get<std::int64_t>());
    return out;
}

// The reference: options.reference (a checkpoint for the model's engine), or
// the model's own file at fp32; the same weights as the model's is an error.
std::unique_ptr<engines::engine> reference_engine(const task_context& c) {
    engines::engine_spec spec = c.model.spec;
    spec.model = c.def.options.value("reference", std::string());
    if (spec.model.empty()) spec.model = c.model.spec.model;
    spec.dtype = kernels::dtype::f32;
    auto ref = engines::make_engine(spec, c.backend);
    if (spec.model == c.model.spec.model && ref->info().weight_type == c.engine.info().weight_type)
        throw harness::input_error("task " + c.def.name + ": model " + c.model.name + " holds the same " +
                                   std::string(kernels::dtype_name(ref->info().weight_type)) +
                                   " weights as its reference; give it a --dtype below fp32, or a reference "
                                   "checkpoint in options.reference");
    if (ref->info().n_vocab != c.engine.info().n_vocab)
        throw harness::input_error("task " + c.def.name + ": reference " + spec.model + " has a vocabulary of " +
                                   std::to_string(ref->info().n_vocab) + ", the model " +
                                   std::to_string(c.engine.info().n_vocab));
    return ref;
}

kl_outcome compare_on(const task_context& c, engines::engine& ref, const std::vector<std::int32_t>& tokens) {
    kl_outcome o;
    o.bucket_starts = bucket_starts(c.def);
    o.buckets.assign(o.bucket_starts.size(), {});
    const auto v = static_cast<std::size_t>(c.engine.info().n_vocab);
    auto st_ref = ref.new_state(), st = c.engine.new_state();
    std::vector<float> l_ref, l;
    constexpr std::int64_t chunk = 512;
    const auto fed = static_cast<std::int64_t>(tokens.size()) - 1;  // the last token is only predicted
    for (std::int64_t at = 0; at < fed; at += chunk) {
        const std::span<const std::int32_t> part(tokens.data() + at, static_cast<std::size_t>(std::min(chunk, fed - at)));
        ref.forward(part, *st_ref, engines::logits_mode::all, l_ref);
        c.engine.forward(part, *st, engines::logits_mode::all, l);
        for (std::size_t i = 0; i < part.size(); ++i) {
            const std::int64_t pos = at + static_cast<std::int64_t>(i);
            const position_comparison p = compare_position(std::span<const float>(l_ref.data() + i * v, v),
                                                           std::span<const float>(l.data() + i * v, v),
                                                           tokens[static_cast<std::size_t>(pos + 1)]);
            const std::size_t b = static_cast<std::size_t>(
                std::upper_bound(o.bucket_starts.begin(), o.bucket_starts.end(), pos) - o.bucket_starts.begin() - 1);
            kl_sums& s = o.buckets[b];
            ++s.n;
            s.kl += p.kl, s.kl_sq += p.kl * p.kl;
            s.top1 += p.same_top1;
            s.nll_reference -= p.logprob_reference, s.nll -= p.logprob;
        }
    }
    return o;
}

void add_metrics(const task_context& c, const kl_sums& s, const std::string& where) {
    if (s.n == 0) return;
    const auto n = static_cast<double>(s.n);
    const double kl = s.kl / n, kl_var = s.n > 1 ? std::max(0.0, (s.kl_sq - n * kl * kl) / (n - 1)) : 0.0;
    const double top1 = static_cast<double>(s.top1) / n;
    const double ppl = std::exp(s.nll / n), ppl_ref = std::exp(s.nll_reference / n);
    // Positions of one text are not independent draws: the errors are a guide, not a test.
    c.add("kl_mean", kl, std::sqrt(kl_var / n), s.n, where);
    c.add("top1_agreement", top1, s.n > 1 ? std::sqrt(top1 * (1 - top1) / (n - 1)) : 0.0, s.n, where);
    c.add("ppl", ppl, 0, s.n, where);
    c.add("ppl_reference", ppl_ref, 0, s.n, where);
    c.add("ppl_delta", ppl - ppl_ref, 0, s.n, where);
}

}  // namespace

void score_kl_divergence(task_context& c, const std::vector<request>& requests) {
    const std::vector<std::int64_t> starts = bucket_starts(c.def);
    if (starts.empty() || starts.front() != 0 || !std::is_sorted(starts.begin(), starts.end()) ||
        std::adjacent_find(starts.begin(), starts.end()) != starts.end())
        throw harness::input_error(c.def.file + ": options.buckets: expected increasing token positions from 0");
    const request& r = requests.at(0);
    auto done = c.done_as<kl_outcome>(r);
    if (done && done->bucket_starts != starts) done.reset();  // another bucketing: not this record
    if (!done) {
        auto ref = reference_engine(c);
        std::vector<std::int32_t> tokens = c.pad_ids();
        const auto body = c.tok.encode(r.continuations.at(0));
        tokens.insert(tokens.end(), body.begin(), body.end());
        std::int64_t keep = c.def.options.value("max_tokens", std::int64_t{4096});
        for (const engines::engine* e : {ref.get(), &c.engine})
            if (const auto limit = e->info().context_limit) keep = std::min(keep, *limit + 1);
        if (static_cast<std::int64_t>(tokens.size()) > keep) tokens.resize(static_cast<std::size_t>(keep));
        if (tokens.size() < 2) throw harness::input_error("task " + c.def.name + ": the text is under two tokens");
        done = c.record_as(r, compare_on(c, *ref, tokens));
    }
    kl_sums all;
    for (const kl_sums& b : done->buckets) {
        all.n += b.n, all.top1 += b.top1, all.kl += b.kl, all.kl_sq += b.kl_sq;
        all.nll_reference += b.nll_reference, all.nll += b.nll;
    }
    add_metrics(c, all, "");
    for (std::size_t i = 0; i < done->buckets.size(); ++i) {
        const std::string end = i + 1 < starts.size() ? std::to_string(starts[i + 1] - 1) : "";
        add_metrics(c, done->buckets[i], "tokens " + std::to_string(starts[i]) + "-" + end);
    }
}

nlohmann::json kl_divergence_sample(const request&, const nlohmann::json& record) {
    const auto o = record.get<kl_outcome>();
    double kl = 0;
    std::int64_t n = 0;
    for (const auto& b : o.buckets) kl += b.kl, n += b.n;
    const double mean = n > 0 ? kl / static_cast<double>(n) : 0.0;
    return {{"target", ""}, {"arguments", nlohmann::json::array()}, {"resps", {{mean}}}, {"filtered_resps", {mean}},
            {"kl_mean", mean}, {"n_positions", n}};
}

}  // namespace tasks
