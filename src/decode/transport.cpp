// TCP and UDP: the socket pair, TCP's fields, and the UDP ports that open a tunnel.
#include "layers.h"

#include "pairwatch/decode/decoder.h"

#include <algorithm>
#include <optional>

namespace pairwatch::decode {

void decode_tcp(ByteReader r, DecodeContext& c) {
    PacketInfo& info = c.info;
    const std::size_t captured_len = r.remaining();
    const std::size_t segment_len = captured_len + c.missing;
    auto sport = r.be16();
    auto dport = r.be16();
    if (!sport || !dport) return c.fail(DecodeError::TruncatedTcpPorts);
    // The IP length leaves no room for a TCP header: not a cut capture but a short datagram.
    // In a first fragment that is RFC 1858's tiny-fragment attack.
    if (segment_len < 20) {
        return c.fail(info.fragment ? DecodeError::FirstFragmentTooShort
                                    : DecodeError::TcpHeaderBeyondSegment);
    }
    info.outcome = Outcome::Tcp;
    info.ip_proto = kIpProtoTcp;
    info.sport = *sport;
    info.dport = *dport;
    info.payload_len = 0;

    // From here on a missing byte is a snaplen cut: keep every field that was captured, in
    // order (a failed read does not move the reader, so nothing after it may be read).
    std::optional<std::uint8_t> offset;
    std::optional<std::uint16_t> window;
    if (auto seq = r.be32()) {
        info.tcp_seq = *seq;
        if (auto ack = r.be32()) {
            info.tcp_ack = *ack;
            offset = r.u8();
            if (offset) {
                if (auto flags = r.u8()) {
                    info.tcp_flags = *flags;
                    info.tcp_flags_known = true;
                    window = r.be16();
                    if (window) info.tcp_window = *window;
                }
            }
        }
    }
    // Without the data offset, the header is taken at its minimum of 20 bytes.
    std::size_t header_len = 20;
    if (offset) {
        header_len = std::size_t{*offset} >> 4 << 2;
        if (header_len < 20) return c.fail(DecodeError::TcpDataOffsetBelowFive);
        info.tcp_header_len = static_cast<std::uint8_t>(header_len);
    }
    if (!info.fragment && header_len > segment_len) {
        return c.fail(DecodeError::TcpHeaderBeyondSegment);
    }
    // A snaplen cut only when header bytes that the segment holds were not captured: a data
    // offset past the segment, or past a first fragment, is no cut.
    if (std::min(header_len, segment_len) > captured_len) info.snap_cut = true;
    if (info.fragment) {
        // A first fragment holds only part of the segment; its bytes past the header count.
        info.payload_len = static_cast<std::uint32_t>(
            segment_len > header_len ? segment_len - header_len : 0);
        return;
    }
    info.payload_len = static_cast<std::uint32_t>(segment_len - header_len);
}

void decode_udp(ByteReader r, DecodeContext& c) {
    PacketInfo& info = c.info;
    const std::size_t datagram_len = r.remaining() + c.missing;
    auto sport = r.be16();
    auto dport = r.be16();
    if (!sport || !dport) return c.fail(DecodeError::TruncatedUdpHeader);
    if (datagram_len < 8) {
        return c.fail(info.fragment ? DecodeError::FirstFragmentTooShort
                                    : DecodeError::UdpLengthBelowHeader);
    }
    info.ip_proto = kIpProtoUdp;
    info.sport = *sport;
    info.dport = *dport;
    auto length = r.be16();
    if (!length || !r.skip(2)) {
        info.outcome = Outcome::Udp;
        info.snap_cut = true;
        info.payload_len = datagram_len >= 8 ? static_cast<std::uint32_t>(datagram_len - 8) : 0;
        return;
    }
    std::size_t udp_len = *length;
    if (info.fragment) {
        // The UDP length covers the whole datagram; this fragment holds only its first part.
        udp_len = datagram_len;
    } else if (udp_len == 0 && datagram_len > 0xffff) {
        udp_len = datagram_len; // RFC 2675 4: a jumbogram's UDP length is 0
    }
    if (udp_len < 8) return c.fail(DecodeError::UdpLengthBelowHeader);
    if (udp_len > datagram_len) return c.fail(DecodeError::UdpLengthBeyondDatagram);
    info.outcome = Outcome::Udp;
    info.payload_len = static_cast<std::uint32_t>(udp_len - 8);
    // Within the datagram (checked above), so this cannot fail: the UDP length, not the IP
    // length, bounds what a tunnel inside may claim past the capture.
    (void)c.limit_to(r, udp_len - 8);
    if (info.fragment) return; // a tunnel in a fragment would need reassembly

    const auto is = [&](std::uint16_t port) { return *sport == port || *dport == port; };
    // Either side may hold the registered port: replies come from it.
    if (is(kVxlanPort)) return open_tunnel(TunnelKind::Vxlan, c, [&] { decode_vxlan(r, c); });
    if (is(kGenevePort)) return open_tunnel(TunnelKind::Geneve, c, [&] { decode_geneve(r, c); });
    if (is(kTeredoPort)) return open_tunnel(TunnelKind::Teredo, c, [&] { decode_teredo(r, c); });
    if (is(kMplsUdpPort)) {
        return open_tunnel(TunnelKind::MplsUdp, c, [&] {
            if (c.enter_layer()) decode_mpls(r, c);
        });
    }
}

} // namespace pairwatch::decode
