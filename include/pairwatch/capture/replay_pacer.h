// --replay-speed: hands a file's frames over when their capture time comes, scaled, so the
// report shows a recorded capture as if it were live.
#pragma once

#include <chrono>
#include <cstdint>

namespace pairwatch::capture {

class ReplayPacer {
public:
    using Clock = std::chrono::steady_clock;

    /// speed 1 replays as recorded, 10 ten times faster; must be > 0.
    explicit ReplayPacer(double speed) : speed_(speed) {}

    /// When a frame stamped ts_ns is due. The first frame is due at once and sets the origin;
    /// a frame stamped earlier than one before it is due at once too.
    [[nodiscard]] Clock::time_point due(std::int64_t ts_ns, Clock::time_point now);
    /// The capture's clock at `now`: what a live capture would stamp a packet with.
    [[nodiscard]] std::int64_t capture_time(Clock::time_point now) const;
    [[nodiscard]] bool started() const { return started_; }

private:
    double speed_;
    bool started_ = false;
    std::int64_t origin_ts_ = 0;
    Clock::time_point origin_wall_{};
};

} // namespace pairwatch::capture
