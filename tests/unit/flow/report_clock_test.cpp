#include "pairwatch/flow/report_clock.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace pairwatch::flow {
namespace {

constexpr std::int64_t kS = 1'000'000'000;

std::vector<std::int64_t> boundaries_until(ReportClock& c, std::int64_t until) {
    std::vector<std::int64_t> out;
    while (c.next() <= until) {
        out.push_back(c.next());
        c.advance();
    }
    return out;
}

TEST(ReportClock, NoBoundaryBeforeTheFirstPacket) {
    ReportClock c(kS, false);
    EXPECT_EQ(c.next(), std::numeric_limits<std::int64_t>::max());
}

TEST(ReportClock, BoundariesFallOnWholeIntervals) {
    ReportClock c(kS, false);
    c.on_packet(10 * kS + 300);
    EXPECT_EQ(c.next(), 11 * kS);
    EXPECT_EQ(boundaries_until(c, 14 * kS), (std::vector<std::int64_t>{11 * kS, 12 * kS, 13 * kS, 14 * kS}));
}

TEST(ReportClock, NegativeTimestampsAlignDownward) {
    ReportClock c(kS, false);
    c.on_packet(-kS / 2); // pcap allows times before 1970
    EXPECT_EQ(c.next(), 0);
}

TEST(ReportClock, LiveModeReportsEveryInterval) {
    ReportClock c(kS, false);
    c.on_packet(0);
    EXPECT_EQ(boundaries_until(c, 100 * kS).size(), 100U);
}

TEST(ReportClock, ReplayModeThinsAQuietStretchAndResumesAtTheNextPacket) {
    ReportClock c(kS, true);
    c.on_packet(0);
    const auto b = boundaries_until(c, 100 * kS);
    EXPECT_EQ(b, (std::vector<std::int64_t>{1 * kS, 2 * kS, 3 * kS, 4 * kS, 5 * kS, 6 * kS, 7 * kS,
                                            8 * kS, 9 * kS, 10 * kS, 16 * kS, 32 * kS, 64 * kS}));
    c.on_packet(100 * kS + 5); // traffic again: every second from here
    EXPECT_EQ(c.next(), 101 * kS);
    EXPECT_EQ(boundaries_until(c, 103 * kS), (std::vector<std::int64_t>{101 * kS, 102 * kS, 103 * kS}));
}

TEST(ReportClock, AJumpNearTheEndOfTimeDoesNotOverflow) {
    ReportClock c(kS, true);
    c.on_packet(std::numeric_limits<std::int64_t>::max() - kS / 2);
    EXPECT_EQ(c.next(), std::numeric_limits<std::int64_t>::max());
}

TEST(ReportClock, APacketAtTheEndOfTimeReportsTheThinnedBoundariesAndStops) {
    // From 2026 to a stamp saturated at INT64_MAX: boundaries 1-10 and the powers of two
    // after the last packet until the next would pass the end of time, then none.
    constexpr std::int64_t kEnd = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t t0 = 1'795'636'821 * kS;
    ReportClock c(kS, true);
    c.on_packet(t0);
    std::vector<std::int64_t> seen;
    c.pass(kEnd, [&](std::int64_t at) { seen.push_back(at); });
    ASSERT_EQ(seen.size(), 10U + 29U); // 16, 32, ... 2^32 intervals on
    EXPECT_EQ(seen.front(), t0 + kS);
    EXPECT_EQ(seen[10], t0 + 16 * kS);
    EXPECT_EQ(seen.back(), t0 + (std::int64_t{1} << 32) * kS);
    EXPECT_EQ(c.next(), kEnd);
    c.pass(kEnd, [&](std::int64_t at) { seen.push_back(at); });
    EXPECT_EQ(seen.size(), 39U);
}

} // namespace
} // namespace pairwatch::flow
