#include "pairwatch/capture/replay_pacer.h"

#include <gtest/gtest.h>

#include <limits>

namespace pairwatch::capture {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr std::int64_t kS = 1'000'000'000;

TEST(ReplayPacer, FramesAreDueAtTheirCaptureTimeDividedBySpeed) {
    ReplayPacer p(10);
    const auto t0 = ReplayPacer::Clock::time_point{} + seconds(100);
    EXPECT_EQ(p.due(50 * kS, t0), t0); // the first frame sets the origin
    EXPECT_EQ(p.due(51 * kS, t0 + milliseconds(3)), t0 + milliseconds(100));
    EXPECT_EQ(p.due(60 * kS, t0), t0 + seconds(1));
    EXPECT_EQ(p.due(49 * kS, t0 + seconds(2)), t0) << "earlier than the origin: at once";
    EXPECT_EQ(p.capture_time(t0 + milliseconds(500)), 55 * kS);
}

TEST(ReplayPacer, AsRecordedAtSpeedOne) {
    ReplayPacer p(1);
    const auto t0 = ReplayPacer::Clock::time_point{} + seconds(5);
    (void)p.due(0, t0);
    EXPECT_EQ(p.due(kS / 4, t0), t0 + milliseconds(250));
}

TEST(ReplayPacer, ExtremeTimestampsNeitherOverflowNorWaitForever) {
    ReplayPacer p(1);
    const auto t0 = ReplayPacer::Clock::time_point{};
    (void)p.due(std::numeric_limits<std::int64_t>::min(), t0);
    const auto far = p.due(std::numeric_limits<std::int64_t>::max(), t0);
    EXPECT_GT(far, t0); // clamped to about a century, no wrap-around
    EXPECT_LT(far - t0, std::chrono::hours(24 * 366 * 100));
    // In double arithmetic: exact to the 2048 ns spacing of doubles this far out.
    const auto t = p.capture_time(t0 + seconds(1));
    EXPECT_NEAR(static_cast<double>(t - std::numeric_limits<std::int64_t>::min()), 1e9, 2048);
}

} // namespace
} // namespace pairwatch::capture
