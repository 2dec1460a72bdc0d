// The split of an MPI run's examples among ranks (tasks/rank_split.h) and the
// per-rank journals read back together (tasks/journal.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "tasks/journal.h"
#include "tasks/rank_split.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::uint64_t> loads_of(const std::vector<std::uint64_t>& costs, const std::vector<int>& rank, int ranks) {
    std::vector<std::uint64_t> load(static_cast<std::size_t>(ranks), 0);
    for (std::size_t i = 0; i < costs.size(); ++i) load.at(static_cast<std::size_t>(rank[i])) += costs[i];
    return load;
}

TEST(RankSplit, LargestFirstToTheLeastLoadedRank) {
    // 9 and 8 open two ranks, 7 the third; 6 joins the 7 (least loaded), 5 the 8, 4 the 9.
    const std::vector<int> rank = tasks::assign_by_cost({4, 9, 6, 8, 7, 5}, 3);
    EXPECT_EQ(rank, (std::vector<int>{0, 0, 2, 1, 2, 1}));
    // Ties go to the earlier item and the lower rank.
    EXPECT_EQ(tasks::assign_by_cost({1, 1, 1, 1}, 2), (std::vector<int>{0, 1, 0, 1}));
    EXPECT_EQ(tasks::assign_by_cost({5, 5}, 4), (std::vector<int>{0, 1}));
    EXPECT_TRUE(tasks::assign_by_cost({}, 3).empty());
    EXPECT_EQ(tasks::assign_by_cost({3, 2, 1}, 1), (std::vector<int>{0, 0, 0}));
}

TEST(RankSplit, BalancesTokensNotCounts) {
    // LAMBADA-like passages: lengths spread over 20..400 tokens.
    std::mt19937_64 rng(7);
    std::vector<std::uint64_t> costs(5153);
    for (auto& c : costs) c = 20 + rng() % 381;
    for (const int ranks : {2, 3, 8}) {
        const std::vector<int> rank = tasks::assign_by_cost(costs, ranks);
        const auto load = loads_of(costs, rank, ranks);
        const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
        // Largest-first greedy ends within the largest item of perfect balance.
        EXPECT_LE(*hi - *lo, 400u) << ranks << " ranks";
        EXPECT_EQ(tasks::assign_by_cost(costs, ranks), rank) << "the split is not deterministic";
    }
    // One long document and many short lines: the document's rank takes fewer lines.
    std::vector<std::uint64_t> mixed(101, 10);
    mixed[50] = 500;
    const std::vector<int> rank = tasks::assign_by_cost(mixed, 2);
    const auto load = loads_of(mixed, rank, 2);
    EXPECT_EQ(load[0], 750u);  // 500 + 25 lines
    EXPECT_EQ(load[1], 750u);  // 75 lines
}

TEST(RankSplit, ARequestCostsTheTokensItsScorerFeeds) {
    const auto bytes = engines::make_byte_tokenizer();
    tasks::request loglik;
    loglik.contexts = {"hello"}, loglik.continuations = {" world"};
    EXPECT_EQ(tasks::request_tokens(loglik, *bytes), 1u + 5 + 6);
    tasks::request choice;  // one shared context, fed once per choice
    choice.contexts = {"abc"}, choice.continuations = {"x", "yy", "zzz"};
    EXPECT_EQ(tasks::request_tokens(choice, *bytes), 1u + 3 * 3 + 1 + 2 + 3);
    tasks::request rolling;
    rolling.continuations = {"a line of text"};
    EXPECT_EQ(tasks::request_tokens(rolling, *bytes), 1u + 14);
}

std::string fresh_dir(const std::string& name) {
    const std::string dir = test_paths::fresh_dir("rank_split", name);
    fs::create_directories(dir);
    return dir;
}

TEST(RankJournals, AResumeReadsEveryRanksJournal) {
    const std::string dir = fresh_dir("merge");
    {
        tasks::journal r0(dir + "/journal.rank-0.jsonl", false), r1(dir + "/journal.rank-1.jsonl", false);
        r0.append({"t", "m", "1"}, {{"x", 1}});
        r1.append({"t", "m", "2"}, {{"x", 2}});
    }
    std::ofstream(dir + "/journal.rank-2.jsonl", std::ios::app) << R"({"task":"t","model":"m","example":"3","x":3})"
                                                                 << "\n{\"task\":\"t\",\"mo";  // killed mid-line
    std::ofstream(dir + "/notes.jsonl") << "not a journal\n";
    const auto files = tasks::journal_files(dir);
    ASSERT_EQ(files.size(), 3u);
    EXPECT_EQ(fs::path(files[0]).filename(), "journal.rank-0.jsonl");
    // A plain run resuming a 3-rank run: every rank's records, the torn line dropped.
    const tasks::journal plain(dir + "/journal.jsonl", true, tasks::journal_files(dir));
    EXPECT_EQ(plain.records().size(), 3u);
    ASSERT_NE(plain.find({"t", "m", "3"}), nullptr);
    EXPECT_EQ(plain.find({"t", "m", "3"})->at("x"), 3);
    EXPECT_EQ(plain.origin({"t", "m", "2"}), dir + "/journal.rank-1.jsonl");
    // Another rank's file is read, never rewritten: its torn line stays for its own rank to drop.
    std::string text((std::istreambuf_iterator<char>(std::ifstream(dir + "/journal.rank-2.jsonl").rdbuf())), {});
    EXPECT_NE(text.find("\"mo"), std::string::npos);
}

TEST(RankJournals, AdoptedLinesJoinTheRecordsAndBadOnesNameTheirFile) {
    const std::string dir = fresh_dir("adopt");
    tasks::journal j(dir + "/journal.rank-0.jsonl", false);
    j.append({"t", "m", "1"}, {{"x", 1}});
    EXPECT_EQ(j.take_new_lines(), "{\"example\":\"1\",\"model\":\"m\",\"task\":\"t\",\"x\":1}\n");
    EXPECT_EQ(j.take_new_lines(), "");
    j.adopt_lines("{\"task\":\"t\",\"model\":\"m\",\"example\":\"2\",\"x\":2}\n\n"
                  "{\"task\":\"t\",\"model\":\"m\",\"example\":\"1\",\"x\":9}\n",
                  dir + "/journal.rank-1.jsonl");
    EXPECT_EQ(j.find({"t", "m", "2"})->at("x"), 2);
    EXPECT_EQ(j.find({"t", "m", "1"})->at("x"), 1);  // a key already known keeps its record
    EXPECT_EQ(j.origin({"t", "m", "2"}), dir + "/journal.rank-1.jsonl");
    EXPECT_EQ(j.origin({"t", "m", "1"}), dir + "/journal.rank-0.jsonl");
    try {
        j.adopt_lines("{\"task\":\"t\"}\n", "r1.jsonl");
        FAIL() << "a line without model and example was adopted";
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("r1.jsonl: line 1: journal line without task, model and example"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
