#include "pairwatch/util/page_warmer.h"

#include "pairwatch/util/signals_blocked.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace pairwatch::util {

PageWarmer::~PageWarmer() {
    {
        std::lock_guard hold(mutex_);
        stop_ = true;
        pending_.clear();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void PageWarmer::warm(const void* begin, std::size_t bytes) {
    if (bytes == 0) return;
    {
        std::lock_guard hold(mutex_);
        if (unsupported_ || stop_) return;
        pending_.push_back(Range{reinterpret_cast<std::uintptr_t>(begin), bytes});
        if (!thread_.joinable()) {
            const SignalsBlocked blocked; // the stop signals are the capture's to take
            thread_ = std::thread([this] { run(); });
        }
    }
    wake_.notify_one();
}

std::uint64_t PageWarmer::warmed_bytes() const {
    std::lock_guard hold(mutex_);
    return warmed_;
}

void PageWarmer::wait_idle() {
    std::unique_lock hold(mutex_);
    idle_.wait(hold, [this] { return pending_.empty() && !busy_; });
}

void PageWarmer::run() {
    static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    std::unique_lock hold(mutex_);
    for (;;) {
        wake_.wait(hold, [this] { return stop_ || !pending_.empty(); });
        if (stop_) break;
        const Range r = pending_.front();
        pending_.erase(pending_.begin());
        busy_ = true;
        hold.unlock();
        // madvise wants a page-aligned start; the partial pages at either end are left to
        // their first touch.
        const std::uintptr_t start = (r.begin + page - 1) & ~(page - 1);
        const std::uintptr_t end = (r.begin + r.bytes) & ~(page - 1);
        int failed = 0;
        if (end > start) {
            // NOLINTNEXTLINE(performance-no-int-to-ptr): the range came in as a pointer
            failed = ::madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE) != 0
                         ? errno
                         : 0;
        }
        hold.lock();
        busy_ = false;
        if (failed == EINVAL) unsupported_ = true; // a kernel before 5.14: not again
        if (failed == 0 && end > start) warmed_ += end - start;
        if (pending_.empty()) idle_.notify_all();
    }
    busy_ = false;
    idle_.notify_all();
}

} // namespace pairwatch::util
