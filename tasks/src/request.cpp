#include "tasks/request.h"

#include <map>

#include "harness/errors.h"
#include "harness/sha256.h"
#include "tasks/scorer_registry.h"

namespace tasks {
namespace {

constexpr std::string_view separator("\x1E", 1);  // U+001E, record separator

std::string joined_hash(const std::vector<std::string>& parts, const std::string& tail = "") {
    harness::sha256 h;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) h.update(separator);
        h.update(parts[i]);
    }
    if (!tail.empty()) h.update(separator).update(tail);
    return h.hex_digest();
}

}  // namespace

request make_request(request_kind kind, std::string id, std::string language, std::vector<std::string> contexts,
                     std::vector<std::string> continuations, int gold, nlohmann::json doc) {
    request r{kind, std::move(id), std::move(language), std::move(contexts), std::move(continuations), gold,
              std::move(doc), "", "", ""};
    r.doc_hash = harness::sha256_hex(r.doc.dump());
    r.prompt_hash = joined_hash(r.contexts);
    r.target_hash = joined_hash(r.continuations, kind == request_kind::multiple_choice ? std::to_string(gold) : "");
    return r;
}

std::vector<std::span<const request>> language_runs(const std::vector<request>& requests, request_kind kind) {
    std::vector<std::span<const request>> runs;
    for (std::size_t begin = 0; begin < requests.size();) {
        std::size_t end = begin + 1;
        while (end < requests.size() && requests[end].kind == requests[begin].kind &&
               requests[end].language == requests[begin].language)
            ++end;
        if (requests[begin].kind == kind) runs.emplace_back(requests.data() + begin, end - begin);
        begin = end;
    }
    return runs;
}

std::vector<std::string> wanted_languages(const std::vector<std::string>& available,
                                          const std::vector<std::string>& wanted) {
    if (wanted.empty()) return available;
    std::vector<std::string> out;
    for (const auto& w : wanted)
        if (std::find(available.begin(), available.end(), w) != available.end() &&
            std::find(out.begin(), out.end(), w) == out.end())
            out.push_back(w);
    return out;
}

task_requests build_requests(const task_definition& d, const task_input& in) {
    const scorer_entry* s = find_scorer(d.scorer);
    if (!s) throw harness::input_error(d.file + ": scorer '" + d.scorer + "' unknown (expected " + scorer_names() + ")");
    task_requests out = s->requests(d, in);
    for (const auto& w : in.langs)
        if (d.per_language() && std::find(out.available.begin(), out.available.end(), w) == out.available.end())
            out.missing.push_back(w);
    if (in.limit) {  // the first N of each language, in the data's order
        std::map<std::string, std::size_t> kept;
        std::erase_if(out.requests,
                      [&](const request& r) { return is_example(r) && ++kept[r.language] > *in.limit; });
    }
    const std::size_t per_batch = s->batched ? std::max<std::size_t>(in.batch_examples, 1) : 1;
    std::int64_t batch = -1;
    std::size_t in_batch = 0;
    const std::string* language = nullptr;
    for (request& r : out.requests) {
        if (!is_example(r)) continue;
        if (!language || *language != r.language || in_batch == per_batch) {
            ++batch;
            in_batch = 0;
        }
        r.batch = batch;
        ++in_batch;
        language = &r.language;
    }
    return out;
}

std::vector<std::span<const request>> batch_runs(std::span<const request> requests) {
    std::vector<std::span<const request>> out;
    for (std::size_t i = 0; i < requests.size();) {
        std::size_t end = i + 1;
        while (end < requests.size() && requests[end].batch == requests[i].batch) ++end;
        out.push_back(requests.subspan(i, end - i));
        i = end;
    }
    return out;
}

std::string requests_hash(const task_definition& d, const std::vector<request>& requests) {
    harness::sha256 h;
    const auto field = [&](const std::string& s) { h.update(s).update(separator); };
    field(d.name + "/v" + std::to_string(d.version));
    field(d.options.dump());
    for (const request& r : requests) {
        switch (r.kind) {
            case request_kind::multiple_choice:
                // The id within its language ("12" of "it:12"), then the gold index and the strings.
                field(r.language), field(r.language.empty() ? r.id : r.id.substr(r.language.size() + 1));
                field(std::to_string(r.gold));
                for (const auto& c : r.contexts) field(c);
                for (const auto& c : r.continuations) field(c);
                break;
            case request_kind::loglikelihood: field(r.contexts.at(0)), field(r.continuations.at(0)); break;
            case request_kind::rolling:
                if (!r.language.empty()) field(r.language);
                field(r.continuations.at(0));
                break;
            case request_kind::greedy:
                break;  // samples for the review: not scored
            case request_kind::scaling_case:
                break;  // timing: the task has no request_hash
        }
    }
    return h.hex_digest();
}

}  // namespace tasks
