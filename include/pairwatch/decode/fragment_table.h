// Remembers what the first fragment of an IP datagram decoded to, so that later fragments
// (which carry no transport header) can be counted with their conversation.
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <cstdint>
#include <vector>

namespace pairwatch::decode {

struct FragmentKey {
    IpAddress src, dst;
    std::uint32_t id = 0; // IPv4's 16-bit id or IPv6's 32-bit fragment id
    std::uint8_t ip_proto = 0;
    std::uint8_t ip_version = 0;
    friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

/// What a later fragment inherits from the first.
struct FragmentResult {
    IpAddress src, dst;
    std::uint16_t sport = 0, dport = 0;
    std::uint8_t ip_proto = 0;
    std::uint8_t ip_version = 0;
    std::uint8_t tunnel_depth = 0;
    TunnelKind outer_tunnel = TunnelKind::None;
    Outcome outcome = Outcome::Udp;
};

struct FragmentTableStats {
    std::uint64_t inserted = 0;
    std::uint64_t matched = 0;
    std::uint64_t unmatched = 0;
    std::uint64_t evicted = 0; // pushed out by a newer datagram while still within its timeout
    std::uint64_t expired = 0; // found past its timeout
};

/// Set-associative and fixed in size: a flood of never-completed fragments evicts the oldest
/// entry of one small bucket, so memory stays bounded and nothing is ever scanned.
class FragmentTable {
public:
    static constexpr std::size_t kWays = 4;

    explicit FragmentTable(std::size_t buckets = 1024, std::int64_t timeout_ns = 30'000'000'000,
                           std::uint64_t seed = 0);

    void remember(const FragmentKey& key, const FragmentResult& result, std::int64_t now_ns);
    /// Drops the entry for `key`, if any.
    void forget(const FragmentKey& key);
    /// The first fragment's result, if it was seen within the timeout.
    [[nodiscard]] const FragmentResult* find(const FragmentKey& key, std::int64_t now_ns);

    [[nodiscard]] const FragmentTableStats& stats() const { return stats_; }
    [[nodiscard]] std::size_t capacity() const { return entries_.size(); }

private:
    struct Entry {
        FragmentKey key;
        FragmentResult result;
        std::int64_t last_ns = 0;
        bool used = false;
    };
    [[nodiscard]] std::size_t bucket_of(const FragmentKey& key) const;

    std::vector<Entry> entries_;
    std::size_t bucket_mask_;
    std::int64_t timeout_ns_;
    std::uint64_t seed_;
    FragmentTableStats stats_;
};

} // namespace pairwatch::decode
