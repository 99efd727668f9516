// Tunnel headers: GRE (RFC 2784/2890, PPTP's RFC 2637, ERSPAN), VXLAN (RFC 7348),
// GENEVE (RFC 8926) and Teredo (RFC 4380). Each hands its payload to the ethertype dispatch.
#include "layers.h"

namespace pairwatch::decode {

namespace {
constexpr std::uint16_t kGreChecksum = 0x8000;
constexpr std::uint16_t kGreRouting = 0x4000;
constexpr std::uint16_t kGreKey = 0x2000;
constexpr std::uint16_t kGreSequence = 0x1000;
constexpr std::uint16_t kGreAck = 0x0080; // version 1 (PPTP) only
constexpr std::uint16_t kGreErspanII = 0x88be;
constexpr std::uint16_t kGreErspanIII = 0x22eb;
} // namespace

void decode_gre(ByteReader r, DecodeContext& c) {
    if (!c.enter_layer()) return;
    auto flags = r.be16();
    auto protocol = r.be16();
    if (!flags || !protocol) return c.fail(DecodeError::TruncatedTunnelHeader);
    const unsigned version = *flags & 0x7U;
    std::size_t optional = 0;
    if (version == 0) {
        if ((*flags & (kGreChecksum | kGreRouting)) != 0) optional += 4;
        if ((*flags & kGreKey) != 0) optional += 4;
        if ((*flags & kGreSequence) != 0) optional += 4;
    } else if (version == 1) {
        // PPTP's enhanced GRE: the key field always, sequence and acknowledgement optional.
        optional += 4;
        if ((*flags & kGreSequence) != 0) optional += 4;
        if ((*flags & kGreAck) != 0) optional += 4;
    } else {
        c.info.outcome = Outcome::NonIp;
        return;
    }
    if (!r.skip(optional)) return c.fail(DecodeError::TruncatedTunnelHeader);
    if (version == 1 && (*flags & kGreSequence) == 0) {
        // RFC 2637 4.1: S clear means no payload, an acknowledgement only: nothing to open,
        // and nothing broken.
        c.info.outcome = Outcome::OtherIp;
        return;
    }
    if (version == 0 && (*flags & kGreRouting) != 0) {
        // RFC 1701 source routing entries, ended by one with length 0.
        for (;;) {
            auto family = r.be16();
            auto offset = r.u8();
            auto length = r.u8();
            if (!family || !offset || !length) return c.fail(DecodeError::TruncatedTunnelHeader);
            if (*length == 0) break;
            if (!r.skip(*length)) return c.fail(DecodeError::TruncatedTunnelHeader);
        }
    }
    switch (*protocol) {
    case kGreErspanII:
        // ERSPAN type II has an 8-byte header, type I (no sequence number) none.
        if ((*flags & kGreSequence) != 0 && !r.skip(8)) {
            return c.fail(DecodeError::TruncatedTunnelHeader);
        }
        return decode_ethernet(r, c);
    case kGreErspanIII: {
        // 12 bytes, plus an 8-byte platform subheader when its O bit is set.
        auto third = r.peek_u8(11);
        if (!third || !r.skip(12)) return c.fail(DecodeError::TruncatedTunnelHeader);
        if ((*third & 0x01) != 0 && !r.skip(8)) return c.fail(DecodeError::TruncatedTunnelHeader);
        return decode_ethernet(r, c);
    }
    default:
        return dispatch_ethertype(*protocol, r, c);
    }
}

void decode_vxlan(ByteReader r, DecodeContext& c) {
    if (!c.enter_layer()) return;
    // flags (I bit 0x08 means the VNI is valid), 3 reserved, VNI, 1 reserved; Ethernet follows.
    auto flags = r.u8();
    if (!flags || !r.skip(7)) return c.fail(DecodeError::TruncatedTunnelHeader);
    if ((*flags & 0x08) == 0) {
        c.info.outcome = Outcome::NonIp;
        return;
    }
    decode_ethernet(r, c);
}

void decode_geneve(ByteReader r, DecodeContext& c) {
    if (!c.enter_layer()) return;
    auto ver_optlen = r.u8();
    auto flags = r.u8();
    auto protocol = r.be16();
    if (!ver_optlen || !flags || !protocol || !r.skip(4)) {
        return c.fail(DecodeError::TruncatedTunnelHeader);
    }
    if ((*ver_optlen >> 6) != 0) {
        c.info.outcome = Outcome::NonIp; // RFC 8926 3.4: unknown versions are not parsed
        return;
    }
    if (!r.skip(std::size_t{*ver_optlen & 0x3fU} * 4)) {
        return c.fail(DecodeError::TruncatedTunnelHeader);
    }
    dispatch_ethertype(*protocol, r, c);
}

void decode_teredo(ByteReader r, DecodeContext& c) {
    if (!c.enter_layer()) return;
    // RFC 4380 5.1.1: an authentication indicator and/or an origin indication may precede
    // the IPv6 packet.
    auto indicator = r.peek_be16();
    if (indicator == 0x0001) {
        auto id_len = r.peek_u8(2);
        auto auth_len = r.peek_u8(3);
        if (!id_len || !auth_len) return c.fail(DecodeError::TruncatedTunnelHeader);
        // indicator, lengths, client id, authentication value, nonce (8), confirmation (1)
        if (!r.skip(4 + std::size_t{*id_len} + *auth_len + 9)) {
            return c.fail(DecodeError::TruncatedTunnelHeader);
        }
        indicator = r.peek_be16();
    }
    if (indicator == 0x0000) {
        if (!r.skip(8)) return c.fail(DecodeError::TruncatedTunnelHeader);
    }
    auto first = r.peek_u8();
    if (!first || (*first >> 4) != 6) {
        c.info.outcome = Outcome::NonIp; // Teredo's own qualification and bubble traffic
        return;
    }
    decode_ipv6(r, c);
}

} // namespace pairwatch::decode
