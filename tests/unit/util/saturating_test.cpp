// util/saturating.h at the ends of the int64 range: the values a pcapng with a coarse if_tsresol
// or two far-apart packets produce (the fuzz regressions pcapng-ts-ns-overflow-* and
// fragment-timeout-overflow-* came from them).
#include "pairwatch/util/saturating.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace pairwatch::test {
namespace {

using util::saturating_sub;
using util::timestamp_ns;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

TEST(SaturatingSub, InRangeIsExact) {
    EXPECT_EQ(saturating_sub(5, 7), -2);
    EXPECT_EQ(saturating_sub(kMax, 0), kMax);
    EXPECT_EQ(saturating_sub(kMin, 0), kMin);
    EXPECT_EQ(saturating_sub(-1, kMax), kMin);
    EXPECT_EQ(saturating_sub(kMax, kMax), 0);
    EXPECT_EQ(saturating_sub(kMin, kMin), 0);
}

TEST(SaturatingSub, PastTheEndsClamps) {
    // Later minus much earlier: past the top.
    EXPECT_EQ(saturating_sub(kMax, kMin), kMax);
    EXPECT_EQ(saturating_sub(kMax, -1), kMax);
    EXPECT_EQ(saturating_sub(0, kMin), kMax);
    // Earlier minus much later: past the bottom.
    EXPECT_EQ(saturating_sub(kMin, kMax), kMin);
    EXPECT_EQ(saturating_sub(kMin, 1), kMin);
    EXPECT_EQ(saturating_sub(-2, kMax), kMin);
}

TEST(TimestampNs, InRangeIsExact) {
    EXPECT_EQ(timestamp_ns(1'700'000'000, 123'456, 1'000), 1'700'000'000'123'456'000);
    EXPECT_EQ(timestamp_ns(0, 0, 1), 0);
    EXPECT_EQ(timestamp_ns(-1, 999'999'999, 1), -1);
    // The last nanosecond int64 holds, and the first.
    EXPECT_EQ(timestamp_ns(9'223'372'036, 854'775'807, 1), kMax);
    EXPECT_EQ(timestamp_ns(-9'223'372'036, -854'775'808, 1), kMin);
}

TEST(TimestampNs, PastTheEndsClamps) {
    EXPECT_EQ(timestamp_ns(9'223'372'036, 854'775'808, 1), kMax);
    EXPECT_EQ(timestamp_ns(9'223'372'037, 0, 1), kMax);
    EXPECT_EQ(timestamp_ns(kMax, kMax, kMax), kMax);
    EXPECT_EQ(timestamp_ns(-9'223'372'036, -854'775'809, 1), kMin);
    EXPECT_EQ(timestamp_ns(kMin, 0, 1), kMin);
    EXPECT_EQ(timestamp_ns(kMin, kMin, kMax), kMin);
}

TEST(TimestampNs, SignOfTheWholeDecides) {
    // The fraction alone overflows, downwards, with no seconds at all: the bottom, not the top.
    EXPECT_EQ(timestamp_ns(0, kMin, 2), kMin);
    EXPECT_EQ(timestamp_ns(0, kMax, -2), kMin);
    // Each part alone overflows, but they cancel: the exact value.
    EXPECT_EQ(timestamp_ns(kMax, -kMax, 1'000'000'000), 0);
    EXPECT_EQ(timestamp_ns(-10, 10, 1'000'000'000), 0);
}

} // namespace
} // namespace pairwatch::test
