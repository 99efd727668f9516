// Counters for every frame decoded: each frame lands in exactly one outcome.
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <array>
#include <cstdint>

namespace pairwatch::decode {

inline constexpr std::size_t kTunnelKindCount = 7;

struct DecodeStats {
    std::uint64_t frames = 0;
    std::array<std::uint64_t, kOutcomeCount> outcomes{};
    std::array<std::uint64_t, kDecodeErrorCount> errors{}; // reason of each Truncated/Malformed
    std::uint64_t ipv4 = 0;           // frames whose innermost IP header is IPv4
    std::uint64_t ipv6 = 0;
    std::uint64_t vlan_tagged = 0;
    std::uint64_t fragments = 0;      // fragments of either kind
    std::uint64_t snap_cut = 0;       // frames shorter than their headers say (yielded or not)
    std::uint64_t tunnelled = 0;      // frames reported from inside a tunnel
    std::uint64_t tunnel_not_opened = 0; // tunnel payloads that did not decode; outer kept
    std::array<std::uint64_t, kDecodeErrorCount> tunnel_errors{}; // why, for those
    std::array<std::uint64_t, kTunnelKindCount> tunnels{}; // by outermost tunnel kind

    void record(const PacketInfo& info);
    void merge(const DecodeStats& other);
    [[nodiscard]] std::uint64_t outcome(Outcome o) const {
        return outcomes[static_cast<std::size_t>(o)];
    }
    [[nodiscard]] std::uint64_t error(DecodeError e) const {
        return errors[static_cast<std::size_t>(e)];
    }
    /// The invariant users rely on: the outcomes add up to the frames read.
    [[nodiscard]] bool adds_up() const;
};

} // namespace pairwatch::decode
