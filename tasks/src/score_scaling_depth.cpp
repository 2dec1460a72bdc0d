// The scaling_depth scorer: decode latency against context depth, the way
// llama-bench's -d and sweep-bench measure long contexts without generating
// every token. Two phases:
//  1. Each engine is brought to the depths (options.depths) by one
//     incremental prefill: from 0 to the first depth, then on to the next,
//     in chunks of options.prefill_chunk tokens, each segment timed (prefill
//     tokens/s per depth); at each depth memory is taken by kind (weights,
//     state/KV allocated and used, the engine's scratch, the process's RSS,
//     CUDA device memory) beside its analytic size from the model's shape,
//     and options.warmup_tokens are decoded untimed. A recurrent state is
//     kept at every depth (a copy); a KV cache only at the deepest.
//  2. Rounds (options.repeats): in each, every depth in turn (ascending in
//     even rounds, descending in odd ones) and at each depth every engine
//     decodes options.decode_tokens tokens greedily, each forward call
//     timed. A recurrent state decodes a copy of its state at the depth; a
//     KV cache decodes a copy of the deepest cache rewound to the depth (the
//     deepest itself at the deepest depth, rewound after). So the latencies
//     of all depths are measured in the same minutes: this machine's
//     bandwidth drifts by 10-20% over a minute, which measured depth after
//     depth once made a flat RWKV line look 16% slower at 2k than at 1k.
// The serial RWKV engine prefills through its parallel kernels
// (engine::prefill).
//
// A transformer without a cache stops at options.max_depth_no_cache; one
// whose context limit is below the deepest depth has it lifted when its
// positions allow (rotary) or stops at the limit (learned positions): the
// series' depth_note says which. Timing as in the scaling task: CUDA events
// on the GPU, engines interleaved case by case (measure_depths), the argmax
// and the prefill outside the decode timings.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "harness/errors.h"
#include "harness/stats.h"
#include "kernels/cuda_timing.h"
#include "scaling_measure.h"
#include "task_context.h"
#include "tasks/fit.h"

namespace tasks {
namespace {

using json = nlohmann::json;

struct depth_options {
    std::vector<std::int64_t> depths{0, 512, 1024, 2048, 4096, 8192, 16384};
    std::int64_t decode_tokens = 32, repeats = 3, warmup = 4, prefill_chunk = 512, max_depth_no_cache = 1024;
    // A transformer without a cache decodes this many tokens per case (at
    // most decode_tokens): each of its tokens recomputes the whole context,
    // so at depth 512 one token costs what 100 tokens of the others do.
    std::int64_t decode_tokens_no_cache = 32;  // read as decode_tokens when not given
    std::int64_t reference_depth = 512;  // latency_growth compares the deepest depth's latency with this one's
    bool lift_context_limit = true;
};

depth_options read_options(const task_definition& d) {
    const json& o = d.options;
    depth_options s;
    const auto bad = [&](const std::string& what) {
        return harness::input_error(d.name + ": options." + what);
    };
    if (o.contains("depths")) s.depths = o.at("depths").get<std::vector<std::int64_t>>();
    s.decode_tokens = o.value("decode_tokens", s.decode_tokens);
    s.repeats = o.value("repeats", s.repeats);
    s.warmup = o.value("warmup_tokens", s.warmup);
    s.prefill_chunk = o.value("prefill_chunk", s.prefill_chunk);
    s.max_depth_no_cache = o.value("max_depth_no_cache", s.max_depth_no_cache);
    s.decode_tokens_no_cache = o.value("decode_tokens_no_cache", s.decode_tokens);
    s.reference_depth = o.value("reference_depth", s.reference_depth);
    s.lift_context_limit = o.value("lift_context_limit", s.lift_context_limit);
    if (s.depths.empty()) throw bad("depths: expected at least one depth");
    for (std::size_t i = 0; i < s.depths.size(); ++i)
        if (s.depths[i] < 0 || (i > 0 && s.depths[i] <= s.depths[i - 1]))
            throw bad("depths: expected increasing depths >= 0, got " + std::to_string(s.depths[i]) + " at [" +
                      std::to_string(i) + "]");
    if (s.decode_tokens < 1) throw bad("decode_tokens: expected at least 1");
    if (s.repeats < 1) throw bad("repeats: expected at least 1");
    if (s.warmup < 0) throw bad("warmup_tokens: expected 0 or more");
    if (s.prefill_chunk < 1) throw bad("prefill_chunk: expected at least 1");
    if (s.max_depth_no_cache < 0) throw bad("max_depth_no_cache: expected 0 or more");
    if (s.decode_tokens_no_cache < 1 || s.decode_tokens_no_cache > s.decode_tokens)
        throw bad("decode_tokens_no_cache: expected 1 to decode_tokens (" + std::to_string(s.decode_tokens) + ")");
    return s;
}

// One case (a depth and a repeat) of one engine, as the journal holds it.
// prefill_from >= 0: this case brought the state from there to the depth
// in prefill_ms; -1: it found the state at the depth already, or took it
// from the engine named in state_from (absent from older journals).
struct depth_case_record {
    std::int64_t depth = 0;
    std::vector<double> latency_ms;
    std::int64_t prefill_from = -1;
    double prefill_ms = 0;
    reports::depth_memory memory;
    std::string state_from;
};

void to_json(json& j, const depth_case_record& r) {
    j = {{"depth", r.depth}, {"latency_ms", r.latency_ms}, {"prefill_from", r.prefill_from},
         {"prefill_ms", r.prefill_ms}, {"memory", r.memory}};
    if (!r.state_from.empty()) j["state_from"] = r.state_from;
}

void from_json(const json& j, depth_case_record& r) {
    j.at("depth").get_to(r.depth);
    j.at("latency_ms").get_to(r.latency_ms);
    j.at("prefill_from").get_to(r.prefill_from);
    j.at("prefill_ms").get_to(r.prefill_ms);
    j.at("memory").get_to(r.memory);
    r.state_from = j.value("state_from", std::string());
}

std::int64_t depth_of(const request& q) { return q.doc.at("depth").get<std::int64_t>(); }

// What one engine sweeps: the depths it reaches, why it stops short of the
// task's deepest (or that its limit is lifted), and the synthetic context.
struct depth_plan {
    depth_options o;
    std::vector<std::int64_t> depths;
    std::int64_t decode_tokens = 0;  // per case: options.decode_tokens, or decode_tokens_no_cache without a cache
    std::int64_t warmup = 0;         // options.warmup_tokens, at most decode_tokens without a cache
    std::string note;
    std::int64_t lift_to = 0;  // > 0: the context limit to lift to while measuring
    std::vector<std::int32_t> tokens;  // the context: the deepest depth's tokens, plus one to start depth 0
};

depth_plan plan(task_context& c) {
    depth_plan p;
    p.o = read_options(c.def);
    p.decode_tokens = c.model.spec.no_cache ? p.o.decode_tokens_no_cache : p.o.decode_tokens;
    p.warmup = c.model.spec.no_cache ? std::min(p.o.warmup, p.decode_tokens) : p.o.warmup;
    const engines::engine_info info = c.engine.info();
    const std::int64_t deepest = p.o.depths.back();
    const std::int64_t need = deepest + p.o.warmup + p.o.decode_tokens;
    std::int64_t cap = deepest;
    if (c.model.spec.no_cache && p.o.max_depth_no_cache < deepest) {
        cap = p.o.max_depth_no_cache;
        p.note = "no KV cache: depths above " + std::to_string(cap) +
                 " skipped (every token recomputes the whole context)";
    } else if (info.context_limit && need > *info.context_limit) {
        const std::int64_t limit = *info.context_limit;
        if (p.o.lift_context_limit && c.engine.extend_context(need)) {
            c.engine.extend_context(0);  // lifted while measuring only
            p.lift_to = need;
            p.note = "context limit of " + std::to_string(limit) + " tokens lifted to " + std::to_string(need) +
                     " (rotary positions; the timing does not depend on trained positions)";
        } else {
            cap = limit - p.o.warmup - p.o.decode_tokens;
            p.note = "context limit of " + std::to_string(limit) + " tokens" +
                     (p.o.lift_context_limit ? " (learned positions, cannot be lifted)" : "") + ": depths above " +
                     std::to_string(cap) + " skipped";
        }
    }
    for (const std::int64_t d : p.o.depths)
        if (d <= cap) p.depths.push_back(d);
    // Synthetic ids below 50000 (inside every shipped vocabulary but the byte
    // models'), so one seed gives the same context to RWKV-4 and Pythia.
    std::mt19937_64 rng(c.config.seed);
    std::uniform_int_distribution<std::int32_t> id(
        0, static_cast<std::int32_t>(std::min<std::int64_t>(info.n_vocab, 50000) - 1));
    p.tokens.resize(static_cast<std::size_t>((p.depths.empty() ? 0 : p.depths.back()) + 1));
    for (auto& x : p.tokens) x = id(rng);
    return p;
}

// Memory by kind with `s` at its depth, beside the sizes the model's shape gives.
reports::depth_memory memory_at(task_context& c, const engines::engine_state& s) {
    const engines::engine_info info = c.engine.info();
    reports::depth_memory m;
    m.weight_bytes = info.weight_bytes;
    m.state_allocated_bytes = s.bytes();
    m.state_used_bytes = s.used_bytes();
    m.scratch_bytes = info.scratch_bytes;
    m.rss_bytes = resident_bytes();
    // Block formats keep the embedding, the head and the vectors in f32: no
    // one size per parameter, so the loader's own count stands there.
    m.expected_weight_bytes = kernels::is_quantized(info.weight_type)
                                  ? info.weight_bytes
                                  : info.n_params * kernels::dtype_size(info.weight_type);
    const auto layer_floats = static_cast<std::uint64_t>(info.n_layer * info.n_embd);
    // RWKV-4: att_xx, aa, bb, pp, ffn_xx per layer; v5.2/v7: att_xx, ffn_xx and H matrices of N x N
    // (C x N) per layer; a KV cache: a key and a value per layer and token.
    if (info.architecture == "rwkv4")
        m.expected_state_bytes = 5 * layer_floats * sizeof(float);
    else if (info.architecture == "rwkv5" || info.architecture == "rwkv7")
        m.expected_state_bytes = layer_floats * (2 + static_cast<std::uint64_t>(info.head_size)) * sizeof(float);
    else
        m.expected_state_bytes = 2 * layer_floats * static_cast<std::uint64_t>(s.n_tokens()) * sizeof(float);
    m.device_used_bytes = kernels::cuda_memory_used(c.backend);
    return m;
}

// What phase 1 leaves of one depth for phase 2: the logits there (the first
// decoded token is their argmax), a recurrent state's copy at the depth, and
// what the repeats' records carry from phase 1.
struct depth_point {
    std::vector<float> logits;
    std::unique_ptr<engines::engine_state> state;  // recurrent states only
    std::int64_t prefill_from = -1;
    double prefill_ms = 0;
    reports::depth_memory memory;
};

// One engine while it is measured: its plan, its state at the deepest depth
// reached so far, the logits there, and what phase 1 kept of each depth.
struct live_engine {
    task_context* c;
    depth_plan plan;
    timer clock;
    std::unique_ptr<engines::engine_state> state;
    std::vector<float> logits;
    std::map<std::int64_t, depth_point> at;
    const live_engine* state_from = nullptr;  // takes this engine's state at each depth instead of prefilling
};

// Whether `a` and `b` prefill by the same computation to the same recurrent
// state: one model file (or random seed) in one dtype on one backend, both
// recurrent engines of one architecture sweeping the same depths. RWKV's
// serial and parallel engines are such a pair: the serial engine's prefill
// runs the parallel mode's kernels on the same weights, so its states would
// be the parallel engine's bit for bit.
bool same_prefill(const live_engine& a, const live_engine& b) {
    const engines::engine_spec &x = a.c->model.spec, &y = b.c->model.spec;
    const engines::engine_info i = a.c->engine.info(), j = b.c->engine.info();
    const bool recurrent = i.architecture.rfind("rwkv", 0) == 0;
    return recurrent && i.architecture == j.architecture && x.model == y.model && x.seed == y.seed &&
           x.dtype == y.dtype && &a.c->backend == &b.c->backend && a.plan.depths == b.plan.depths &&
           a.plan.tokens == b.plan.tokens;
}

// Pairs each serial engine with a measured non-serial one that prefills the
// same way (the parallel engine prefills: that is its own mode).
void share_prefills(std::vector<live_engine>& engines) {
    const auto serial = [](const live_engine& e) { return e.c->engine.info().name.ends_with("-serial"); };
    for (live_engine& e : engines) {
        if (!serial(e)) continue;
        for (const live_engine& other : engines)
            if (!serial(other) && same_prefill(e, other)) {
                e.state_from = &other;
                break;
            }
    }
}

// Feeds the context from the state's depth to `to` in chunks; the summed
// time of the chunk calls in milliseconds.
double prefill_to(live_engine& e, std::int64_t to) {
    // Without a cache every call recomputes everything: one call, not one per chunk.
    const std::int64_t chunk = e.c->model.spec.no_cache ? to : e.plan.o.prefill_chunk;
    double ms = 0;
    for (std::int64_t from = e.state->n_tokens(); from < to; from = e.state->n_tokens()) {
        const std::span<const std::int32_t> part(e.plan.tokens.data() + from,
                                                 static_cast<std::size_t>(std::min(chunk, to - from)));
        ms += e.clock.ms([&] { e.c->engine.prefill(part, *e.state, e.logits); }, part.size());
    }
    return ms;
}

// Decodes n tokens greedily after what `s` holds (`logits`: the logits
// there), timing each call.
std::vector<double> decode_from(live_engine& e, engines::engine_state& s, std::vector<float> logits, std::int64_t n) {
    const std::int64_t depth = s.n_tokens();
    std::vector<double> ms;
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int32_t next = depth == 0 && i == 0 ? e.plan.tokens[0] : argmax(logits);
        ms.push_back(e.clock.ms(
            [&] { e.c->engine.forward(std::span(&next, 1), s, engines::logits_mode::last, logits); }, 1));
    }
    return ms;
}

void rewind_to(engines::engine_state& s, std::int64_t depth) {
    if (!s.rewind(depth))
        throw std::logic_error("scaling_depth: a KV cache could not be rewound to " + std::to_string(depth));
}

// Decodes n tokens at a depth phase 1 reached: a recurrent state on a copy
// of its state there; a KV cache on a copy of the deepest cache's first
// `depth` positions, or at the deepest depth on the cache itself, rewound after.
std::vector<double> decode_at(live_engine& e, std::int64_t depth, std::int64_t n) {
    const depth_point& p = e.at.at(depth);
    if (p.state) return decode_from(e, *p.state->copy(), p.logits, n);
    if (depth == e.state->n_tokens()) {
        auto ms = decode_from(e, *e.state, p.logits, n);
        rewind_to(*e.state, depth);
        return ms;
    }
    const auto copy = e.state->copy_first(depth);
    if (!copy) throw std::logic_error("scaling_depth: a KV cache could not be copied to depth " + std::to_string(depth));
    return decode_from(e, *copy, p.logits, n);
}

// Phase 1 at one depth for one engine: its state brought there by prefill
// (or taken from the engine it shares its prefill with, which reached the
// depth first), memory by kind, the warm-up tokens decoded.
void reach_depth(live_engine& e, std::int64_t depth) {
    reset_peak_resident();
    depth_point p;
    if (e.state_from) {
        const depth_point& from = e.state_from->at.at(depth);
        p.state = from.state->copy();
        p.logits = from.logits;
        p.memory = memory_at(*e.c, *p.state);
    } else {
        if (!e.state) e.state = e.c->engine.new_state();
        if (e.state->n_tokens() < depth) {
            p.prefill_from = e.state->n_tokens();
            p.prefill_ms = prefill_to(e, depth);
        }
        p.memory = memory_at(*e.c, *e.state);
        p.logits = e.logits;
        if (!e.state->keeps_history()) p.state = e.state->copy();
    }
    e.at.emplace(depth, std::move(p));
    decode_at(e, depth, e.plan.warmup);  // caches, page faults
    e.at.at(depth).memory.peak_rss_bytes = peak_resident_bytes();
}

// Lifts the engines' context limits while they are measured, whatever ends the measurement.
class lifted_limits {
public:
    explicit lifted_limits(std::vector<live_engine>& engines) : engines_(engines) {
        for (auto& e : engines_)
            if (e.plan.lift_to > 0) e.c->engine.extend_context(e.plan.lift_to);
    }
    ~lifted_limits() {
        for (auto& e : engines_) e.c->engine.extend_context(0);
    }
    lifted_limits(const lifted_limits&) = delete;
    lifted_limits& operator=(const lifted_limits&) = delete;

private:
    std::vector<live_engine>& engines_;
};

}  // namespace

void measure_depths(const std::vector<task_context*>& contexts, const std::vector<request>& cases) {
    // The cases still to measure, keyed (repeat, depth), and the engines that have any.
    std::map<std::pair<std::int64_t, std::int64_t>, const request*> todo;
    std::vector<task_context*> measured;
    for (task_context* c : contexts) {
        bool any = false;
        for (const request& q : cases)
            if (!c->done(q)) todo[{q.doc.at("repeat").get<std::int64_t>(), depth_of(q)}] = &q, any = true;
        if (any) measured.push_back(c);
    }
    if (measured.empty()) return;
    std::vector<live_engine> engines;
    engines.reserve(measured.size());
    for (task_context* c : measured) engines.push_back({c, plan(*c), timer(*c), nullptr, {}, {}});
    const lifted_limits lifted(engines);
    const std::string who = engines.size() == 1 ? "" : " (" + std::to_string(engines.size()) + " engines interleaved)";
    const auto reaches = [](const live_engine& e, std::int64_t depth) {
        return std::binary_search(e.plan.depths.begin(), e.plan.depths.end(), depth);
    };

    // Phase 1: every engine to every depth, depth by depth, the engines in
    // turn (those that take another's state after it).
    share_prefills(engines);
    std::set<std::int64_t> depths;
    for (const live_engine& e : engines) depths.insert(e.plan.depths.begin(), e.plan.depths.end());
    auto prefill_progress = engines[0].c->progress("depth prefill" + who, depths.size());
    std::size_t reached = 0;
    for (const std::int64_t depth : depths) {
        for (const bool sharing : {false, true})
            for (live_engine& e : engines)
                if (reaches(e, depth) && (e.state_from != nullptr) == sharing) reach_depth(e, depth);
        prefill_progress.update(++reached);
    }

    // Phase 2: rounds over the depths, every engine at each depth in turn.
    auto progress = engines[0].c->progress("depth cases" + who, todo.size());
    std::size_t finished = 0;
    const std::int64_t rounds = todo.rbegin()->first.first + 1;
    for (std::int64_t r = 0; r < rounds; ++r) {
        std::vector<std::int64_t> order(depths.begin(), depths.end());
        if (r % 2 == 1) std::reverse(order.begin(), order.end());
        for (const std::int64_t depth : order) {
            const auto it = todo.find({r, depth});
            if (it == todo.end()) continue;
            const request& q = *it->second;
            for (live_engine& e : engines) {
                task_context& c = *e.c;
                if (c.done(q) || !reaches(e, depth)) continue;
                const depth_point& p = e.at.at(depth);
                depth_case_record rec;
                rec.depth = depth;
                if (r == 0) rec.prefill_from = p.prefill_from, rec.prefill_ms = p.prefill_ms;
                if (e.state_from) rec.state_from = e.state_from->c->model.name;
                rec.memory = p.memory;
                rec.latency_ms = decode_at(e, depth, e.plan.decode_tokens);
                c.record_as(q, rec);
            }
            progress.update(++finished);
        }
    }
}

task_requests scaling_depth_requests(const task_definition& d, const task_input&) {
    const depth_options o = read_options(d);
    task_requests out;
    for (const std::int64_t depth : o.depths)
        for (std::int64_t r = 0; r < o.repeats; ++r)
            out.requests.push_back(make_request(request_kind::scaling_case,
                                                "depth:" + std::to_string(depth) + ":" + std::to_string(r), "", {}, {},
                                                -1, {{"case", "depth"}, {"depth", depth}, {"repeat", r}}));
    return out;
}

void score_scaling_depth(task_context& c, const std::vector<request>& cases) {
    measure_depths({&c}, cases);  // a no-op for what the journal holds
    const depth_plan p = plan(c);
    const std::int64_t n = p.decode_tokens;
    std::map<std::int64_t, std::vector<depth_case_record>> by_depth;  // repeats in order
    for (const request& q : cases)
        if (const auto rec = c.done_as<depth_case_record>(q)) {
            if (static_cast<std::int64_t>(rec->latency_ms.size()) != n || rec->depth != depth_of(q))
                throw harness::input_error(c.config.out_dir + "/journal.jsonl: " + c.def.name + " [" + c.model.name +
                                           "] " + q.id + ": " + std::to_string(rec->latency_ms.size()) +
                                           " decode timings at depth " + std::to_string(rec->depth) +
                                           " where this sweep decodes " + std::to_string(n) + " at " +
                                           std::to_string(depth_of(q)));
            by_depth[rec->depth].push_back(*rec);
        }
    if (by_depth.empty()) return;

    reports::depth_series s;
    s.header = header_of(c);
    s.decode_tokens = n;
    s.depth_note = p.note;
    for (const auto& [depth, recs] : by_depth)
        if (const std::string& from = recs.front().state_from; !from.empty()) {
            s.depth_note += (s.depth_note.empty() ? "" : "; ") + std::string("state at each depth from ") + from +
                            "'s prefill (the same weights and prefill kernels: no prefill of its own)";
            break;
        }
    std::vector<std::vector<double>> per_repeat_means;  // [depth][repeat]
    for (const auto& [depth, recs] : by_depth) {
        s.depth.push_back(depth);
        std::vector<std::vector<double>> raw;
        std::vector<double> means;
        for (const auto& r : recs) {
            raw.push_back(r.latency_ms);
            double sum = 0;
            for (const double v : r.latency_ms) sum += v;
            means.push_back(sum / static_cast<double>(n));
        }
        s.latency_ms.push_back(raw);
        s.median_latency_ms.push_back(harness::median(means));
        per_repeat_means.push_back(means);
        // The prefill that reached this depth: the first case that did one.
        const auto pre = std::find_if(recs.begin(), recs.end(), [](const auto& r) { return r.prefill_from >= 0; });
        s.prefill_from.push_back(pre == recs.end() ? depth : pre->prefill_from);
        s.prefill_tokens_per_s.push_back(pre == recs.end() || pre->prefill_ms <= 0
                                             ? std::nan("")
                                             : static_cast<double>(depth - pre->prefill_from) / (pre->prefill_ms / 1e3));
        reports::depth_memory m = recs.front().memory;
        for (const auto& r : recs) m.peak_rss_bytes = std::max(m.peak_rss_bytes, r.memory.peak_rss_bytes);
        s.memory.push_back(m);
    }
    // Cumulative time of generating every token up to each depth: the
    // trapezoid rule over the latencies between depths (flat before the first).
    const auto integrate = [&](const std::vector<double>& latency) {
        std::vector<double> cum;
        for (std::size_t k = 0; k < latency.size(); ++k)
            cum.push_back(k == 0 ? latency[0] * static_cast<double>(s.depth[0])
                                 : cum.back() + 0.5 * (latency[k - 1] + latency[k]) *
                                                    static_cast<double>(s.depth[k] - s.depth[k - 1]));
        return cum;
    };
    s.integrated_cumulative_ms = integrate(s.median_latency_ms);
    const std::vector<double> x(s.depth.begin(), s.depth.end());
    s.cumulative_quadratic = fit_record(fit_polynomial(x, s.integrated_cumulative_ms, 2));
    // Latency against depth over every repeat's case, and from it whether the
    // cumulative time's T² term (half the latency's slope) is above zero: the
    // integrated points are running sums of the same few latencies, so a fit
    // through them has residuals far smaller than the measurements' scatter
    // (a flat RWKV line came out "significantly quadratic" from them).
    std::vector<double> x_cases, y_cases;
    for (std::size_t k = 0; k < s.depth.size(); ++k)
        for (const double v : per_repeat_means[k]) x_cases.push_back(x[k]), y_cases.push_back(v);
    const poly_fit lat = fit_polynomial(x_cases, y_cases, 1);
    s.latency_linear = fit_record(lat);
    s.quadratic_significant = lat.above_zero(1);
    const auto ref = std::find_if(s.depth.begin(), s.depth.end(),
                                  [&](std::int64_t d) { return d >= std::max<std::int64_t>(p.o.reference_depth, 1); });
    const std::size_t deepest = s.depth.size() - 1;
    const bool has_reference = ref != s.depth.end() && static_cast<std::size_t>(ref - s.depth.begin()) < deepest;
    if (has_reference) s.reference_depth = *ref;
    c.series.push_back(s);

    for (std::size_t k = 0; k < s.depth.size(); ++k) {
        reports::metric_result at;
        at.context = s.depth[k], at.samples = per_repeat_means[k];
        c.add("ms_per_token", s.median_latency_ms[k], harness::mean_and_stderr(at.samples).second,
              static_cast<std::int64_t>(at.samples.size()), "", at);
        if (std::isfinite(s.prefill_tokens_per_s[k])) {
            reports::metric_result pre;
            pre.context = s.depth[k], pre.samples = {s.prefill_tokens_per_s[k]};
            c.add("prefill_tokens_per_s", s.prefill_tokens_per_s[k], 0, 1, "", pre);
        }
    }
    // Latency at the deepest depth over latency at the reference depth (or
    // the shallowest above 0), per repeat: how much a deep context costs per token.
    if (has_reference) {
        const auto& base = per_repeat_means[static_cast<std::size_t>(ref - s.depth.begin())];
        const auto& top = per_repeat_means[deepest];
        reports::metric_result growth;
        growth.context = s.depth[deepest];
        for (std::size_t r = 0; r < std::min(base.size(), top.size()); ++r) growth.samples.push_back(top[r] / base[r]);
        c.add("latency_growth", harness::median(growth.samples), harness::mean_and_stderr(growth.samples).second,
              static_cast<std::int64_t>(growth.samples.size()), "", growth);
    }
    // The growth exponent k of cumulative time ~ depth^k (1: linear, 2: quadratic), per repeat.
    std::vector<double> exponents;
    for (std::size_t r = 0; r < static_cast<std::size_t>(p.o.repeats) && s.depth.size() > 2; ++r) {
        std::vector<double> lat_r;
        for (const auto& m : per_repeat_means) lat_r.push_back(r < m.size() ? m[r] : m.back());
        exponents.push_back(growth_exponent(x, integrate(lat_r)));
    }
    if (!exponents.empty() && std::isfinite(exponents[0])) {
        reports::metric_result over;
        over.context = s.depth[deepest], over.samples = exponents;
        c.add("growth_exponent", growth_exponent(x, s.integrated_cumulative_ms),
              harness::mean_and_stderr(exponents).second, static_cast<std::int64_t>(exponents.size()), "", over);
    }
}

}  // namespace tasks
