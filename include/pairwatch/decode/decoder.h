// Frame bytes -> PacketInfo: link layer, VLAN/PPPoE/MPLS, IPv4/IPv6, tunnels, TCP/UDP.
#pragma once

#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/decode/decode_stats.h"
#include "pairwatch/decode/fragment_table.h"
#include "pairwatch/decode/packet_info.h"

namespace pairwatch::decode {

/// Encapsulation cap: a frame that nests deeper is malformed (TooManyLayers), never a stack
/// overflow.
inline constexpr int kMaxLayers = 24;

/// Ports that open a UDP tunnel. IANA: VXLAN 4789 (RFC 7348), GENEVE 6081 (RFC 8926),
/// Teredo 3544 (RFC 4380), MPLS-in-UDP 6635 (RFC 7510).
inline constexpr std::uint16_t kVxlanPort = 4789;
inline constexpr std::uint16_t kGenevePort = 6081;
inline constexpr std::uint16_t kTeredoPort = 3544;
inline constexpr std::uint16_t kMplsUdpPort = 6635;

struct DecoderOptions {
    std::size_t fragment_buckets = 1024;
    std::int64_t fragment_timeout_ns = 30'000'000'000;
    std::uint64_t seed = 0;
};

/// Stateful only through the fragment table; one per thread that decodes.
class Decoder {
public:
    /// dlt must satisfy link_type_supported(); the source checks that when it opens.
    explicit Decoder(int dlt, DecoderOptions options = {});

    /// Decodes one frame into `out` and counts it.
    void decode(const capture::RawFrame& frame, PacketInfo& out);

    [[nodiscard]] const DecodeStats& stats() const { return stats_; }
    [[nodiscard]] const FragmentTableStats& fragment_stats() const { return fragments_.stats(); }
    [[nodiscard]] int dlt() const { return dlt_; }

private:
    int dlt_;
    FragmentTable fragments_;
    DecodeStats stats_;
};

} // namespace pairwatch::decode
