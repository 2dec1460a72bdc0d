#include "reports/paired_compare.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "harness/errors.h"
#include "harness/json_file.h"
#include "reports/paired_tests.h"

namespace reports {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::map<std::string, const json*> samples_by_doc(const std::vector<json>& lines, const std::string& language) {
    const bool pooled = language.empty() || language == "all" || language == "macro";
    std::map<std::string, const json*> out;
    std::map<std::string, int> seen;
    for (const json& l : lines) {
        if (!pooled && l.value("language", std::string()) != language) continue;
        const std::string hash = l.at("doc_hash").get<std::string>();
        const int k = ++seen[hash];
        out[k == 1 ? hash : hash + "#" + std::to_string(k)] = &l;
    }
    return out;
}

run_samples load_run_samples(const run_report& r) {
    run_samples out;
    const fs::path root = fs::path(r.dir) / "samples";
    if (r.dir.empty() || !fs::is_directory(root)) return out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || e.path().extension() != ".jsonl") continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::uint64_t n = 0;
        for (std::string line; std::getline(in, line);) {
            ++n;
            if (line.empty()) continue;
            try {
                json j = harness::parse_json_text(line);
                if (!j.is_object() || !j.contains("task") || !j.contains("model") || !j.contains("doc_hash")) continue;
                const auto key = std::pair{j.at("task").get<std::string>(), j.at("model").get<std::string>()};
                (void)j.at("doc_hash").get<std::string>();  // a mistyped hash is named here, with its line
                out[key].push_back(std::move(j));
            } catch (const json::exception& ex) {
                throw harness::input_error(e.path().string(), "line", n, std::string("malformed sample: ") + ex.what());
            }
        }
    }
    return out;
}

std::optional<paired_evidence> paired_test(const run_samples& base, const run_samples& now, const metric_result& m) {
    const auto b = base.find({m.task, m.model}), n = now.find({m.task, m.model});
    if (b == base.end() || n == now.end()) return std::nullopt;
    const auto bl = samples_by_doc(b->second, m.language), nl = samples_by_doc(n->second, m.language);
    // The per-example field a metric is tested on.
    const char* field = m.metric == "acc"             ? "acc"
                        : m.metric == "acc_norm"      ? "acc_norm"
                        : m.metric == "bits_per_byte" ? "bits"
                        : m.metric == "ppl"           ? "logprob"
                                                      : nullptr;
    if (!field) return std::nullopt;
    std::vector<std::pair<double, double>> pairs;  // (base, new)
    double bytes = 0;                              // bits_per_byte: the bytes of the paired lines
    for (const auto& [key, x] : bl) {
        const auto y = nl.find(key);
        if (y == nl.end() || !x->contains(field) || !y->second->contains(field)) continue;
        const json& a = x->at(field);
        const json& c = y->second->at(field);
        if (!a.is_number() || !c.is_number()) continue;
        pairs.emplace_back(a.get<double>(), c.get<double>());
        if (x->contains("bytes") && x->at("bytes").is_number()) bytes += x->at("bytes").get<double>();
    }
    if (pairs.empty()) return std::nullopt;
    paired_evidence ev;
    ev.pairs = static_cast<std::int64_t>(pairs.size());
    if (m.metric == "acc" || m.metric == "acc_norm") {
        std::int64_t only_base = 0, only_new = 0;
        for (const auto& [x, y] : pairs) only_base += x > y, only_new += y > x;
        ev.test = "McNemar";
        ev.p = mcnemar_exact(only_base, only_new).p;
        const auto pairs_n = static_cast<double>(ev.pairs), lost = static_cast<double>(only_base),
                   gained = static_cast<double>(only_new);
        ev.effect = (gained - lost) / pairs_n;
        const double se =
            std::sqrt(std::max(0.0, (lost + gained) - (gained - lost) * (gained - lost) / pairs_n)) / pairs_n;
        ev.low = ev.effect - 1.96 * se, ev.high = ev.effect + 1.96 * se;
    } else {
        std::vector<double> d;
        for (const auto& [x, y] : pairs) d.push_back(y - x);
        ev.test = "paired bootstrap";
        const bootstrap_result r = paired_bootstrap(d);
        ev.p = r.p;
        // bits_per_byte: mean bits per line ÷ mean bytes per line = the change in bits per byte.
        const double scale = m.metric == "bits_per_byte" && bytes > 0 ? static_cast<double>(ev.pairs) / bytes : 1.0;
        ev.effect = r.mean * scale, ev.low = r.low * scale, ev.high = r.high * scale;
    }
    return ev;
}

}  // namespace reports
