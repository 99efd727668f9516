// The per-layer decoders behind Decoder, private to the decode module.
#pragma once

#include "pairwatch/decode/byte_reader.h"
#include "pairwatch/decode/fragment_table.h"
#include "pairwatch/decode/packet_info.h"

#include <cstdint>

namespace pairwatch::decode {

/// State threaded through one frame's layers.
struct DecodeContext {
    PacketInfo& info;
    FragmentTable& fragments;
    /// The frame's first byte: an IP decoder takes its header's offset from it (a difference
    /// of two pointers into the one frame, not a cast).
    const std::byte* frame_begin = nullptr;
    int layers = 0;
    /// Bytes of the frame past the end of the capture (wire_len - cap_len) that a reader still
    /// reaching the end of the captured bytes may claim; 0 once a length field cut the reader
    /// short of the frame's end.
    std::uint32_t missing = 0;

    /// Limits `r` to a length field: drops bytes past it (padding, trailers), or, when the
    /// length runs past the captured bytes, leaves `missing` at the part of it not captured so
    /// that the layers inside cannot claim bytes beyond it. False when the length is more than
    /// the frame holds even counting `missing`; nothing changes then.
    bool limit_to(ByteReader& r, std::size_t length);
    /// Counts a layer; false (and a TooManyLayers malformation) past kMaxLayers.
    bool enter_layer();
    /// Notes that the IP header `r` starts at is the innermost so far (a tunnel's inner header
    /// overrides its outer one, and open_tunnel puts the outer one back when the inner fails).
    void mark_ip_header(const ByteReader& r);
    /// Ends the frame with `e`: Truncated when the capture was cut short, Malformed otherwise.
    void fail(DecodeError e);
};

// Link layers: each reads its header and hands the rest on.
void decode_ethernet(ByteReader r, DecodeContext& c);
void decode_linux_sll(ByteReader r, DecodeContext& c);
void decode_linux_sll2(ByteReader r, DecodeContext& c);
void decode_bsd_null(ByteReader r, DecodeContext& c); // DLT_NULL: family in host byte order
void decode_bsd_loop(ByteReader r, DecodeContext& c); // DLT_LOOP: family in network order
void decode_ppp(ByteReader r, DecodeContext& c);
void decode_ppp_serial(ByteReader r, DecodeContext& c); // PPP in HDLC framing, or Cisco HDLC
void decode_raw_ip(ByteReader r, DecodeContext& c);   // version nibble picks IPv4 or IPv6
void decode_nflog(ByteReader r, DecodeContext& c);

/// Ethernet-typed payloads (after Ethernet, VLAN, SLL, GRE, GENEVE...).
void dispatch_ethertype(std::uint16_t ethertype, ByteReader r, DecodeContext& c);
void decode_mpls(ByteReader r, DecodeContext& c);
void decode_ppp_protocol(std::uint16_t protocol, ByteReader r, DecodeContext& c);

void decode_ipv4(ByteReader r, DecodeContext& c);
void decode_ipv6(ByteReader r, DecodeContext& c);
/// What follows an IP header (and IPv6's extensions): TCP, UDP, AH, tunnels or other.
void dispatch_ip_protocol(std::uint8_t proto, ByteReader r, DecodeContext& c);

void decode_tcp(ByteReader r, DecodeContext& c);
void decode_udp(ByteReader r, DecodeContext& c);

void decode_gre(ByteReader r, DecodeContext& c);
void decode_vxlan(ByteReader r, DecodeContext& c);
void decode_geneve(ByteReader r, DecodeContext& c);
void decode_teredo(ByteReader r, DecodeContext& c);

/// Runs `inner` on a tunnel's payload one tunnel level deeper. Keeps the inner result when it
/// is a TCP/UDP packet; otherwise puts back the outer packet the tunnel arrived in, so a tunnel
/// that does not parse never loses the packet.
template <typename Fn>
void open_tunnel(TunnelKind kind, DecodeContext& c, Fn&& inner);

std::uint64_t hash_mix(std::uint64_t seed, const void* data, std::size_t len);

} // namespace pairwatch::decode

#include "tunnel_inl.h"
