// When the rolling report takes its snapshots: at interval boundaries of the capture's own clock
// (packet time, or the capture thread's clock ticks on a quiet link), so a replayed file gives
// the same report blocks however fast it is read. The flow table drives it: a snapshot at
// boundary B sees every packet stamped before B and every flow expired by B.
#pragma once

#include <cstdint>
#include <limits>

namespace pairwatch::flow {

class ReportListener {
public:
    virtual ~ReportListener() = default;
    /// A boundary of the report clock was reached (the table holds the state as of `at_ns`).
    /// `final` is the end of input: `at_ns` is the last packet time, not a boundary.
    virtual void on_report_due(std::int64_t at_ns, bool final) = 0;
};

/// The boundaries to report at, aligned to multiples of the interval (a 1 s report falls on
/// whole seconds). In a quiet stretch of a replay (no packet for a while), only boundaries 1-10,
/// 16, 32, 64... intervals after the last packet are reported: a day-long gap in a file gives a
/// handful of blocks, not 86400, and which ones depends only on the packet timestamps.
class ReportClock {
public:
    static constexpr std::int64_t kQuietBoundaries = 10;
    /// next() when there is no boundary to come.
    static constexpr std::int64_t kNoBoundary = std::numeric_limits<std::int64_t>::max();

    /// interval_ns 0: no boundaries (only the final report). `compress_quiet`: replay mode.
    ReportClock(std::int64_t interval_ns, bool compress_quiet)
        : interval_ns_(interval_ns), compress_(compress_quiet) {}

    /// A packet was seen at ts_ns (after the boundaries up to it were reported).
    void on_packet(std::int64_t ts_ns);
    /// The next boundary to report at, or kNoBoundary.
    [[nodiscard]] std::int64_t next() const { return next_; }
    /// The boundary `next()` was reported; moves to the one after it (skipping quiet ones).
    void advance();
    /// Calls at_boundary(at) for each boundary up to now_ns, in order, advancing past each.
    /// A stamp at the end of time (a pcapng stamp past 2262 saturates to INT64_MAX) must not
    /// meet next() == kNoBoundary and loop on it for ever (found by
    /// fuzz_flow_pipeline).
    template <typename AtBoundary> void pass(std::int64_t now_ns, AtBoundary&& at_boundary) {
        while (next_ <= now_ns && next_ != kNoBoundary) {
            at_boundary(next_);
            advance();
        }
    }

private:
    [[nodiscard]] std::int64_t first_after(std::int64_t ts_ns) const;

    std::int64_t interval_ns_;
    bool compress_;
    std::int64_t next_ = kNoBoundary;
    std::int64_t quiet_base_ = 0; // the first boundary after the last packet
    bool started_ = false;
};

} // namespace pairwatch::flow
