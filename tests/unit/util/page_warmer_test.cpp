// PageWarmer faults pages in on its own thread (mincore says which are resident), and
// GrowthWarmer asks for the chunk ahead of a growing array's end, never past its reservation.
#include "pairwatch/util/page_warmer.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace pairwatch::util {
namespace {

const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

/// A private anonymous mapping, untouched (so no page of it is resident yet).
class Mapping {
public:
    explicit Mapping(std::size_t bytes) : bytes_(bytes) {
        base_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base_ == MAP_FAILED) base_ = nullptr;
    }
    ~Mapping() {
        if (base_ != nullptr) ::munmap(base_, bytes_);
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    [[nodiscard]] char* data() const { return static_cast<char*>(base_); }
    /// Pages resident in [from, to) bytes of the mapping.
    [[nodiscard]] std::size_t resident(std::size_t from, std::size_t to) const {
        std::vector<unsigned char> vec(bytes_ / kPage);
        if (::mincore(base_, bytes_, vec.data()) != 0) return SIZE_MAX;
        std::size_t n = 0;
        for (std::size_t p = from / kPage; p < to / kPage; ++p) n += vec[p] & 1U;
        return n;
    }

private:
    void* base_ = nullptr;
    std::size_t bytes_;
};

TEST(PageWarmer, FaultsInTheRangeAskedForAndNothingElse) {
    const std::size_t bytes = 64 * kPage;
    Mapping m(bytes);
    ASSERT_NE(m.data(), nullptr);
    ASSERT_EQ(m.resident(0, bytes), 0U);
    PageWarmer warmer;
    warmer.warm(m.data() + 16 * kPage, 32 * kPage);
    warmer.wait_idle();
    if (warmer.warmed_bytes() == 0) GTEST_SKIP() << "MADV_POPULATE_WRITE unsupported (Linux < 5.14)";
    EXPECT_EQ(warmer.warmed_bytes(), 32 * kPage);
    EXPECT_EQ(m.resident(0, 16 * kPage), 0U);
    EXPECT_EQ(m.resident(16 * kPage, 48 * kPage), 32U);
    EXPECT_EQ(m.resident(48 * kPage, bytes), 0U);
    // The pages read as zeros, as a first touch would have them.
    for (std::size_t at = 16 * kPage; at < 48 * kPage; at += 997) EXPECT_EQ(m.data()[at], 0);
}

TEST(PageWarmer, AnUnalignedRangeLeavesItsPartialPagesToTheirFirstTouch) {
    Mapping m(8 * kPage);
    ASSERT_NE(m.data(), nullptr);
    PageWarmer warmer;
    warmer.warm(m.data() + kPage / 2, 3 * kPage); // half a page, two whole ones, half a page
    warmer.wait_idle();
    if (warmer.warmed_bytes() == 0) GTEST_SKIP() << "MADV_POPULATE_WRITE unsupported (Linux < 5.14)";
    EXPECT_EQ(warmer.warmed_bytes(), 2 * kPage);
    EXPECT_EQ(m.resident(0, kPage), 0U);
    EXPECT_EQ(m.resident(kPage, 3 * kPage), 2U);
    EXPECT_EQ(m.resident(3 * kPage, 8 * kPage), 0U);
}

TEST(PageWarmer, WritesBesideTheWarmingStay) {
    // The owner keeps writing the pages just below the warmed range while the warmer works.
    const std::size_t bytes = 256 * kPage;
    Mapping m(bytes);
    ASSERT_NE(m.data(), nullptr);
    PageWarmer warmer;
    for (std::size_t chunk = 0; chunk < 8; ++chunk) {
        const std::size_t from = chunk * 32 * kPage;
        warmer.warm(m.data() + from, 32 * kPage);
        for (std::size_t at = from; at < from + 32 * kPage; at += 64) m.data()[at] = 'x';
    }
    warmer.wait_idle();
    for (std::size_t at = 0; at < bytes; at += 64) ASSERT_EQ(m.data()[at], 'x') << at;
}

TEST(GrowthWarmer, KeepsAChunkWarmAheadOfTheEndAndNeverPastTheReservation) {
    constexpr std::size_t kChunk = GrowthWarmer::kChunkBytes;
    const std::size_t limit = 4 * kChunk;
    Mapping m(limit);
    ASSERT_NE(m.data(), nullptr);
    PageWarmer warmer;
    GrowthWarmer growth;
    growth.reset(m.data(), limit);
    const auto advance = [&](std::size_t used) {
        growth.advance(warmer, used);
        warmer.wait_idle();
        return warmer.warmed_bytes();
    };
    EXPECT_EQ(advance(kChunk - 1), 0U); // smaller than a chunk: left alone
    EXPECT_EQ(m.resident(0, limit), 0U);
    if (advance(kChunk) == 0) GTEST_SKIP() << "MADV_POPULATE_WRITE unsupported (Linux < 5.14)";
    EXPECT_EQ(warmer.warmed_bytes(), kChunk); // the chunk after the end
    EXPECT_EQ(m.resident(0, kChunk), 0U);
    EXPECT_EQ(m.resident(kChunk, 2 * kChunk), kChunk / kPage);
    EXPECT_EQ(advance(kChunk), kChunk); // no growth: nothing more
    EXPECT_EQ(advance(kChunk + kPage), 2 * kChunk); // less than a chunk ahead: the next one
    EXPECT_EQ(advance(2 * kChunk), 2 * kChunk);     // a whole chunk ahead still
    EXPECT_EQ(advance(2 * kChunk + kPage), 3 * kChunk);
    EXPECT_EQ(m.resident(kChunk, limit), 3 * kChunk / kPage);
    EXPECT_EQ(advance(limit), 3 * kChunk); // the reservation is warm to its end
    EXPECT_EQ(advance(limit + kChunk), 3 * kChunk); // past it (the array moved): nothing
}

} // namespace
} // namespace pairwatch::util
