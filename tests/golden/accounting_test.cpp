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

std::vector<std::string> all_captures() {
    auto files = capture_files_in(shared_captures_dir());
    const auto ours = capture_files_in(source_dir() + "/captures");
    files.insert(files.end(), ours.begin(), ours.end());
    return files;
}

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

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string n = std::filesystem::path(info.param).filename().string();
    for (char& c : n) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
    }
    return n;
}

INSTANTIATE_TEST_SUITE_P(Captures, Accounting, ::testing::ValuesIn(all_captures()), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Accounting);

} // namespace
} // namespace pairwatch::testing
