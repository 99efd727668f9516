// Nothing read is lost without being counted: over every capture, the packets in all flow
// records plus the packets in no flow equal the frames read, and the JSON records hold exactly
// the packets the summary says are in flows.
#include "capture_files.h"
#include "flow_records.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

namespace pairwatch::testing {
namespace {

class Accounting : public ::testing::TestWithParam<std::string> {};

TEST_P(Accounting, PacketsInFlowsPlusPacketsInNoneAreThePacketsRead) {
    const std::string file = GetParam();
    if (file.find("unsupported") != std::string::npos) GTEST_SKIP() << "refused by design";
    const CommandResult summary = run_command({pairwatch_binary(), "-r", file, "--hash-seed", "1"});
    ASSERT_EQ(summary.exit_status, 0) << summary.err;
    std::smatch table, decode;
    static const std::regex kTable(R"(table: .* (\d+) packets in flows, (\d+) in none)");
    static const std::regex kDecode(R"(decode: (\d+) frames read)");
    ASSERT_TRUE(std::regex_search(summary.out, table, kTable)) << summary.out;
    ASSERT_TRUE(std::regex_search(summary.out, decode, kDecode)) << summary.out;
    const std::uint64_t in_flows = std::stoull(table[1]);
    const std::uint64_t in_none = std::stoull(table[2]);
    const std::uint64_t frames = std::stoull(decode[1]);
    EXPECT_EQ(in_flows + in_none, frames);

    std::string error;
    const auto records = flow_records(file, &error);
    ASSERT_TRUE(error.empty()) << error;
    std::uint64_t sum = 0;
    for (const auto& r : records) {
        sum += r["orig_pkts"].get<std::uint64_t>() + r["resp_pkts"].get<std::uint64_t>();
    }
    EXPECT_EQ(sum, in_flows);
}

INSTANTIATE_TEST_SUITE_P(Captures, Accounting, ::testing::ValuesIn(all_test_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Accounting);

} // namespace
} // namespace pairwatch::testing
