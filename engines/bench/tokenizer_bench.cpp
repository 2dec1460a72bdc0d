// Tokenizer encode throughput on the LAMBADA test text (datasets/), in MB/s
// of UTF-8 input: the first 1,000 passages, one encode call per passage.
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/tokenizer.h"
#include "harness/build_info.h"

namespace {

std::vector<std::string> lambada_texts() {
    std::ifstream in(harness::get_build_info().source_dir + "/datasets/lambada_openai/lambada_test.jsonl");
    std::vector<std::string> texts;
    std::string line;
    while (texts.size() < 1000 && std::getline(in, line)) texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
    return texts;
}

void bm_encode(benchmark::State& state, const std::string& spec) {
    const auto texts = lambada_texts();
    if (texts.empty()) {
        state.SkipWithError("datasets/lambada_openai/lambada_test.jsonl not found");
        return;
    }
    const auto tok = engines::load_tokenizer(spec);
    std::size_t bytes = 0, tokens = 0;
    for (const auto& t : texts) bytes += t.size();
    for (auto _ : state) {
        tokens = 0;
        for (const auto& t : texts) tokens += tok->encode(t).size();
    }
    state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes) * 1e-6, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

const std::string dir = harness::get_build_info().source_dir + "/datasets/tokenizers/";
BENCHMARK_CAPTURE(bm_encode, neox20b, dir + "20B_tokenizer.json")->Name("tokenizer_encode/neox20b/lambada")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_encode, world, dir + "rwkv_vocab_v20230424.txt")->Name("tokenizer_encode/rwkv-world/lambada")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_encode, bytes, std::string("bytes"))->Name("tokenizer_encode/bytes/lambada")->Unit(benchmark::kMillisecond);

}  // namespace
