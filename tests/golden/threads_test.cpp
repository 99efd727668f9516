// --threads N gives the same results as one flow thread (issue 7): over every capture, the JSON
// records are the same (order aside: the workers end their flows independently), and so is
// the summary with its alerts and counters, but for two figures:
// - the table's peak, which with several workers is the sum of their peaks;
// - how many more times a scan alert fired after the first ("+N more"): the scan detector keeps
//   a bounded window of recent attempts per source, and the attempts reach it in the order the
//   workers end them, not the order one table would.
#include "capture_files.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace pairwatch::testing {
namespace {

std::vector<std::string> sorted_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        // The peak is per worker with several; every other figure of the line must agree.
        static const std::regex kPeak(R"(, peak \d+ open( \(the sum of \d+ workers' peaks\))?)");
        static const std::regex kScanRepeats(R"(^(  scan \[.*) \(\+\d+ more\)$)");
        line = std::regex_replace(line, kPeak, ", peak _ open");
        lines.push_back(std::regex_replace(line, kScanRepeats, "$1 (+_ more)"));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

/// The JSON records (standard output) and the summary and warnings (standard error).
CommandResult run_with_threads(const std::string& file, int threads) {
    return run_command({pairwatch_binary(), "-r", file, "--hash-seed", "1", "--json", "-",
                        "--threads", std::to_string(threads)});
}

class Threads : public ::testing::TestWithParam<std::string> {};

TEST_P(Threads, ThreeWorkersWriteTheSameRecordsAndSummaryAsOne) {
    const std::string file = GetParam();
    if (file.find("unsupported") != std::string::npos) GTEST_SKIP() << "refused by design";
    const CommandResult one = run_with_threads(file, 1);
    const CommandResult three = run_with_threads(file, 3);
    ASSERT_EQ(one.exit_status, 0) << one.err;
    ASSERT_EQ(three.exit_status, 0) << three.err;
    ASSERT_FALSE(one.err.empty());
    EXPECT_EQ(sorted_lines(three.out), sorted_lines(one.out));
    EXPECT_EQ(sorted_lines(three.err), sorted_lines(one.err));
}

INSTANTIATE_TEST_SUITE_P(Captures, Threads, ::testing::ValuesIn(all_test_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Threads);

TEST(ThreadsSummary, SaysThePeakIsTheSumOfTheWorkersPeaks) {
    const CommandResult r = run_command({pairwatch_binary(), "-r", source_dir() + "/captures/demo.pcapng",
                                         "--hash-seed", "1", "--threads", "2"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    static const std::regex kTable(R"(table: 30 flows created, peak (\d+) open \(the sum of 2 )"
                                   R"(workers' peaks\), 0 evicted; 305 packets in flows, 25 in none)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, kTable)) << r.out;
    // One table's peak is 27; the workers' peaks add up to at least that, at most every flow.
    EXPECT_GE(std::stoi(m[1]), 27);
    EXPECT_LE(std::stoi(m[1]), 30);
}

TEST(ThreadsSummary, TheRollingReportRunsOnOneFlowThreadAndSaysSo) {
    const CommandResult r =
        run_command({pairwatch_binary(), "-r", source_dir() + "/captures/demo.pcapng", "--hash-seed",
                     "1", "--threads", "2", "--interval", "1"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(r.err.find("--threads 2: the rolling report reads a single flow table for now; "
                         "using one flow thread"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("peak 27 open, 0 evicted"), std::string::npos) << r.out;
}

} // namespace
} // namespace pairwatch::testing
