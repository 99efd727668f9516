// The rolling report of a replay is a function of the capture alone: the same text blocks at
// any --replay-speed, because snapshots fall on boundaries of capture time, however the
// capture thread's waits and clock ticks fall.
#include "support/process.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace pairwatch::testing {
namespace {

/// The report without its title lines, which name the speed.
std::string without_titles(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("pairwatch  ", 0) == 0) continue;
        out += line;
        out += '\n';
    }
    return out;
}

std::string report_at(const std::string& capture, const std::string& speed) {
    ::setenv("TZ", "UTC", 1);
    const CommandResult r = run_command(
        {pairwatch_binary(), "-r", capture, "--replay-speed", speed, "--interval", "1"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return r.out;
}

TEST(ReplayReport, TheBlocksAreTheSameAtAnySpeed) {
    const std::string capture = source_dir() + "/captures/demo.pcapng"; // 7 s of capture
    const std::string slow = report_at(capture, "20"); // about 0.35 s, with waits and ticks
    const std::string fast = report_at(capture, "1000000");
    ASSERT_NE(slow.find("=== "), std::string::npos);
    EXPECT_NE(slow.find("(replay x20)"), std::string::npos);
    EXPECT_EQ(without_titles(slow), without_titles(fast));
}

} // namespace
} // namespace pairwatch::testing
