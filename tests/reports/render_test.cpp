// The renderers on a real (small) run of the tiny test models: Markdown, CSV,
// gnuplot charts with the expected series, an HTML page that links only files
// that exist; and the review page round-tripping a verdict file.
#include "reports/render.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness/errors.h"
#include "harness/read_file.h"
#include "reports/report.h"
#include "reports/review.h"
#include "tasks/runner.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string test_data = test_paths::data();
const std::string source = test_paths::source();

// One small run with every kind of result: per-language bits per byte with
// samples, multiple choice, a scaling sweep with prefill and a depth sweep.
const std::string& small_run(const std::string& name) {
    static std::map<std::string, std::string> made;
    if (made.count(name)) return made[name];
    const std::string dir = testing::TempDir() + "/render_" + name + "_" + std::to_string(::getpid());
    fs::remove_all(dir);
    tasks::run_config c;
    const tasks::model_entry rwkv{"rwkv synth",
                                  {"rwkv4-parallel", test_data + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth", "bytes"}};
    const tasks::model_entry neox{"neox tiny", {"transformer", test_data + "/models/gptneox-tiny", "bytes"}};
    c.models = {rwkv, neox};
    tasks::task_request scaling = tasks::task_request::named("scaling");
    scaling.options = {{"prompt_tokens", 4}, {"generate_tokens", 10},     {"repeats", 2},
                       {"warmup_tokens", 1}, {"prefill_lengths", {4, 8}}, {"report_contexts", {8}}};
    tasks::task_request depth = tasks::task_request::named("scaling_depth");
    depth.options = {{"depths", {0, 16, 32, 64}}, {"decode_tokens", 3}, {"repeats", 2},
                     {"warmup_tokens", 1},        {"prefill_chunk", 10}, {"reference_depth", 16}};
    c.tasks = {tasks::task_request::named("bpb_flores"), tasks::task_request::named("xcopa"), scaling, depth};
    c.data_dir = source + "/datasets";
    c.langs = {"deu_Latn", "tha_Thai", "it", "th"};
    c.limit = 3;
    c.out_dir = dir;
    tasks::run_tasks(c);
    return made[name] = dir;
}

bool have_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

TEST(Render, MarkdownAndCsvFromTheReportOnly) {
    const std::string dir = small_run("md");
    const auto r = reports::load_report(dir);
    const auto out = reports::render(r, dir, "md");
    ASSERT_EQ(out.files, std::vector<std::string>{"report.md"});
    const std::string md = harness::read_file(dir + "/report.md");
    EXPECT_NE(md.find("| Task | Version | Language | Model | Metric | ↑↓ | Value | ± | Stderr |"), std::string::npos);
    EXPECT_NE(md.find("| bpb_flores | 1 | deu_Latn | rwkv synth | bits_per_byte | ↓ |"), std::string::npos) << md;
    EXPECT_NE(md.find("ms/token @8"), std::string::npos) << md;
    EXPECT_NE(md.find("## Scaling: parallel prefill"), std::string::npos);
    reports::rendered csv;
    reports::write_csv(r, dir, csv);
    for (const char* f : {"series/results.csv", "series/per_language.csv", "series/scaling_generation.csv",
                          "series/scaling_prefill.csv"})
        EXPECT_NE(std::find(csv.files.begin(), csv.files.end(), f), csv.files.end()) << f;
    std::ifstream gen(dir + "/series/scaling_generation.csv");
    std::string header, first;
    std::getline(gen, header), std::getline(gen, first);
    EXPECT_EQ(header,
              "model,engine,no_cache,token,context,median_latency_ms,cumulative_ms,state_bytes,rss_bytes,latency_ms_r0,"
              "latency_ms_r1");
    EXPECT_TRUE(first.starts_with("rwkv synth,rwkv4-parallel,false,1,5,")) << first;
    // Same value in the CSV and the report: the renderers compute nothing.
    std::ifstream res(dir + "/series/results.csv");
    std::string line;
    std::getline(res, line);
    std::getline(res, line);
    std::ostringstream v;
    v << "," << reports::format_number(r.results[0].value, 10) << ",";
    EXPECT_NE(line.find(v.str()), std::string::npos) << line;
}

// The depth sweep's headline and tables: numbers as the series hold them.
TEST(Render, DepthHeadlineAndTablesComeFromTheSeries) {
    const std::string dir = small_run("depth");
    const auto r = reports::load_report(dir);
    ASSERT_EQ(r.depth.size(), 2u);
    const auto headline = reports::depth_headline(r);
    ASSERT_EQ(headline.size(), 3u);
    const reports::depth_series& neox = r.depth[1];
    ASSERT_EQ(neox.header.model, "neox tiny");
    ASSERT_EQ(neox.depth, (std::vector<std::int64_t>{0, 16, 32, 64}));
    const std::string ratio = reports::format_number(neox.median_latency_ms[3] / neox.median_latency_ms[1], 3) + "×";
    EXPECT_NE(headline[0].find("Per-token latency at 64 tokens of context, as a multiple of that at 16"),
              std::string::npos)
        << headline[0];
    EXPECT_NE(headline[0].find("neox tiny (transformer) " + ratio), std::string::npos) << headline[0];
    EXPECT_NE(headline[1].find("RWKV state "), std::string::npos) << headline[1];
    EXPECT_NE(headline[1].find("KV cache 64.0 KiB (neox tiny (transformer) at 64)"), std::string::npos)
        << headline[1];  // 2 layers x 64 dims x 64 tokens x (key, value) x 4 bytes
    reports::render(r, dir, "md");
    const std::string md = harness::read_file(dir + "/report.md");
    EXPECT_LT(md.find("## What the depth sweep measured"), md.find("## Results"));
    EXPECT_NE(md.find("## Scaling: latency by depth"), std::string::npos);
    EXPECT_NE(md.find("| neox tiny | 64 | "), std::string::npos) << md;
    EXPECT_NE(md.find(" | +0% | "), std::string::npos) << "state used equals its analytic size";
    reports::rendered csv;
    reports::write_csv(r, dir, csv);
    std::ifstream in(dir + "/series/scaling_depth.csv");
    std::string header, row;
    std::getline(in, header), std::getline(in, row);
    EXPECT_TRUE(header.starts_with("model,engine,no_cache,depth,median_latency_ms,prefill_from,prefill_tokens_per_s,"))
        << header;
    EXPECT_TRUE(header.ends_with(",mean_latency_ms_r0,mean_latency_ms_r1")) << header;
    EXPECT_TRUE(row.starts_with("rwkv synth,rwkv4-parallel,false,0,")) << row;
    reports::render(r, dir, "html");
    const std::string html = harness::read_file(dir + "/index.html");
    EXPECT_NE(html.find("What the depth sweep measured"), std::string::npos);
}

TEST(Render, ChartsHaveTheExpectedSeries) {
    if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
    const std::string dir = small_run("charts");
    const auto out = reports::render(reports::load_report(dir), dir, "charts");
    EXPECT_TRUE(out.notes.empty()) << out.notes[0];
    const std::map<std::string, std::vector<std::string>> expected = {
        {"scaling_cumulative_time", {"rwkv synth", "neox tiny", "Cumulative time"}},
        {"scaling_latency", {"rwkv synth", "neox tiny"}},
        {"scaling_memory", {"rwkv synth", "neox tiny"}},
        {"prefill_throughput", {"rwkv synth", "neox tiny"}},
        {"depth_cumulative_time", {"rwkv synth (rwkv4-parallel), measured", "neox tiny (transformer), integrated"}},
        {"depth_latency", {"rwkv synth", "neox tiny"}},
        {"depth_prefill", {"rwkv synth", "neox tiny"}},
        {"depth_memory", {"weights", "state / KV cache (used)", "scratch"}},
        {"bpb_flores_by_language", {"deu_Latn", "tha_Thai", "rwkv synth"}},
        {"xcopa_accuracy_by_language", {"it", "th", "neox tiny"}}};
    for (const auto& [name, texts] : expected) {
        for (const char* ext : {".svg", ".png"}) {
            ASSERT_TRUE(fs::exists(dir + "/charts/" + name + ext)) << name << ext;
            EXPECT_GT(fs::file_size(dir + "/charts/" + name + ext), 1000u) << name << ext;
        }
        const std::string svg = harness::read_file(dir + "/charts/" + name + ".svg");
        for (const auto& t : texts) EXPECT_NE(svg.find(t), std::string::npos) << name << " lacks " << t;
    }
}

TEST(Render, HtmlLinksOnlyFilesThatExist) {
    const std::string dir = small_run("html");
    reports::render(reports::load_report(dir), dir, "all");
    const std::string html = harness::read_file(dir + "/index.html");
    const std::regex link(R"((?:href|src)="([^"]+)\")");
    std::set<std::string> targets;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator(); ++it)
        targets.insert((*it)[1]);
    EXPECT_GT(targets.size(), 10u);
    for (const auto& t : targets) {
        EXPECT_EQ(t.find("://"), std::string::npos) << "no network: " << t;
        if (t[0] == '#') {
            EXPECT_NE(html.find("id=\"" + t.substr(1) + "\""), std::string::npos) << t;  // an anchor on the page
        } else {
            EXPECT_TRUE(fs::exists(dir + "/" + t)) << t;
        }
    }
    EXPECT_TRUE(targets.count("report.json") && targets.count("series/results.csv") &&
                targets.count("continuations/bpb_flores/rwkv_synth.jsonl"));
    if (have_gnuplot()) {
        EXPECT_TRUE(targets.count("charts/scaling_cumulative_time.svg"));
    }
}

TEST(Render, ChromiumLoadsEveryImageAndTable) {
    // Where Debian's chromium is installed: open the page headless and check
    // that the images decoded and the tables are in the DOM.
    if (std::system("command -v chromium >/dev/null 2>&1") != 0) GTEST_SKIP() << "chromium not installed";
    const std::string dir = small_run("chromium");
    reports::render(reports::load_report(dir), dir, "all");
    const std::string page = fs::absolute(dir + "/index.html").string();
    // A copy of the page that reports, after load, how many images decoded.
    std::string html = harness::read_file(page);
    html.replace(html.rfind("</body>"), 7,
                 "<script>window.addEventListener('load',function(){var ok=0,imgs=document.images;"
                 "for(var i=0;i<imgs.length;i++)if(imgs[i].complete&&imgs[i].naturalWidth>0)ok++;"
                 "document.title='images '+ok+'/'+imgs.length+' tables "
                 "'+document.getElementsByTagName('table').length;});</script></body>");
    const std::string probe = dir + "/probe.html";
    std::ofstream(probe) << html;
    const std::string dom = dir + "/dom.txt";
    const std::string cmd =
        "chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom 'file://" +
        fs::absolute(probe).string() + "' > '" + dom + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    const std::string out = harness::read_file(dom);
    const std::smatch m = [&] {
        std::smatch x;
        std::regex_search(out, x, std::regex(R"(images (\d+)/(\d+) tables (\d+))"));
        return x;
    }();
    ASSERT_FALSE(m.empty()) << out.substr(0, 500);
    EXPECT_EQ(m[1], m[2]) << "every image decodes";
    EXPECT_GE(std::stoi(m[3]), 3);
}

TEST(Review, PerLanguageDeltasSamplesAndVerdictsRoundTrip) {
    const std::string base = small_run("review_base"), now = small_run("review_new");
    const std::string out = testing::TempDir() + "/review_" + std::to_string(::getpid());
    fs::remove_all(out);
    fs::create_directories(out);
    std::ofstream(out + "/verdicts.json")
        << R"({"tha_Thai": {"verdict": "worse", "comment": "ไม่เป็นธรรมชาติ <b>", "reviewer": "nok", "date": "2026-11-20"}})";
    const auto b = reports::load_report(base), n = reports::load_report(now);
    reports::write_review(b, n, out);
    const std::string html = harness::read_file(out + "/index.html");
    EXPECT_NE(html.find("<section class=\"lang\" id=\"deu_Latn\"><h2>deu_Latn</h2>"), std::string::npos);
    EXPECT_NE(html.find("Verdict: <b>worse</b> — <span class=\"text\" lang=\"tha-Thai\" dir=\"ltr\">ไม่เป็นธรรมชาติ "
                        "&lt;b&gt;</span> (nok, 2026-11-20)"),
              std::string::npos);
    EXPECT_NE(html.find("<option selected>worse</option>"), std::string::npos);
    // The page's embedded verdicts are the file's, so the form starts from them.
    const std::size_t at = html.find("<script type=\"application/json\" id=\"verdicts\">");
    ASSERT_NE(at, std::string::npos);
    const std::size_t from = html.find('>', at) + 1;
    const auto embedded = nlohmann::json::parse(html.substr(from, html.find("</script>", from) - from));
    std::map<std::string, reports::language_verdict> from_page;
    for (const auto& [k, x] : embedded.items())
        from_page[k] = {x.at("verdict").get<std::string>(), x.at("comment").get<std::string>(),
                        x.at("reviewer").get<std::string>(), x.at("date").get<std::string>()};
    EXPECT_EQ(reports::load_verdicts(out + "/verdicts.json"), from_page);
    // Two runs of the same job: the same numbers, nothing flagged; both runs' continuations shown.
    const auto review = reports::build_review(b, n).languages;
    for (const auto& l : review) {
        EXPECT_FALSE(l.flagged()) << l.language;
        EXPECT_TRUE(l.flipped.empty()) << l.language;
    }
    const auto deu = std::find_if(review.begin(), review.end(), [](const auto& l) { return l.language == "deu_Latn"; });
    ASSERT_NE(deu, review.end());
    // Same requests in both runs: the rows carry paired evidence.
    ASSERT_FALSE(deu->rows.empty());
    EXPECT_GT(deu->rows[0].pairs, 0) << deu->rows[0].metric;
    ASSERT_EQ(deu->samples.size(), 2u);  // two models
    EXPECT_EQ(deu->samples[0].base_continuation, deu->samples[0].new_continuation);
    EXPECT_FALSE(deu->samples[0].base_continuation.empty());
    const auto j = nlohmann::json::parse(harness::read_file(out + "/review.json"));
    EXPECT_EQ(j.at("verdicts").at("tha_Thai").at("reviewer"), "nok");
    // A bad verdict is an input error naming the key.
    std::ofstream(out + "/verdicts.json") << R"({"th": {"verdict": "meh"}})";
    try {
        reports::write_review(b, n, out);
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("verdicts.json: th.verdict: expected \"better\", \"same\" or \"worse\""),
                  std::string::npos);
    }
}

TEST(Review, ARegressionInOneLanguageIsFlagged) {
    const std::string base = small_run("flag");
    auto j = nlohmann::json::parse(harness::read_file(base + "/report.json"));
    for (auto& r : j.at("results"))
        if (r.value("language", "") == "tha_Thai" && r.at("metric") == "bits_per_byte")
            r["value"] = r.at("value").get<double>() + 1.0;
    const auto b = reports::load_report(base);
    // An edited report beside no samples: judged on the standard errors (the
    // samples would show that nothing changed).
    const std::string edited = testing::TempDir() + "/review_edited_" + std::to_string(::getpid());
    const auto n = reports::parse_report(j, edited + "/report.json");
    const auto review = reports::build_review(b, n).languages;
    ASSERT_FALSE(review.empty());
    EXPECT_EQ(review[0].language, "tha_Thai");  // flagged first
    EXPECT_TRUE(review[0].flagged());
}

}  // namespace
