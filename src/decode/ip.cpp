// IPv4 (with options), IPv6 (with its extension header chain), fragments, and the dispatch on
// the protocol that follows.
#include "layers.h"

namespace pairwatch::decode {

namespace {

constexpr std::uint8_t kProtoHopByHop = 0;
constexpr std::uint8_t kProtoIpv4 = 4; // IP-in-IP (RFC 2003)
constexpr std::uint8_t kProtoIpv6 = 41;
constexpr std::uint8_t kProtoRouting = 43;
constexpr std::uint8_t kProtoFragment = 44;
constexpr std::uint8_t kProtoGre = 47;
constexpr std::uint8_t kProtoAh = 51;
constexpr std::uint8_t kProtoDestOpts = 60;
constexpr std::uint8_t kProtoMobility = 135;
constexpr std::uint8_t kProtoHip = 139;
constexpr std::uint8_t kProtoShim6 = 140;

// RFC 8200 4.1 sets no hard limit; a chain longer than this is an attack or garbage.
constexpr int kMaxIpv6Extensions = 16;

IpAddress read_v6(std::span<const std::byte> b) {
    IpAddress a;
    for (std::size_t i = 0; i < 16; ++i) a.bytes[i] = std::to_integer<std::uint8_t>(b[i]);
    return a;
}

/// Limits `r` to an IP length field and records how much of it lies beyond the capture.
/// False (after failing the frame with `beyond`) when the length is more than the frame holds.
bool fit_to_length(ByteReader& r, std::size_t length, DecodeContext& c, DecodeError beyond) {
    const bool was_within_capture = length <= r.remaining();
    if (c.limit_to(r, length)) {
        if (!was_within_capture) c.info.snap_cut = true;
        return true;
    }
    // Inside the first fragment of a datagram (a tunnel's inner IP header, RFC 791 3.2 /
    // RFC 8200 4.5), an inner length runs on into the later fragments: not a contradiction.
    // The reader keeps what this fragment holds.
    if (c.info.fragment) return true;
    c.fail(beyond);
    return false;
}

/// A later fragment: no transport header, so the conversation comes from the first fragment.
void resolve_later_fragment(const FragmentKey& key, std::uint32_t fragment_payload,
                            DecodeContext& c) {
    PacketInfo& info = c.info;
    info.non_first_fragment = true;
    info.payload_len = fragment_payload;
    // The key's protocol is the first header after the IP header (RFC 791's protocol field;
    // RFC 8200 4.5: the Fragment header's Next Header, the first header of the Fragmentable
    // Part), so AH (RFC 4302) and the IPv6 extension headers that may precede an upper layer
    // can lead to ports too. Mobility (RFC 6275 6.1.1) and HIP (RFC 7401 5.1) carry none.
    const auto proto = key.ip_proto;
    const bool may_carry_ports = proto == kIpProtoTcp || proto == kIpProtoUdp ||
                                 proto == kProtoIpv4 || proto == kProtoIpv6 ||
                                 proto == kProtoGre || proto == kProtoAh ||
                                 (key.ip_version == 6 && (proto == kProtoRouting ||
                                                          proto == kProtoDestOpts ||
                                                          proto == kProtoShim6));
    if (!may_carry_ports) {
        info.outcome = Outcome::OtherIp;
        return;
    }
    const FragmentResult* first = c.fragments.find(key, info.ts_ns);
    if (first == nullptr) {
        info.outcome = Outcome::UnmatchedFragment;
        return;
    }
    info.src = first->src;
    info.dst = first->dst;
    info.sport = first->sport;
    info.dport = first->dport;
    info.ip_proto = first->ip_proto;
    info.ip_version = first->ip_version;
    info.tunnel_depth = first->tunnel_depth;
    info.outer_tunnel = first->outer_tunnel;
    info.outcome = first->outcome;
}

/// A first fragment (offset 0, more to come): decode it, then remember what it gave.
void decode_first_fragment(const FragmentKey& key, std::uint8_t proto, ByteReader r,
                           DecodeContext& c) {
    dispatch_ip_protocol(proto, r, c);
    const PacketInfo& info = c.info;
    if (info.outcome != Outcome::Tcp && info.outcome != Outcome::Udp) {
        // A new first fragment replaces an older datagram with the same id; when it has no
        // socket pair, its later fragments must not inherit the older datagram's.
        c.fragments.forget(key);
        return;
    }
    FragmentResult result{info.src,          info.dst,          info.sport,
                          info.dport,        info.ip_proto,     info.ip_version,
                          info.tunnel_depth, info.outer_tunnel, info.outcome};
    c.fragments.remember(key, result, info.ts_ns);
}

struct Ipv6Extensions {
    std::uint8_t next = 0;
    bool fragment = false;
    std::uint8_t fragment_next = 0; // the Fragment header's Next Header
    std::uint16_t fragment_offset = 0;
    bool more_fragments = false;
    std::uint32_t fragment_id = 0;
    std::optional<std::uint32_t> jumbo_length;
    std::optional<IpAddress> final_destination; // from a routing header with segments left
};

/// RFC 8200 8.1: a transport checksum (so the conversation) uses the final destination of a
/// routing header, not the next hop in the IPv6 header; tshark's conversations do the same.
/// Types 0 (RFC 2460, deprecated) and 2 (RFC 6275) list addresses, the last one final;
/// type 4 (SRH, RFC 8754) lists segments in reverse, so segment 0 is final. RPL's compressed
/// type 3 is left alone.
void find_final_destination(ByteReader header, Ipv6Extensions& ext) {
    (void)header.skip(2);
    auto type = header.u8();
    auto segments_left = header.u8();
    if (!type || !segments_left || *segments_left == 0 || !header.skip(4)) return;
    const std::size_t addresses = header.remaining() / 16;
    if (addresses == 0) return;
    std::size_t index = 0;
    if (*type == 0 || *type == 2) index = addresses - 1;
    else if (*type != 4) return;
    if (!header.skip(index * 16)) return;
    if (auto a = header.bytes(16)) ext.final_destination = read_v6(*a);
}

/// RFC 2675: the Jumbo Payload option (type 0xC2) inside a Hop-by-Hop header.
bool scan_hop_by_hop_options(ByteReader opts, Ipv6Extensions& ext, DecodeContext& c) {
    while (!opts.empty()) {
        auto type = opts.u8();
        if (*type == 0) continue; // Pad1
        auto len = opts.u8();
        if (!len) return true;    // padding cut short: nothing more to learn
        if (*type == 0xc2 && *len == 4) {
            auto v = opts.be32();
            if (!v) return true;
            ext.jumbo_length = *v;
            continue;
        }
        if (!opts.skip(*len)) return true;
    }
    (void)c;
    return true;
}

/// Walks the extension chain; on return `r` is at the upper-layer header.
bool walk_ipv6_extensions(ByteReader& r, Ipv6Extensions& ext, DecodeContext& c) {
    for (int n = 0;; ++n) {
        switch (ext.next) {
        case kProtoHopByHop:
        case kProtoRouting:
        case kProtoDestOpts:
        case kProtoMobility:
        case kProtoHip:
        case kProtoShim6:
        case kProtoAh: {
            // RFC 8200 4.3: Hop-by-Hop only directly after the fixed header.
            if (ext.next == kProtoHopByHop && n != 0) {
                c.fail(DecodeError::Ipv6HopByHopNotFirst);
                return false;
            }
            // RFC 8200 4.1: AH is one of IPv6's extension headers and Destination Options may
            // follow it, so it is walked here; its length is in 4-octet units minus 2
            // (RFC 4302 2.2), the others' in 8-octet units not counting the first.
            const bool ah = ext.next == kProtoAh;
            const DecodeError truncated =
                ah ? DecodeError::TruncatedAhHeader : DecodeError::TruncatedIpv6Extension;
            auto next = r.peek_u8(0);
            auto len_field = r.peek_u8(1);
            if (!next || !len_field) {
                c.fail(truncated);
                return false;
            }
            const std::size_t len =
                ah ? (std::size_t{*len_field} + 2) * 4 : (std::size_t{*len_field} + 1) * 8;
            if (len > r.remaining() + c.missing) {
                c.fail(DecodeError::Ipv6ExtensionLengthBeyondPayload);
                return false;
            }
            auto header = r.sub(len);
            if (!header) {
                c.fail(truncated);
                return false;
            }
            if (ext.next == kProtoHopByHop) {
                (void)header->skip(2);
                scan_hop_by_hop_options(*header, ext, c);
            } else if (ext.next == kProtoRouting) {
                find_final_destination(*header, ext);
            }
            ext.next = *next;
            break;
        }
        case kProtoFragment: {
            auto next = r.u8();
            auto reserved = r.u8();
            auto offset_flags = r.be16();
            auto id = r.be32();
            if (!next || !reserved || !offset_flags || !id) {
                c.fail(DecodeError::TruncatedIpv6Extension);
                return false;
            }
            ext.fragment = true;
            ext.fragment_offset = static_cast<std::uint16_t>(*offset_flags >> 3);
            ext.more_fragments = (*offset_flags & 1) != 0;
            ext.fragment_id = *id;
            ext.fragment_next = *next;
            ext.next = *next;
            // RFC 8200 4.5: an atomic fragment (offset 0, M clear) is a whole datagram.
            if (ext.fragment_offset != 0) return true; // the rest is not headers
            break;
        }
        default:
            return true; // upper layer (ESP is handled with the upper layers)
        }
        // n + 1 headers read so far: the cap is on a chain longer than kMaxIpv6Extensions.
        if (n + 1 > kMaxIpv6Extensions) {
            c.fail(DecodeError::Ipv6TooManyExtensions);
            return false;
        }
        if (!c.enter_layer()) return false;
    }
}

} // namespace

void decode_ipv4(ByteReader r, DecodeContext& c) {
    PacketInfo& info = c.info;
    const ByteReader at_header = r;
    auto vihl = r.peek_u8();
    if (!vihl) return c.fail(DecodeError::TruncatedIpv4Header);
    if ((*vihl >> 4) != 4) return c.fail(DecodeError::Ipv4VersionMismatch);
    const std::size_t ihl = std::size_t{*vihl & 0x0fU} * 4;
    if (ihl < 20) return c.fail(DecodeError::Ipv4IhlBelowFive);
    const std::size_t available = r.remaining();
    auto header = r.sub(ihl);
    if (!header) return c.fail(DecodeError::TruncatedIpv4Header);
    (void)header->skip(2);
    const std::uint16_t total = *header->be16();
    const std::uint16_t id = *header->be16();
    const std::uint16_t flags_offset = *header->be16();
    (void)header->skip(1); // TTL
    const std::uint8_t proto = *header->u8();
    (void)header->skip(2); // checksum
    const std::uint32_t src = *header->be32();
    const std::uint32_t dst = *header->be32();

    // Rebuild a reader over the whole datagram so the length check counts the header.
    std::size_t datagram_len = total;
    if (total == 0) {
        // TSO/GSO and Linux BIG TCP (> 64 KiB) leave the length 0: the frame gives it, as
        // tcpdump and Wireshark take it.
        datagram_len = available + c.missing;
    } else if (total < ihl) {
        return c.fail(DecodeError::Ipv4TotalLengthBelowHeader);
    }
    if (datagram_len < ihl) return c.fail(DecodeError::Ipv4TotalLengthBelowHeader);
    std::size_t payload_len = datagram_len - ihl;
    if (!fit_to_length(r, payload_len, c, DecodeError::Ipv4TotalLengthBeyondFrame)) return;

    info.ip_version = 4;
    c.mark_ip_header(at_header);
    info.src = IpAddress::from_v4(src);
    info.dst = IpAddress::from_v4(dst);
    info.ip_proto = proto;
    info.ip_len = static_cast<std::uint32_t>(datagram_len);
    info.tcp_flags = 0;

    const std::uint16_t offset = flags_offset & 0x1fff;
    const bool more = (flags_offset & 0x2000) != 0;
    if (offset == 0 && !more) return dispatch_ip_protocol(proto, r, c);

    info.fragment = true;
    const FragmentKey key{info.src, info.dst, id, proto, 4};
    if (offset != 0) {
        return resolve_later_fragment(key, static_cast<std::uint32_t>(payload_len), c);
    }
    decode_first_fragment(key, proto, r, c);
}

void decode_ipv6(ByteReader r, DecodeContext& c) {
    PacketInfo& info = c.info;
    auto first = r.peek_u8();
    if (!first) return c.fail(DecodeError::TruncatedIpv6Header);
    if ((*first >> 4) != 6) return c.fail(DecodeError::Ipv6VersionMismatch);
    if (!r.has(40)) return c.fail(DecodeError::TruncatedIpv6Header);
    c.mark_ip_header(r);
    (void)r.skip(4);
    const std::uint16_t payload_field = *r.be16();
    Ipv6Extensions ext;
    ext.next = *r.u8();
    (void)r.skip(1); // hop limit
    info.src = read_v6(*r.bytes(16));
    info.dst = read_v6(*r.bytes(16));
    info.ip_version = 6;

    const bool jumbo_candidate = payload_field == 0 && ext.next == kProtoHopByHop;
    if (!jumbo_candidate &&
        !fit_to_length(r, payload_field, c, DecodeError::Ipv6PayloadLengthBeyondFrame)) {
        return;
    }
    const std::size_t before_ext = r.remaining();
    if (!walk_ipv6_extensions(r, ext, c)) return;
    // RFC 2675 3: a Jumbo Payload option with a non-zero Payload Length, or in a packet that
    // carries a Fragment header, is an error (ICMP Parameter Problem), not a length to use.
    if (ext.jumbo_length && (payload_field != 0 || ext.fragment)) {
        return c.fail(DecodeError::Ipv6BadJumboPayload);
    }
    std::size_t payload_len = payload_field;
    if (jumbo_candidate) {
        // RFC 2675: payload length 0 with a Jumbo Payload option; BIG TCP uses it on Linux.
        if (!ext.jumbo_length || *ext.jumbo_length <= 0xffff) {
            return c.fail(DecodeError::Ipv6BadJumboPayload);
        }
        payload_len = *ext.jumbo_length;
        ByteReader whole = r; // already past the extensions; check the length against them
        const std::size_t ext_len = before_ext - r.remaining();
        if (payload_len < ext_len) return c.fail(DecodeError::Ipv6BadJumboPayload);
        if (!fit_to_length(whole, payload_len - ext_len, c,
                           DecodeError::Ipv6PayloadLengthBeyondFrame)) {
            return;
        }
        r = whole;
    }
    info.ip_len = static_cast<std::uint32_t>(40 + payload_len);
    info.ip_proto = ext.next;
    info.tcp_flags = 0;
    const std::size_t upper_len = r.remaining() + c.missing;
    // Fragments are matched on the header's addresses (RFC 8200 4.5), the conversation on the
    // final destination. Every fragment carries the same Fragment header Next Header (the
    // first header of the Fragmentable Part), so the key takes that, not the end of the chain
    // that only the first fragment reaches.
    const FragmentKey key{info.src, info.dst, ext.fragment_id, ext.fragment_next, 6};
    if (ext.final_destination) info.dst = *ext.final_destination;

    if (!ext.fragment || (ext.fragment_offset == 0 && !ext.more_fragments)) {
        return dispatch_ip_protocol(ext.next, r, c);
    }
    info.fragment = true;
    if (ext.fragment_offset != 0) {
        return resolve_later_fragment(key, static_cast<std::uint32_t>(upper_len), c);
    }
    decode_first_fragment(key, ext.next, r, c);
}

void dispatch_ip_protocol(std::uint8_t proto, ByteReader r, DecodeContext& c) {
    if (!c.enter_layer()) return;
    c.info.ip_proto = proto;
    switch (proto) {
    case kIpProtoTcp:
        return decode_tcp(r, c);
    case kIpProtoUdp:
        return decode_udp(r, c);
    case kProtoAh: {
        // RFC 4302 2.2: AH length is in 4-octet units minus 2; the protected packet follows.
        auto next = r.u8();
        auto len = r.u8();
        if (!next || !len) return c.fail(DecodeError::TruncatedAhHeader);
        const std::size_t total = (std::size_t{*len} + 2) * 4;
        if (!r.skip(total - 2)) return c.fail(DecodeError::TruncatedAhHeader);
        return dispatch_ip_protocol(*next, r, c);
    }
    case kProtoIpv4:
        c.info.outcome = Outcome::OtherIp;
        return open_tunnel(TunnelKind::IpInIp, c, [&] { decode_ipv4(r, c); });
    case kProtoIpv6:
        c.info.outcome = Outcome::OtherIp;
        return open_tunnel(TunnelKind::IpInIp, c, [&] { decode_ipv6(r, c); });
    case kProtoGre:
        c.info.outcome = Outcome::OtherIp;
        return open_tunnel(TunnelKind::Gre, c, [&] { decode_gre(r, c); });
    default:
        c.info.outcome = Outcome::OtherIp;
    }
}

} // namespace pairwatch::decode
