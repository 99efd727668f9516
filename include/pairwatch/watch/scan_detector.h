// Scans: one source with at least N refused or unanswered attempts to distinct targets (host and
// port) within T seconds. Memory is bounded: at most N recent targets per source, and at most
// kMaxSources sources, the quietest dropped first.
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace pairwatch::watch {

struct ScanFinding {
    std::size_t attempts = 0; // distinct targets within the window
    std::size_t ports = 0;
    std::size_t hosts = 0;
};

class ScanDetector {
public:
    static constexpr std::size_t kMaxSources = 65536;

    ScanDetector(std::size_t threshold, std::int64_t window_ns)
        : threshold_(threshold), window_ns_(window_ns) {}

    /// A failed attempt from `source` to target:port at ts_ns (the attempt's first packet).
    /// Returns a finding when the source reaches the threshold within the window.
    std::optional<ScanFinding> on_failed_attempt(const decode::IpAddress& source, std::int64_t ts_ns,
                                                 const decode::IpAddress& target, std::uint16_t port);
    [[nodiscard]] std::size_t sources() const { return sources_.size(); }
    [[nodiscard]] std::uint64_t sources_dropped() const { return dropped_; }

private:
    struct Attempt {
        std::int64_t ts_ns;
        decode::IpAddress target;
        std::uint16_t port;
    };
    struct Source {
        std::vector<Attempt> recent; // distinct targets, oldest first
        std::int64_t last_ns = 0;
    };
    void make_room(std::int64_t now_ns);

    std::size_t threshold_;
    std::int64_t window_ns_;
    absl::flat_hash_map<decode::IpAddress, Source> sources_;
    std::uint64_t dropped_ = 0;
};

} // namespace pairwatch::watch
