#include "tasks/scorer_registry.h"

#include "choice_formats.h"
#include "task_context.h"

namespace tasks {
namespace {

std::set<std::string> choice_format_names() {
    std::set<std::string> out;
    for (const auto& f : choice_formats()) out.insert(f.name);
    return out;
}

}  // namespace

const std::vector<scorer_entry>& scorers() {
    static const std::vector<scorer_entry> table = {
        {"lambada",
         {"lambada_jsonl"},
         {"pad"},
         {"acc", "ppl"},
         true,
         lambada_requests,
         score_lambada,
         nullptr,
         lambada_sample,
         true},
        {"rolling_text",
         {"text"},
         {"pad", "stride", "normalize", "unit_tokens"},
         {"token_perplexity", "word_perplexity", "bits_per_byte"},
         true,
         rolling_text_requests,
         score_rolling_text,
         nullptr,
         rolling_text_sample},
        {"kl_divergence",
         {"text"},
         {"pad", "normalize", "reference", "max_tokens", "buckets"},
         {"kl_mean", "top1_agreement", "ppl", "ppl_reference", "ppl_delta"},
         true,
         rolling_text_requests,
         score_kl_divergence,
         nullptr,
         kl_divergence_sample},
        {"bpb_lines",
         {"lines", "udhr"},
         {"pad", "samples"},
         {"bits_per_byte", "tokens_per_byte"},
         true,
         bpb_lines_requests,
         score_bpb_lines,
         nullptr,
         bpb_lines_sample,
         true},
        {"multiple_choice",
         choice_format_names(),
         {"pad", "words"},
         {"acc", "acc_norm"},
         true,
         multiple_choice_requests,
         score_multiple_choice,
         nullptr,
         multiple_choice_sample,
         true},
        {"scaling",
         {"synthetic_tokens"},
         {"prompt_tokens", "generate_tokens", "max_context_no_cache", "repeats", "warmup_tokens", "prefill_lengths",
          "report_contexts", "interleave"},
         {"ms_per_token", "tokens_per_s", "growth_exponent", "prefill_tokens_per_s"},
         false,
         scaling_requests,
         score_scaling,
         measure_scaling},
        {"scaling_depth",
         {"synthetic_tokens"},
         {"depths", "decode_tokens", "decode_tokens_no_cache", "repeats", "warmup_tokens", "prefill_chunk",
          "max_depth_no_cache", "reference_depth", "lift_context_limit", "interleave"},
         {"ms_per_token", "prefill_tokens_per_s", "latency_growth", "growth_exponent"},
         false,
         scaling_depth_requests,
         score_scaling_depth,
         measure_depths},
    };
    return table;
}

const scorer_entry* find_scorer(const std::string& name) {
    for (const auto& s : scorers())
        if (s.name == name) return &s;
    return nullptr;
}

std::string scorer_names() {
    std::string out;
    for (const auto& s : scorers()) out += (out.empty() ? "" : ", ") + s.name;
    return out;
}

}  // namespace tasks
