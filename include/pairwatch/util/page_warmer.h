// Faults in memory that a growing array is about to reach, on a thread of its own. The kernel
// zeroes each page on its first touch, and at 1M conversations that was 7% of the flow
// thread's time (huge pages zeroed under FlowTable::create); the capture thread leaves a core
// half idle to do it on. MADV_POPULATE_WRITE (Linux 5.14) faults pages in without writing a
// byte the program could see, so it is safe beside the owner's own writes to those pages.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace pairwatch::util {

class PageWarmer {
public:
    PageWarmer() = default;
    /// Waits for the range being faulted in, drops the rest.
    ~PageWarmer();
    PageWarmer(const PageWarmer&) = delete;
    PageWarmer& operator=(const PageWarmer&) = delete;

    /// Faults in [begin, begin + bytes) soon; returns at once. A hint: where the kernel cannot
    /// (an old kernel, or no memory to spare) the pages are faulted in by their first touch
    /// as before. The range must stay mapped until the warmer is destroyed.
    void warm(const void* begin, std::size_t bytes);
    /// Bytes the kernel has faulted in so far on request (tests).
    [[nodiscard]] std::uint64_t warmed_bytes() const;
    /// Returns once every range asked for so far has been dealt with (tests).
    void wait_idle();

private:
    struct Range {
        std::uintptr_t begin;
        std::size_t bytes;
    };
    void run();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::vector<Range> pending_;
    bool busy_ = false;
    bool stop_ = false;
    bool unsupported_ = false;
    std::uint64_t warmed_ = 0;
    std::thread thread_; // started on the first request
};

/// Keeps the pages ahead of a growing array's end warm: `advance` is told how many bytes are
/// in use, and asks the warmer for the next chunk once the end comes within a chunk of the
/// warmed part. A region reserved up front (std::vector::reserve) is what it is for: warming
/// never goes past `limit`. An array smaller than a chunk is left alone, so a small table
/// holds no memory it does not use.
class GrowthWarmer {
public:
    static constexpr std::size_t kChunkBytes = std::size_t{2} << 20; // one huge page

    void reset(const void* base, std::size_t limit) {
        base_ = static_cast<const char*>(base);
        limit_ = limit;
        warmed_ = 0;
    }
    void advance(PageWarmer& warmer, std::size_t used) {
        if (base_ == nullptr || used < kChunkBytes || used + kChunkBytes <= warmed_ ||
            warmed_ >= limit_) {
            return;
        }
        const std::size_t from = std::max(warmed_, used);
        const std::size_t to = std::min(limit_, from + kChunkBytes);
        warmer.warm(base_ + from, to - from);
        warmed_ = to;
    }

private:
    const char* base_ = nullptr;
    std::size_t limit_ = 0;
    std::size_t warmed_ = 0;
};

} // namespace pairwatch::util
