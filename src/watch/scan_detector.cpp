#include "pairwatch/watch/scan_detector.h"

#include <algorithm>

namespace pairwatch::watch {

void ScanDetector::make_room(std::int64_t now_ns) {
    // First the sources whose attempts all left the window; if that is not enough (a flood of
    // spoofed sources), the quietest half.
    absl::erase_if(sources_, [&](const auto& kv) { return now_ns - kv.second.last_ns > window_ns_; });
    if (sources_.size() < kMaxSources) return;
    std::vector<std::int64_t> last;
    last.reserve(sources_.size());
    for (const auto& [addr, s] : sources_) last.push_back(s.last_ns);
    auto mid = last.begin() + static_cast<std::ptrdiff_t>(last.size() / 2);
    std::nth_element(last.begin(), mid, last.end());
    const std::int64_t cut = *mid;
    const std::size_t before = sources_.size();
    absl::erase_if(sources_, [cut](const auto& kv) { return kv.second.last_ns <= cut; });
    dropped_ += before - sources_.size();
}

std::optional<ScanFinding> ScanDetector::on_failed_attempt(const decode::IpAddress& source,
                                                           std::int64_t ts_ns,
                                                           const decode::IpAddress& target,
                                                           std::uint16_t port) {
    if (threshold_ == 0) return std::nullopt;
    if (!sources_.contains(source) && sources_.size() >= kMaxSources) make_room(ts_ns);
    Source& s = sources_[source];
    s.last_ns = std::max(s.last_ns, ts_ns);
    auto& r = s.recent;
    // Attempts end (and reach us) out of start order, so the window is cut by time, not position.
    r.erase(std::remove_if(r.begin(), r.end(),
                           [&](const Attempt& a) { return s.last_ns - a.ts_ns > window_ns_; }),
            r.end());
    const bool seen = std::any_of(r.begin(), r.end(), [&](const Attempt& a) {
        return a.port == port && a.target == target;
    });
    if (seen) return std::nullopt;
    if (ts_ns < s.last_ns - window_ns_) return std::nullopt; // already outside the window
    r.push_back(Attempt{ts_ns, target, port});
    if (r.size() < threshold_) return std::nullopt;
    ScanFinding f;
    f.attempts = r.size();
    std::vector<std::uint16_t> ports;
    std::vector<decode::IpAddress> hosts;
    for (const Attempt& a : r) {
        ports.push_back(a.port);
        hosts.push_back(a.target);
    }
    std::sort(ports.begin(), ports.end());
    std::sort(hosts.begin(), hosts.end());
    f.ports = static_cast<std::size_t>(std::unique(ports.begin(), ports.end()) - ports.begin());
    f.hosts = static_cast<std::size_t>(std::unique(hosts.begin(), hosts.end()) - hosts.begin());
    // Keep memory at the threshold: the oldest attempt makes room for the next.
    r.erase(r.begin());
    return f;
}

} // namespace pairwatch::watch
