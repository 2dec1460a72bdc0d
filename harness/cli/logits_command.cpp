// `rwkvbench logits`: run an engine over a text or ids, save input_ids,
// logits (and the state) as safetensors, and optionally compare with a
// reference file — the check a user runs against another implementation,
// or a quantized model against its base (KL, top-1, perplexities).
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>

#include "command.h"
#include "engines/engine_spec.h"
#include "engines/float_tensor.h"
#include "engines/model_file.h"
#include "engines/registry.h"
#include "engines/safetensors_writer.h"
#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "harness/read_file.h"
#include "kernels/backend.h"
#include "option_values.h"
#include "tasks/scorer.h"
#include "token_ids.h"

namespace cli {
namespace {

// What --compare reports, as llama.cpp's perplexity --kl-divergence does for
// a quantized model against its base: max |d|, KL(ref || ours) per position
// (softmaxes in double), top-1 agreement, both perplexities over the input's
// next-token predictions, and the KL by position bucket.
struct comparison {
    double max_abs = 0, mean_kl = 0, top1 = 0, ppl_ours = 0, ppl_ref = 0;
    std::vector<std::pair<std::string, double>> kl_by_position;  // "[lo, hi)" -> mean KL
};

comparison compare_logits(const std::vector<float>& ours, const std::vector<float>& ref, std::int64_t v,
                          const std::vector<std::int32_t>& ids) {
    comparison c;
    const std::size_t rows = ref.size() / static_cast<std::size_t>(v);
    std::size_t agree = 0;
    double nll_ours = 0, nll_ref = 0;
    std::vector<double> kl_at(rows);
    const auto n = static_cast<std::size_t>(v);
    for (std::size_t r = 0; r < rows; ++r) {
        const std::span<const float> a(ours.data() + r * n, n), b(ref.data() + r * n, n);
        for (std::size_t i = 0; i < n; ++i)
            c.max_abs = std::max(c.max_abs, static_cast<double>(std::fabs(a[i] - b[i])));
        // Row r predicts token r + 1.
        const std::int32_t next = r + 1 < rows ? ids[r + 1] : -1;
        const tasks::position_comparison p = tasks::compare_position(b, a, next);
        agree += p.same_top1;
        kl_at[r] = p.kl;
        c.mean_kl += p.kl;
        nll_ours -= p.logprob;
        nll_ref -= p.logprob_reference;
    }
    if (rows) c.mean_kl /= static_cast<double>(rows), c.top1 = static_cast<double>(agree) / static_cast<double>(rows);
    if (rows > 1) {
        c.ppl_ours = std::exp(nll_ours / static_cast<double>(rows - 1));
        c.ppl_ref = std::exp(nll_ref / static_cast<double>(rows - 1));
    }
    // Buckets doubling from 64 tokens: early positions see little context.
    for (std::size_t lo = 0, hi = 64; lo < rows; lo = hi, hi *= 2) {
        const std::size_t end = std::min(hi, rows);
        double sum = 0;
        for (std::size_t r = lo; r < end; ++r) sum += kl_at[r];
        c.kl_by_position.emplace_back("[" + std::to_string(lo) + ", " + std::to_string(end) + ")",
                                      sum / static_cast<double>(end - lo));
    }
    return c;
}

class logits_command final : public command {
public:
    std::string_view name() const override { return "logits"; }
    std::string_view summary() const override { return "run an engine, save its logits (and state), compare with a reference"; }
    std::string_view examples() const override {
        return "  rwkvbench logits --model m.pth --engine rwkv4-parallel --tokenizer bytes --text 'Hello' --out l.safetensors\n"
               "  rwkvbench logits --model m.pth --engine rwkv4-serial --ids ids.txt --out l.safetensors --state \\\n"
               "      --compare golden.safetensors --tolerance 1e-4\n"
               "  rwkvbench logits --model random:rwkv4-169m --engine rwkv4-parallel --dtype bf16 --tokenizer bytes --text hi --out r.safetensors\n"
               "  rwkvbench logits --model rwkv7-g1.pth --engine rwkv7-serial --tokenizer datasets/tokenizers/rwkv_vocab_v20230424.txt \\\n"
               "      --text 'Привет' --out l.safetensors --state   # v5.2/v7: state.att_xx, state.att_kv, state.ffn_xx\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("model", po::value<std::string>()->required(), "checkpoint path, HF folder or random:NAME")(
            "engine", po::value<std::string>()->required(), engines::engine_names_sentence().c_str())(
            "text", po::value<std::string>(), "input text (needs --tokenizer)")(
            "tokenizer", po::value<std::string>(), "'bytes', a tokenizer.json or an RWKV World vocab")(
            "ids", po::value<std::string>(), "file of token ids separated by whitespace")(
            "out", po::value<std::string>()->required(), "output .safetensors (input_ids, logits[, state])")(
            "dtype", po::value<std::string>(),
            "weight storage: fp32, fp16, bf16, or rwkv.cpp's block formats q8_0, q5_0, q5_1, q4_0, q4_1 "
            "(default fp32, or a quantized rwkv.cpp .bin's own format)")(
            "device", po::value<std::string>()->default_value("cpu"), "cpu or cuda")(
            "threads", po::value<int>()->default_value(0), "CPU threads (0: all cores)")(
            "int8-activations",
            "block formats (q8_0 ... q4_1) on activations quantized to 8 bits per 32 values, as rwkv.cpp and "
            "llama.cpp do: integer dot products (AVX-512 VNNI, else AVX2), faster decode, rwkv.cpp's numbers (CPU "
            "only; "
            "default: f32 activations, exact)")("chunk", po::value<int>()->default_value(0),
                                                "tokens per forward call, state carried (0: all at once)")(
            "attention", po::value<std::string>(), "naive or fused (transformer engine only)")(
            "no-cache", "recompute the prefix every step (transformer engine only)")(
            "state", "also save the final state")("compare", po::value<std::string>(), "reference .safetensors")(
            "ref-tensor", po::value<std::string>()->default_value("logits"), "tensor of the reference to compare")(
            "tolerance", po::value<double>()->default_value(1e-4), "max abs difference allowed by --compare");
    }

    int run(const po::variables_map& args) override {
        const engines::engine_spec spec = engine_spec_option(args, "logits");
        std::vector<std::int32_t> ids;
        if (args.count("ids") == args.count("text"))
            throw harness::usage_error("logits: give exactly one of --ids and --text");
        if (args.count("text")) {
            if (!args.count("tokenizer")) throw harness::usage_error("logits: --text needs --tokenizer");
            ids = engines::load_tokenizer(args.at("tokenizer").as<std::string>())->encode(args.at("text").as<std::string>());
        } else {
            ids = parse_token_ids(harness::read_file(args.at("ids").as<std::string>()), args.at("ids").as<std::string>());
        }
        if (ids.empty()) throw harness::input_error("logits: the input has no tokens");
        const int chunk = args.at("chunk").as<int>();
        const double tol = non_negative_option(args, "tolerance", "logits");  // checked before any work
        if (chunk < 0) throw harness::usage_error("logits: --chunk must be >= 0");

        auto backend = kernels::make_backend(args.at("device").as<std::string>(), threads_option(args, "logits"), 0,
                                             args.count("int8-activations") > 0);
        auto engine = engines::make_engine(spec, *backend);
        const engines::engine_info info = engine->info();
        auto state = engine->new_state();
        std::vector<float> logits, part;
        const std::size_t step = chunk > 0 ? static_cast<std::size_t>(chunk) : ids.size();
        for (std::size_t at = 0; at < ids.size(); at += step) {
            engine->forward(std::span(ids).subspan(at, std::min(step, ids.size() - at)), *state, engines::logits_mode::all, part);
            logits.insert(logits.end(), part.begin(), part.end());
        }
        const auto t = static_cast<std::int64_t>(ids.size());
        std::vector<engines::output_tensor> out = {engines::i32_tensor("input_ids", {t}, ids),
                                                   engines::f32_tensor("logits", {t, info.n_vocab}, logits)};
        if (args.count("state"))
            for (const auto& a : state->export_arrays()) out.push_back(engines::f32_tensor(a.name, a.shape, a.values));
        const std::string out_path = args.at("out").as<std::string>();
        std::map<std::string, std::string> metadata = {{"engine", info.name},
                                                       {"model", args.at("model").as<std::string>()},
                                                       {"dtype", engines::dtype_spelling(info.weight_type)},
                                                       {"device", args.at("device").as<std::string>()}};
        // Say which attention and cache mode produced a transformer result.
        if (info.name == "transformer") {
            metadata["attention"] = std::string(kernels::attention_variant_name(spec.attention));
            metadata["cache"] = spec.no_cache ? "none" : "kv";
        }
        engines::write_safetensors(out_path, out, metadata);
        std::cerr << "wrote " << out_path << ": " << t << " tokens x " << info.n_vocab << " logits (" << info.name << ")\n";
        if (!args.count("compare")) return 0;

        const std::string ref_path = args.at("compare").as<std::string>();
        const auto ref_file = engines::model_file::open(ref_path);
        const std::string ref_name = args.at("ref-tensor").as<std::string>();
        const engines::tensor_entry& ref_entry = ref_file->at(ref_name);
        const engines::float_tensor ref = engines::decode_f32(*ref_file, ref_entry);
        if (ref.values.size() != logits.size())
            throw harness::input_error(ref_path + ": tensor '" + ref_name + "' is " + ref_entry.shape_string() + ", expected [" +
                                       std::to_string(t) + ", " + std::to_string(info.n_vocab) + "]");
        const comparison c = compare_logits(logits, ref.values, info.n_vocab, ids);
        std::cout << std::setprecision(3) << "max_abs_diff " << c.max_abs << "\nmean_kl " << c.mean_kl << "\ntop1_agreement "
                  << c.top1 << "\n";
        if (t > 1)
            std::cout << std::setprecision(6) << "perplexity " << c.ppl_ours << " (reference " << c.ppl_ref << ", ratio "
                      << c.ppl_ours / c.ppl_ref << ")\n";
        std::cout << std::setprecision(3);
        for (const auto& [bucket, kl] : c.kl_by_position) std::cout << "mean_kl positions " << bucket << " " << kl << "\n";
        std::cout << (c.max_abs <= tol ? "PASS" : "FAIL") << " (tolerance " << tol << ")\n";
        return c.max_abs <= tol ? 0 : 1;
    }
};

}  // namespace

std::unique_ptr<command> make_logits_command() { return std::make_unique<logits_command>(); }

}  // namespace cli
