#include "pairwatch/util/huge_page_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pairwatch::util {
namespace {

/// The kernel's word on the mapping that holds `p` (/proc/self/smaps): its THPeligible line,
/// which is 1 when the mapping may get huge pages (the madvise took), or "" if not found.
std::string thp_eligible_at(const void* p) {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t from = 0, to = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> from >> dash >> to && dash == '-') {
            inside = from <= at && at < to;
            continue;
        }
        if (inside && line.rfind("THPeligible:", 0) == 0) {
            std::istringstream value(line.substr(12));
            std::string v;
            value >> v;
            return v;
        }
    }
    return "";
}

/// The machine's THP setting: "always", "madvise" or "never" (the bracketed word).
std::string thp_mode() {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string all;
    std::getline(f, all);
    const auto open = all.find('['), close = all.find(']');
    if (open == std::string::npos || close == std::string::npos) return "";
    return all.substr(open + 1, close - open - 1);
}

TEST(HugePageAllocator, ABlockOfAHugePageOrMoreIsItsOwnMappingAdvisedForHugePages) {
    if (thp_mode() == "never" || thp_mode().empty()) {
        GTEST_SKIP() << "transparent huge pages are off on this machine ("
                     << "/sys/kernel/mm/transparent_hugepage/enabled): nothing to advise";
    }
    HugePageAllocator<std::uint64_t> alloc;
    const std::size_t n = (kHugePageBytes * 3) / sizeof(std::uint64_t) + 1; // rounds up to 4
    std::uint64_t* p = alloc.allocate(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 4096, 0U);
    std::memset(p, 0xab, n * sizeof(std::uint64_t)); // all of it is ours to write
    EXPECT_EQ(p[n - 1], 0xababababababababULL);
    EXPECT_EQ(thp_eligible_at(p), "1");
    alloc.deallocate(p, n);
}

TEST(HugePageAllocator, SmallBlocksComeFromOperatorNew) {
    HugePageAllocator<int> alloc;
    int* p = alloc.allocate(100);
    p[99] = 7;
    EXPECT_EQ(p[99], 7);
    alloc.deallocate(p, 100);
}

TEST(HugePageAllocator, AVectorGrowsAcrossTheThresholdAndKeepsItsValues) {
    std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> v;
    for (std::uint32_t i = 0; i < 2'000'000; ++i) v.push_back(i); // 8 MB at the end
    for (std::uint32_t i = 0; i < v.size(); i += 9973) ASSERT_EQ(v[i], i);
    if (thp_mode() == "madvise" || thp_mode() == "always") {
        EXPECT_EQ(thp_eligible_at(v.data()), "1");
    }
}

} // namespace
} // namespace pairwatch::util
