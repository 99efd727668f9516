#include "pairwatch/flow/report_clock.h"

namespace pairwatch::flow {

std::int64_t ReportClock::first_after(std::int64_t ts_ns) const {
    // floor division, so negative timestamps (pcap allows them) align the same way
    std::int64_t q = ts_ns / interval_ns_;
    if (ts_ns % interval_ns_ < 0) --q;
    std::int64_t b = 0;
    if (__builtin_mul_overflow(q + 1, interval_ns_, &b)) return kNoBoundary;
    return b;
}

void ReportClock::on_packet(std::int64_t ts_ns) {
    if (interval_ns_ <= 0) return;
    if (!started_ || ts_ns >= quiet_base_) {
        quiet_base_ = first_after(ts_ns);
    }
    if (!started_ || next_ > quiet_base_) next_ = quiet_base_;
    started_ = true;
}

void ReportClock::advance() {
    if (next_ == kNoBoundary) return;
    std::int64_t n = 0;
    if (__builtin_add_overflow(next_, interval_ns_, &n)) {
        next_ = kNoBoundary;
        return;
    }
    if (compress_) {
        // Intervals since the first boundary after the last packet; past kQuietBoundaries, only
        // powers of two are reported.
        const std::int64_t k = (n - quiet_base_) / interval_ns_ + 1;
        if (k > kQuietBoundaries) {
            std::int64_t p = 16;
            while (p < k && p < (std::int64_t{1} << 60)) p *= 2;
            std::int64_t jump = 0;
            if (__builtin_mul_overflow(p - 1, interval_ns_, &jump) ||
                __builtin_add_overflow(quiet_base_, jump, &n)) {
                n = kNoBoundary;
            }
        }
    }
    next_ = n;
}

} // namespace pairwatch::flow
