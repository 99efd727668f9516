#include "app/report_driver.h"

#include <gtest/gtest.h>

namespace pairwatch::app {
namespace {

TEST(ProgressText, PercentRateElapsedAndRemainingOfAFile) {
    const Progress p{120'000, 250'000'000, 1'000'000'000};
    EXPECT_EQ(progress_text(p, 10, 12'000), " 25.0% read  12k pkt/s  elapsed 10s  remaining 30s");
}

TEST(ProgressText, NoRemainingTimeBeforeAnyByteIsRead) {
    const Progress p{0, 0, 1'000'000};
    EXPECT_EQ(progress_text(p, 2, 0), "  0.0% read  0 pkt/s  elapsed 2s  remaining ?");
}

TEST(ProgressText, StandardInputHasNoSizeSoItCountsPackets) {
    const Progress p{5'000, 0, 0};
    EXPECT_EQ(progress_text(p, 65, 1'500), "5000 packets read  1.5k pkt/s  elapsed 1m05s");
}

} // namespace
} // namespace pairwatch::app
