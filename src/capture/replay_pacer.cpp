#include "pairwatch/capture/replay_pacer.h"

#include <cmath>
#include <limits>

namespace pairwatch::capture {

ReplayPacer::Clock::time_point ReplayPacer::due(std::int64_t ts_ns, Clock::time_point now) {
    if (!started_) {
        started_ = true;
        origin_ts_ = ts_ns;
        origin_wall_ = now;
        return now;
    }
    // In double: a difference of two int64 timestamps can overflow, and any pcap timestamp is
    // legal input. A wait beyond ~a century is clamped rather than overflowing the clock.
    const double wait_ns =
        (static_cast<double>(ts_ns) - static_cast<double>(origin_ts_)) / speed_;
    if (!(wait_ns > 0)) return origin_wall_;
    constexpr double kMaxWaitNs = 3.0e18;
    const auto wait = std::chrono::nanoseconds(static_cast<std::int64_t>(std::min(wait_ns, kMaxWaitNs)));
    return origin_wall_ + std::chrono::duration_cast<Clock::duration>(wait);
}

std::int64_t ReplayPacer::capture_time(Clock::time_point now) const {
    const double elapsed_ns =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - origin_wall_).count());
    const double t = static_cast<double>(origin_ts_) + elapsed_ns * speed_;
    // 2^63 is exact in a double: anything at or past it saturates.
    constexpr double kLimit = 9223372036854775808.0;
    if (!(t < kLimit)) return std::numeric_limits<std::int64_t>::max();
    if (!(t > -kLimit)) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(t);
}

} // namespace pairwatch::capture
