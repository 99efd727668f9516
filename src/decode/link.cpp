// Link layers and the layers that carry an ethertype: Ethernet, VLAN, SLL/SLL2, BSD null/loop,
// PPP and PPPoE, MPLS, raw IP and NFLOG.
#include "layers.h"

#include "pairwatch/decode/decoder.h"

namespace pairwatch::decode {

namespace {

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
constexpr std::uint16_t kEthertypeVlan = 0x8100;
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;
constexpr std::uint16_t kEthertypeQinQOld = 0x9100; // pre-802.1ad stacked tags
constexpr std::uint16_t kEthertypePppoeSession = 0x8864;
constexpr std::uint16_t kEthertypeMplsUnicast = 0x8847;
constexpr std::uint16_t kEthertypeMplsMulticast = 0x8848;
constexpr std::uint16_t kEthertypeTransparentEthernet = 0x6558; // RFC 1701: Ethernet in GRE
constexpr std::uint16_t kEthertypePpp = 0x880b;                 // RFC 2637: PPP in GRE (PPTP)

// IEEE 802.3: a type field up to 1500 is a length, and an LLC header follows.
constexpr std::uint16_t kMaxEthernetLength = 1500;

// PPP protocol numbers (RFC 1661 and IANA's PPP DLL protocol numbers).
constexpr std::uint16_t kPppIpv4 = 0x0021;
constexpr std::uint16_t kPppIpv6 = 0x0057;
constexpr std::uint16_t kPppMplsUnicast = 0x0281;
constexpr std::uint16_t kPppMplsMulticast = 0x0283;

// BSD address families as they appear in DLT_NULL/DLT_LOOP headers: IPv6 differs per OS.
constexpr std::uint32_t kBsdAfInet = 2;
constexpr std::uint32_t kBsdAfInet6NetBsd = 24;
constexpr std::uint32_t kBsdAfInet6FreeBsd = 28;
constexpr std::uint32_t kBsdAfInet6Darwin = 30;
constexpr std::uint32_t kLinuxAfInet6 = 10; // NFLOG carries Linux's own values

bool is_ethertype_ip(std::uint16_t t) { return t == kEthertypeIpv4 || t == kEthertypeIpv6; }

void dispatch_bsd_family(std::uint32_t family, ByteReader r, DecodeContext& c) {
    switch (family) {
    case kBsdAfInet:
        decode_ipv4(r, c);
        return;
    case kBsdAfInet6NetBsd:
    case kBsdAfInet6FreeBsd:
    case kBsdAfInet6Darwin:
        decode_ipv6(r, c);
        return;
    default:
        c.info.outcome = Outcome::NonIp;
    }
}

void decode_llc(ByteReader r, DecodeContext& c) {
    // 802.2 LLC with SNAP (AA AA 03, OUI, ethertype) carries ethertyped payloads; plain LLC
    // (STP, NetBIOS...) is not IP.
    // A cut 3-byte header (DSAP, SSAP, control) is a cut link header, not a frame known to
    // carry no IP: it may be the SNAP header of an IP packet.
    auto dsap = r.u8(), ssap = r.u8(), control = r.u8();
    if (!dsap || !ssap || !control) return c.fail(DecodeError::TruncatedLinkHeader);
    if (*dsap == 0xaa && *ssap == 0xaa && *control == 0x03) {
        if (!r.skip(3)) return c.fail(DecodeError::TruncatedLinkHeader);
        auto type = r.be16();
        if (!type) return c.fail(DecodeError::TruncatedLinkHeader);
        return dispatch_ethertype(*type, r, c);
    }
    c.info.outcome = Outcome::NonIp;
}

/// The type/length field of an Ethernet header or an 802.1Q tag: IEEE 802.3 3.2.6 makes a value
/// up to 1500 a length, with an LLC header after it. Only there: GRE's and GENEVE's protocol
/// type is an ethertype, where 0 (a Cisco GRE keepalive) is no LLC frame.
void dispatch_type_or_length(std::uint16_t type, ByteReader r, DecodeContext& c) {
    if (type > kMaxEthernetLength) return dispatch_ethertype(type, r, c);
    if (!c.enter_layer()) return;
    decode_llc(r, c);
}

void decode_vlan(ByteReader r, DecodeContext& c) {
    auto tci = r.be16();
    auto type = r.be16();
    if (!tci || !type) return c.fail(DecodeError::TruncatedVlanTag);
    // Tags inside a tunnel belong to the tunnelled network, not to this link's conversation key.
    if (c.info.tunnel_depth == 0 && c.info.vlan_count < c.info.vlan.size()) {
        c.info.vlan[c.info.vlan_count++] = static_cast<std::uint16_t>(*tci & 0x0fff);
    }
    dispatch_type_or_length(*type, r, c);
}

void decode_pppoe_session(ByteReader r, DecodeContext& c) {
    // RFC 2516: ver/type, code, session id, length, then the PPP protocol field.
    if (!r.skip(4)) return c.fail(DecodeError::TruncatedPppoeHeader);
    auto length = r.be16();
    if (!length) return c.fail(DecodeError::TruncatedPppoeHeader);
    // The length bounds the PPP frame, also past a snaplen: what it holds beyond the capture is
    // all the layers inside may claim.
    if (!c.limit_to(r, *length)) return c.fail(DecodeError::PppoeLengthBeyondFrame);
    auto protocol = r.be16();
    if (!protocol) return c.fail(DecodeError::TruncatedPppoeHeader);
    decode_ppp_protocol(*protocol, r, c);
}

} // namespace

void dispatch_ethertype(std::uint16_t ethertype, ByteReader r, DecodeContext& c) {
    if (!c.enter_layer()) return;
    switch (ethertype) {
    case kEthertypeIpv4:
        return decode_ipv4(r, c);
    case kEthertypeIpv6:
        return decode_ipv6(r, c);
    case kEthertypeVlan:
    case kEthertypeQinQ:
    case kEthertypeQinQOld:
        return decode_vlan(r, c);
    case kEthertypePppoeSession:
        return decode_pppoe_session(r, c);
    case kEthertypeMplsUnicast:
    case kEthertypeMplsMulticast:
        return decode_mpls(r, c);
    case kEthertypeTransparentEthernet:
        return decode_ethernet(r, c);
    case kEthertypePpp:
        return decode_ppp(r, c);
    default:
        c.info.outcome = Outcome::NonIp;
    }
}

void decode_ethernet(ByteReader r, DecodeContext& c) {
    if (!r.skip(12)) return c.fail(DecodeError::TruncatedLinkHeader);
    auto type = r.be16();
    if (!type) return c.fail(DecodeError::TruncatedLinkHeader);
    dispatch_type_or_length(*type, r, c);
}

void decode_linux_sll(ByteReader r, DecodeContext& c) {
    // packet type, ARPHRD type, address length, 8 address bytes, protocol.
    if (!r.skip(14)) return c.fail(DecodeError::TruncatedLinkHeader);
    auto protocol = r.be16();
    if (!protocol) return c.fail(DecodeError::TruncatedLinkHeader);
    // Protocols below 1536 are Linux pseudo-types (802.2 LLC, 802.3 raw, CAN...), not IP.
    if (*protocol <= kMaxEthernetLength && !is_ethertype_ip(*protocol)) {
        c.info.outcome = Outcome::NonIp;
        return;
    }
    dispatch_ethertype(*protocol, r, c);
}

void decode_linux_sll2(ByteReader r, DecodeContext& c) {
    // protocol, reserved, interface index, ARPHRD type, packet type, address length, address.
    auto protocol = r.be16();
    if (!protocol || !r.skip(18)) return c.fail(DecodeError::TruncatedLinkHeader);
    if (*protocol <= kMaxEthernetLength) {
        c.info.outcome = Outcome::NonIp;
        return;
    }
    dispatch_ethertype(*protocol, r, c);
}

void decode_bsd_null(ByteReader r, DecodeContext& c) {
    // The family is in the capturing host's byte order; a value that only fits one way
    // round tells which.
    auto family = r.le32();
    if (!family) return c.fail(DecodeError::TruncatedLinkHeader);
    std::uint32_t f = *family;
    if ((f & 0xffff0000U) != 0) f = __builtin_bswap32(f);
    if (!c.enter_layer()) return;
    dispatch_bsd_family(f, r, c);
}

void decode_bsd_loop(ByteReader r, DecodeContext& c) {
    auto family = r.be32();
    if (!family) return c.fail(DecodeError::TruncatedLinkHeader);
    if (!c.enter_layer()) return;
    dispatch_bsd_family(*family, r, c);
}

void decode_ppp(ByteReader r, DecodeContext& c) {
    // RFC 1662 HDLC-like framing may keep address 0xff and control 0x03 in front.
    if (r.peek_u8(0) == 0xff && r.peek_u8(1) == 0x03) (void)r.skip(2);
    auto first = r.u8();
    if (!first) return c.fail(DecodeError::TruncatedPppHeader);
    std::uint16_t protocol = *first;
    // RFC 1661 6.5: with protocol field compression the field is one odd byte.
    if ((*first & 1) == 0) {
        auto second = r.u8();
        if (!second) return c.fail(DecodeError::TruncatedPppHeader);
        protocol = static_cast<std::uint16_t>(protocol << 8 | *second);
    }
    decode_ppp_protocol(protocol, r, c);
}

void decode_ppp_serial(ByteReader r, DecodeContext& c) {
    // Cisco HDLC (RFC 1547 4.3.1): address 0x0f (unicast) or 0x8f (broadcast), control 0, then
    // an ethertype. PPP's address byte is 0xff, so the first byte tells them apart.
    auto address = r.peek_u8(0);
    if ((address == 0x0f || address == 0x8f) && r.peek_u8(1) == 0x00) {
        (void)r.skip(2);
        auto type = r.be16();
        if (!type) return c.fail(DecodeError::TruncatedLinkHeader);
        return dispatch_ethertype(*type, r, c);
    }
    decode_ppp(r, c);
}

void decode_ppp_protocol(std::uint16_t protocol, ByteReader r, DecodeContext& c) {
    if (!c.enter_layer()) return;
    switch (protocol) {
    case kPppIpv4:
        return decode_ipv4(r, c);
    case kPppIpv6:
        return decode_ipv6(r, c);
    case kPppMplsUnicast:
    case kPppMplsMulticast:
        return decode_mpls(r, c);
    default:
        c.info.outcome = Outcome::NonIp; // LCP, IPCP, CHAP...
    }
}

void decode_mpls(ByteReader r, DecodeContext& c) {
    // RFC 3032: 4-byte label stack entries until the bottom-of-stack bit; the payload type is
    // not signalled, so the first nibble after the stack says (RFC 4385: 0 is a control word).
    for (;;) {
        if (!c.enter_layer()) return;
        auto entry = r.be32();
        if (!entry) return c.fail(DecodeError::TruncatedMplsLabel);
        if ((*entry & 0x100U) != 0) break;
    }
    auto first = r.peek_u8();
    if (!first) return c.fail(DecodeError::TruncatedMplsLabel);
    switch (*first >> 4) {
    case 4:
        return decode_ipv4(r, c);
    case 6:
        return decode_ipv6(r, c);
    case 0:
        // Pseudowire control word, then an Ethernet frame (RFC 4448).
        if (!r.skip(4)) return c.fail(DecodeError::TruncatedMplsLabel);
        return decode_ethernet(r, c);
    default:
        c.info.outcome = Outcome::NonIp;
    }
}

void decode_raw_ip(ByteReader r, DecodeContext& c) {
    auto first = r.peek_u8();
    if (!first) return c.fail(DecodeError::TruncatedIpv4Header);
    if ((*first >> 4) == 6) return decode_ipv6(r, c);
    decode_ipv4(r, c); // reports a version mismatch for anything but 4
}

void decode_nflog(ByteReader r, DecodeContext& c) {
    // Linux NFLOG: family, version, resource id, then TLVs whose length and type are in host
    // byte order (little-endian on every capture we know of); NFULA_PAYLOAD (9) holds the
    // packet from its IP header on.
    constexpr std::uint16_t kNfulaPayload = 9;
    auto family = r.u8();
    if (!family || !r.skip(3)) return c.fail(DecodeError::TruncatedNflogHeader);
    for (;;) {
        if (r.empty()) {
            // A snaplen that ends on a TLV boundary may have cut off NFULA_PAYLOAD.
            if (c.missing > 0) return c.fail(DecodeError::TruncatedNflogHeader);
            c.info.outcome = Outcome::NonIp; // metadata only, no packet attached
            return;
        }
        auto length = r.le16();
        auto type = r.le16();
        if (!length || !type) return c.fail(DecodeError::TruncatedNflogHeader);
        if (*length < 4) return c.fail(DecodeError::NflogBadTlv);
        const std::size_t value_len = *length - 4U;
        if ((*type & 0x7fff) == kNfulaPayload) {
            // A length past even the uncaptured bytes is left as it was: the layers inside
            // find their own lengths.
            (void)c.limit_to(r, value_len);
            if (!c.enter_layer()) return;
            if (*family == kBsdAfInet) return decode_ipv4(r, c);
            if (*family == kLinuxAfInet6) return decode_ipv6(r, c);
            c.info.outcome = Outcome::NonIp;
            return;
        }
        const std::size_t padded = (value_len + 3U) & ~std::size_t{3};
        if (!r.skip(padded)) {
            // A TLV that runs past the end: the payload, if any, was cut off.
            return c.fail(DecodeError::TruncatedNflogHeader);
        }
    }
}

} // namespace pairwatch::decode
