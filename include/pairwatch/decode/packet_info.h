// What the decoder learns from one frame: a small value, filled on the stack, never allocated.
#pragma once

#include "pairwatch/decode/decode_error.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>

namespace pairwatch::decode {

/// An IP address in 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so one key fits both.
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};

    static IpAddress from_v4(std::uint32_t host_order);
    [[nodiscard]] bool is_v4() const;
    [[nodiscard]] std::uint32_t v4() const; // host order; meaningful only when is_v4()
    /// The two halves as words: a defaulted == compares std::arrays through an out-of-line
    /// memcmp, which was 6% of the flow thread at 1M conversations (the server inventory's
    /// sets and the report's per-server sums compare addresses on every probe).
    [[nodiscard]] std::uint64_t half(std::size_t i) const {
        std::uint64_t v = 0;
        std::memcpy(&v, bytes.data() + i * 8, sizeof v);
        return v;
    }
    friend bool operator==(const IpAddress& x, const IpAddress& y) {
        return ((x.half(0) ^ y.half(0)) | (x.half(1) ^ y.half(1))) == 0;
    }
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
    /// For absl's hash containers.
    template <typename H> friend H AbslHashValue(H h, const IpAddress& a) {
        return H::combine(std::move(h), a.half(0), a.half(1));
    }
};

/// Dotted quad for IPv4, RFC 5952 text for IPv6 (no brackets).
[[nodiscard]] std::string to_string(const IpAddress& a);
/// As above, but an IPv6 header's IPv4-mapped address stays IPv6 text (::ffff:192.0.2.1).
[[nodiscard]] std::string to_string(const IpAddress& a, std::uint8_t ip_version);
/// "192.0.2.1:80" or "[2001:db8::1]:443": how every view writes a socket's endpoint.
[[nodiscard]] std::string format_endpoint(const IpAddress& a, std::uint16_t port,
                                          std::uint8_t ip_version);

/// Where a frame ended up. Every frame read gets exactly one, so the counts add up.
enum class Outcome : std::uint8_t {
    Tcp,
    Udp,
    OtherIp,           // ICMP, ESP, OSPF...: IP without a TCP/UDP socket pair
    NonIp,             // ARP, LLDP, STP... or an unknown ethertype / link protocol
    UnmatchedFragment, // a non-first fragment whose first fragment was not seen (yet)
    Truncated,         // the snaplen cut the frame before its ports
    Malformed,         // the frame contradicts itself; see PacketInfo::error
    kCount,
};
inline constexpr std::size_t kOutcomeCount = static_cast<std::size_t>(Outcome::kCount);
[[nodiscard]] std::string_view to_string(Outcome o);

enum class TunnelKind : std::uint8_t { None, IpInIp, Gre, Vxlan, Geneve, Teredo, MplsUdp };
[[nodiscard]] std::string_view to_string(TunnelKind t);

namespace tcp_flag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
inline constexpr std::uint8_t kUrg = 0x20;
inline constexpr std::uint8_t kEce = 0x40;
inline constexpr std::uint8_t kCwr = 0x80;
} // namespace tcp_flag

inline constexpr std::uint8_t kIpProtoTcp = 6;
inline constexpr std::uint8_t kIpProtoUdp = 17;

struct PacketInfo {
    std::int64_t ts_ns = 0;
    std::uint64_t frame_no = 0; // 1-based position in the source
    std::uint32_t wire_len = 0; // frame length on the wire (pcap len)
    std::uint32_t cap_len = 0;  // bytes captured (pcap caplen)

    Outcome outcome = Outcome::NonIp;
    DecodeError error = DecodeError::kCount; // set when outcome is Truncated or Malformed

    std::array<std::uint16_t, 2> vlan{}; // outer first
    std::uint8_t vlan_count = 0;
    std::uint8_t ip_version = 0; // of the innermost IP header
    std::uint8_t ip_proto = 0;   // innermost transport protocol number
    std::uint8_t tunnel_depth = 0;
    TunnelKind outer_tunnel = TunnelKind::None; // the outermost tunnel opened
    bool fragment = false;            // part of a fragmented datagram (first or not)
    bool non_first_fragment = false;  // offset > 0: ports came from the fragment table
    bool snap_cut = false;            // the capture holds fewer bytes than the headers describe
    bool tunnel_undecoded = false;    // a tunnel payload did not decode; the outer packet stands
    DecodeError tunnel_error = DecodeError::kCount; // why, when tunnel_undecoded

    IpAddress src, dst;
    std::uint16_t sport = 0, dport = 0;

    std::uint32_t ip_len = 0;      // innermost IP datagram length (header included)
    std::uint32_t payload_len = 0; // transport payload bytes, from the headers, not from caplen

    /// The captured bytes of the frame: a view into the capture's batch, valid only during the
    /// consumer's on_packet call (the batch is reused afterwards). Empty for a hand-made packet.
    std::span<const std::byte> frame;
    /// Where the innermost IP header starts in `frame`; meaningful when ip_version != 0.
    std::uint32_t ip_offset = 0;

    // TCP only.
    bool tcp_flags_known = false; // false when the snaplen cut the header before the flags
    std::uint8_t tcp_flags = 0;
    std::uint8_t tcp_header_len = 0;
    std::uint16_t tcp_window = 0;
    std::uint32_t tcp_seq = 0, tcp_ack = 0;

    [[nodiscard]] bool has_ports() const {
        return outcome == Outcome::Tcp || outcome == Outcome::Udp;
    }
    /// The innermost IP datagram as captured: from its header to ip_len or to the end of the
    /// capture, whichever comes first (so no Ethernet padding, no bytes past caplen). What a
    /// payload inspector such as nDPI reads; empty when there is no IP header or no frame.
    [[nodiscard]] std::span<const std::byte> ip_packet() const {
        if (ip_version == 0 || ip_offset >= frame.size()) return {};
        const std::size_t captured = frame.size() - ip_offset;
        return frame.subspan(ip_offset, std::min<std::size_t>(captured, ip_len));
    }
};

} // namespace pairwatch::decode
