// The conversation key: protocol, VLAN ids and the two endpoints in canonical order, so both
// directions of a conversation map to one key (and one hash, so one worker thread later).
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <type_traits>

namespace pairwatch::flow {

/// Endpoint "a" is the lower (address, port) pair, "b" the higher; `flipped` in KeyedPacket
/// says the packet went from b to a.
struct FlowKey {
    decode::IpAddress addr_a;
    decode::IpAddress addr_b;
    std::uint16_t port_a = 0;
    std::uint16_t port_b = 0;
    std::uint16_t vlan_outer = 0;
    std::uint16_t vlan_inner = 0;
    std::uint8_t proto = 0; // IPPROTO_TCP or IPPROTO_UDP
    // Bits 0-1: VLAN tags (0 untagged, 1, or 2 for QinQ), which tells a VLAN 0 tag from none.
    // Bit 7: the addresses came from an IPv6 header, so an IPv4-mapped IPv6 address
    // (::ffff:192.0.2.1) is not the IPv4 host 192.0.2.1.
    std::uint8_t shape = 0;
    static constexpr std::uint8_t kIpv6 = 0x80;

    [[nodiscard]] int vlan_count() const { return shape & 0x03; }
    [[nodiscard]] bool ipv6() const { return (shape & kIpv6) != 0; }

    /// Six word compares, the last overlapping, and no call: every index probe that matches
    /// the index's tag compares a key (memcmp through the PLT cost twice the instructions).
    friend bool operator==(const FlowKey& x, const FlowKey& y) {
        const auto* a = reinterpret_cast<const unsigned char*>(&x);
        const auto* b = reinterpret_cast<const unsigned char*>(&y);
        std::uint64_t diff = 0;
        for (const std::size_t at : {0U, 8U, 16U, 24U, 32U, 34U}) {
            std::uint64_t u = 0, v = 0;
            std::memcpy(&u, a + at, sizeof u);
            std::memcpy(&v, b + at, sizeof v);
            diff |= u ^ v;
        }
        return diff == 0;
    }
};
// No padding: the key is compared and hashed as raw bytes.
static_assert(std::has_unique_object_representations_v<FlowKey>);
static_assert(sizeof(FlowKey) == 42);

struct KeyedPacket {
    FlowKey key;
    bool from_b = false; // the packet's source is endpoint b
};

/// The key of a TCP/UDP packet (packet.has_ports() must hold).
[[nodiscard]] KeyedPacket make_flow_key(const decode::PacketInfo& packet);

/// Seeded hash of the canonical key: the same for both directions.
[[nodiscard]] std::uint64_t hash_flow_key(const FlowKey& key, std::uint64_t seed);

/// Which of `workers` flow workers owns the packet's conversation: the same for both directions
/// (the key is symmetric) and for every fragment of a datagram; worker 0 for frames without a
/// socket pair. Uses another hash than the tables' index, whose low bits would otherwise be
/// the same for every key a worker holds.
[[nodiscard]] std::uint32_t worker_of(const decode::PacketInfo& packet, std::uint64_t seed,
                                      std::uint32_t workers);

} // namespace pairwatch::flow
