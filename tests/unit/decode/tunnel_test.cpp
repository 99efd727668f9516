// Tunnels (tunnel.cpp, open_tunnel in tunnel_inl.h, and the IP/UDP dispatch that opens them):
// IP-in-IP, GRE (RFC 2784/2890, RFC 1701 routing, PPTP, ERSPAN), VXLAN, GENEVE, Teredo and
// MPLS-in-UDP. The innermost socket pair is reported; a tunnel that does not decode to TCP/UDP
// leaves the packet it arrived in.
#include "support/frame_builder.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::Outcome;
using decode::PacketInfo;
using decode::TunnelKind;

// The inner conversation every tunnel test carries: 10.0.0.1:1111 > 10.0.0.2:2222 over TCP.
FrameBuilder& inner_tcp(FrameBuilder& b) {
    return b.ipv4({.src = "10.0.0.1", .dst = "10.0.0.2"})
        .tcp({.sport = 1111, .dport = 2222, .flags = 0x12})
        .payload(4);
}

::testing::AssertionResult is_inner(const PacketInfo& info, int depth, TunnelKind outer) {
    auto r = has_pair(info, Outcome::Tcp, "10.0.0.1", 1111, "10.0.0.2", 2222);
    if (!r) return r;
    if (info.tunnel_depth != depth || info.outer_tunnel != outer) {
        return ::testing::AssertionFailure()
               << "tunnel_depth " << int{info.tunnel_depth} << " outer "
               << decode::to_string(info.outer_tunnel) << ", want " << depth << " "
               << decode::to_string(outer);
    }
    if (info.tunnel_undecoded) return ::testing::AssertionFailure() << "tunnel_undecoded set";
    return ::testing::AssertionSuccess();
}

/// The outer packet stands: no tunnel depth, `undecoded` as given.
::testing::AssertionResult is_outer(const PacketInfo& info, Outcome outcome, bool undecoded) {
    if (info.outcome != outcome || info.tunnel_depth != 0 ||
        info.outer_tunnel != TunnelKind::None || info.tunnel_undecoded != undecoded ||
        decode::to_string(info.src) != "192.0.2.1" ||
        decode::to_string(info.dst) != "198.51.100.2") {
        return ::testing::AssertionFailure()
               << "got " << decode::to_string(info.outcome) << " " << decode::to_string(info.src)
               << " > " << decode::to_string(info.dst) << " depth " << int{info.tunnel_depth}
               << " undecoded " << info.tunnel_undecoded << " (error "
               << decode::to_string(info.error) << "), want outer " << decode::to_string(outcome)
               << " undecoded " << undecoded;
    }
    return ::testing::AssertionSuccess();
}

/// Outer UDP to `port` (the default outer addresses), ready for a tunnel header.
FrameBuilder& outer_udp(FrameBuilder& b, std::uint16_t port) {
    return b.ethernet().ipv4().udp({.sport = 49152, .dport = port});
}

// ---- IP in IP ----

TEST(IpInIp, EachVersionInEach) {
    for (bool outer6 : {false, true}) {
        for (bool inner6 : {false, true}) {
            FrameBuilder b;
            b.ethernet();
            if (outer6)
                b.ipv6();
            else
                b.ipv4();
            if (inner6)
                b.ipv6({.src = "fd00::1", .dst = "fd00::2"});
            else
                b.ipv4({.src = "10.0.0.1", .dst = "10.0.0.2"});
            b.tcp({.sport = 1111, .dport = 2222}).payload(9);
            const PacketInfo info = decode_one(DLT_EN10MB, b.build());
            SCOPED_TRACE(::testing::Message() << "outer6 " << outer6 << " inner6 " << inner6);
            if (inner6) {
                EXPECT_TRUE(has_pair(info, Outcome::Tcp, "fd00::1", 1111, "fd00::2", 2222));
            } else {
                EXPECT_TRUE(has_pair(info, Outcome::Tcp, "10.0.0.1", 1111, "10.0.0.2", 2222));
            }
            EXPECT_EQ(info.tunnel_depth, 1);
            EXPECT_EQ(info.outer_tunnel, TunnelKind::IpInIp);
            EXPECT_EQ(info.ip_version, inner6 ? 6 : 4);
            EXPECT_EQ(info.ip_len, (inner6 ? 40U : 20U) + 20 + 9);
            EXPECT_EQ(info.payload_len, 9U);
        }
    }
}

TEST(IpInIp, InnerThatIsNotTcpOrUdpLeavesTheOuterPacket) {
    const Bytes icmp = FrameBuilder{}.ethernet().ipv4().ipv4({.src = "10.0.0.1"}).icmp().build();
    PacketInfo info = decode_one(DLT_EN10MB, icmp);
    EXPECT_TRUE(is_outer(info, Outcome::OtherIp, false));
    EXPECT_EQ(info.ip_proto, 4);

    const Bytes broken = FrameBuilder{}.ethernet().ipv4().ipv4({.ihl = 2}).tcp().build();
    info = decode_one(DLT_EN10MB, broken);
    EXPECT_TRUE(is_outer(info, Outcome::OtherIp, true));
    EXPECT_EQ(info.ip_proto, 4);
    EXPECT_EQ(info.ip_len, 60U);
}

TEST(IpInIp, NestingWithinTheLayerCap) {
    FrameBuilder b;
    b.ethernet().ipv4();
    for (int i = 0; i < 9; ++i) b.ipv4({.src = "10.9.9.9"});
    inner_tcp(b);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, b.build()), 10, TunnelKind::IpInIp));
}

TEST(IpInIp, NestingPastTheLayerCapKeepsTheOutermostPacket) {
    FrameBuilder b;
    b.ethernet().ipv4();
    for (int i = 0; i < 2 * decode::kMaxLayers; ++i) b.ipv4({.src = "10.9.9.9"});
    inner_tcp(b);
    decode::Decoder decoder(DLT_EN10MB);
    PacketInfo info;
    const Bytes frame = b.build();
    decoder.decode(raw_frame(frame), info);
    EXPECT_EQ(info.outcome, Outcome::OtherIp);
    EXPECT_EQ(info.tunnel_depth, 0);
    EXPECT_EQ(decode::to_string(info.src), "192.0.2.1");
    EXPECT_EQ(info.sport, 0);
    EXPECT_TRUE(decoder.stats().adds_up());
}

// ---- GRE ----

TEST(Gre, Ipv4InGre) {
    FrameBuilder b;
    b.ethernet().ipv4().gre();
    inner_tcp(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_inner(info, 1, TunnelKind::Gre));
    EXPECT_EQ(info.ip_len, 44U);
    EXPECT_EQ(info.payload_len, 4U);
    EXPECT_EQ(info.tcp_flags, 0x12);
}

TEST(Gre, OptionalFields) {
    const Gre variants[] = {
        {.checksum = true},
        {.key = true},
        {.sequence = true},
        {.checksum = true, .key = true, .sequence = true},
    };
    for (const Gre& gre : variants) {
        FrameBuilder b;
        b.ethernet().ipv6().gre(gre);
        inner_tcp(b);
        EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, b.build()), 1, TunnelKind::Gre))
            << gre.checksum << gre.key << gre.sequence;
    }
}

TEST(Gre, Rfc1701SourceRouting) {
    FrameBuilder b;
    b.ethernet().ipv4().gre({.key = true, .routing = {{192, 0, 2, 9}, {1, 2, 3, 4, 5, 6, 7, 8}}});
    inner_tcp(b);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, b.build()), 1, TunnelKind::Gre));
}

TEST(Gre, TransparentEthernetKeepsOnlyTheOuterVlan) {
    FrameBuilder b;
    b.ethernet().vlan({.id = 30}).ipv4().gre().ethernet().vlan({.id = 99});
    inner_tcp(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_inner(info, 1, TunnelKind::Gre));
    ASSERT_EQ(info.vlan_count, 1); // tags inside a tunnel belong to the tunnelled network
    EXPECT_EQ(info.vlan[0], 30);
}

TEST(Gre, PptpEnhancedGreCarriesPpp) {
    for (bool ack : {false, true}) {
        FrameBuilder b;
        b.ethernet().ipv4().gre({.sequence = true, .ack = ack, .version = 1}).ppp({.hdlc = true});
        inner_tcp(b);
        EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, b.build()), 1, TunnelKind::Gre)) << ack;
    }
}

// RFC 2637 4.1: a PPTP enhanced-GRE packet may carry only an acknowledgement (A set, S clear:
// "payload is not present"); that is the outer packet, not a tunnel that did not decode.
TEST(Gre, PptpAcknowledgementWithoutPayloadIsNotABrokenTunnel) {
    const Bytes ack_only =
        FrameBuilder{}
            .ethernet()
            .ipv4()
            .gre({.ack = true, .version = 1, .protocol = 0x880b, .key_value = 0x00000007})
            .build();
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, ack_only), Outcome::OtherIp, false));
}

TEST(Gre, Erspan) {
    FrameBuilder type1; // no sequence number, no ERSPAN header
    type1.ethernet().ipv4().gre({.protocol = 0x88be}).ethernet();
    inner_tcp(type1);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, type1.build()), 1, TunnelKind::Gre));

    FrameBuilder type2;
    type2.ethernet().ipv4().gre({.sequence = true}).erspan2().ethernet();
    inner_tcp(type2);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, type2.build()), 1, TunnelKind::Gre));

    for (bool platform : {false, true}) {
        FrameBuilder type3;
        type3.ethernet().ipv4().gre({.sequence = true}).erspan3({.platform = platform}).ethernet();
        inner_tcp(type3);
        EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, type3.build()), 1, TunnelKind::Gre))
            << platform;
    }
}

TEST(Gre, UnknownVersionOrPayloadLeavesTheOuterPacket) {
    FrameBuilder v2;
    v2.ethernet().ipv4().gre({.version = 2, .protocol = 0x0800});
    inner_tcp(v2);
    PacketInfo info = decode_one(DLT_EN10MB, v2.build());
    EXPECT_TRUE(is_outer(info, Outcome::OtherIp, false));
    EXPECT_EQ(info.ip_proto, 47);

    info = decode_one(DLT_EN10MB, FrameBuilder{}.ethernet().ipv4().gre().ethernet().arp().build());
    EXPECT_TRUE(is_outer(info, Outcome::OtherIp, false));

    const Bytes garbage = FrameBuilder{}.ethernet().ipv4().gre().ipv4({.ihl = 3}).tcp().build();
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, garbage), Outcome::OtherIp, true));
}

TEST(Gre, EveryCut) {
    FrameBuilder b;
    b.ethernet().ipv4().gre();
    inner_tcp(b);
    const Bytes frame = b.build();
    ASSERT_EQ(frame.size(), 82U);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 34) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 62) {
            // GRE header, inner IPv4 header or inner ports cut: the outer packet, cut.
            EXPECT_TRUE(is_outer(info, Outcome::OtherIp, true));
            EXPECT_TRUE(info.snap_cut);
        } else {
            EXPECT_TRUE(is_inner(info, 1, TunnelKind::Gre));
            EXPECT_TRUE(info.snap_cut);
        }
    });
}

// ---- VXLAN ----

TEST(Vxlan, InnerSocketPairEitherDirection) {
    for (bool reply : {false, true}) {
        FrameBuilder b;
        b.ethernet().vlan({.id = 5}).ipv4();
        if (reply)
            b.udp({.sport = decode::kVxlanPort, .dport = 40000});
        else
            b.udp({.sport = 40000, .dport = decode::kVxlanPort});
        b.vxlan().ethernet().vlan({.id = 77});
        inner_tcp(b);
        const PacketInfo info = decode_one(DLT_EN10MB, b.build());
        EXPECT_TRUE(is_inner(info, 1, TunnelKind::Vxlan)) << reply;
        EXPECT_EQ(info.vlan_count, 1);
        EXPECT_EQ(info.vlan[0], 5);
        EXPECT_EQ(info.ip_len, 44U);
        EXPECT_EQ(info.payload_len, 4U);
    }
}

TEST(Vxlan, WithoutTheIFlagIsNotOpened) {
    FrameBuilder b;
    outer_udp(b, decode::kVxlanPort).vxlan({.flags = 0}).ethernet();
    inner_tcp(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_outer(info, Outcome::Udp, false));
    EXPECT_EQ(info.sport, 49152);
    EXPECT_EQ(info.dport, decode::kVxlanPort);
}

TEST(Vxlan, GarbagePayloadLeavesTheOuterUdpPacket) {
    FrameBuilder b;
    outer_udp(b, decode::kVxlanPort).vxlan().ethernet().ipv4({.ihl = 3}).tcp();
    const Bytes frame = b.build();
    decode::Decoder decoder(DLT_EN10MB);
    PacketInfo info;
    decoder.decode(raw_frame(frame), info);
    EXPECT_TRUE(is_outer(info, Outcome::Udp, true));
    EXPECT_EQ(info.sport, 49152);
    EXPECT_EQ(info.dport, decode::kVxlanPort);
    EXPECT_EQ(info.ip_len, frame.size() - 14);
    EXPECT_EQ(info.payload_len, frame.size() - 14 - 28);
    EXPECT_EQ(info.error, DecodeError::kCount);
    EXPECT_EQ(decoder.stats().outcome(Outcome::Udp), 1U);
    EXPECT_EQ(decoder.stats().tunnel_not_opened, 1U);
    EXPECT_EQ(decoder.stats().error(DecodeError::Ipv4IhlBelowFive), 0U);

    // Bytes that are not even an Ethernet header.
    FrameBuilder junk;
    outer_udp(junk, decode::kVxlanPort).vxlan().payload(9, 0xff);
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, junk.build()), Outcome::Udp, true));
}

TEST(Vxlan, NonTcpUdpPayloadLeavesTheOuterUdpPacket) {
    FrameBuilder arp;
    outer_udp(arp, decode::kVxlanPort).vxlan().ethernet().arp();
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, arp.build()), Outcome::Udp, false));
    FrameBuilder icmp;
    outer_udp(icmp, decode::kVxlanPort).vxlan().ethernet().ipv4({.src = "10.0.0.1"}).icmp();
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, icmp.build()), Outcome::Udp, false));
}

TEST(Vxlan, EveryCut) {
    FrameBuilder b;
    outer_udp(b, decode::kVxlanPort).vxlan().ethernet();
    inner_tcp(b);
    const Bytes frame = b.build();
    ASSERT_EQ(frame.size(), 108U);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 34) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 38) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedUdpHeader));
        } else if (cut < 88) {
            // Before the UDP length there is no tunnel to open; after it the tunnel is cut.
            EXPECT_TRUE(is_outer(info, Outcome::Udp, cut >= 42));
            EXPECT_EQ(info.dport, decode::kVxlanPort);
            EXPECT_EQ(info.payload_len, 66U);
            EXPECT_TRUE(info.snap_cut);
        } else {
            EXPECT_TRUE(is_inner(info, 1, TunnelKind::Vxlan));
            EXPECT_TRUE(info.snap_cut);
        }
    });
}

// RFC 768: the UDP length, not the IP length, bounds what a tunnel inside may claim past the
// capture: bytes the outer IP datagram holds after the UDP datagram are not the tunnel's, so an
// inner IPv4 total length running past the UDP datagram fails (Ipv4TotalLengthBeyondFrame) and
// the outer UDP packet stands.
TEST(Vxlan, InnerLengthIsBoundedByTheUdpLengthUnderASnaplen) {
    FrameBuilder b;
    b.ethernet().ipv4({.total_length = 20 + 74 + 200});
    b.udp({.sport = 40000, .dport = decode::kVxlanPort, .length = 74}).vxlan().ethernet();
    b.ipv4({.src = "10.0.0.1", .dst = "10.0.0.2", .total_length = 240});
    b.tcp({.sport = 1111, .dport = 2222}).payload(4);
    const Bytes frame = b.build();
    const std::size_t wire = 14 + 20 + 74 + 200;
    const PacketInfo info = decode_one(DLT_EN10MB, first(frame, 90), wire);
    EXPECT_TRUE(is_outer(info, Outcome::Udp, true));
    EXPECT_EQ(info.dport, decode::kVxlanPort);
}

// ---- GENEVE ----

TEST(Geneve, EthernetWithOptions) {
    FrameBuilder b;
    outer_udp(b, decode::kGenevePort)
        .geneve({.options = {0x01, 0x02, 0x80, 0x02, 1, 2, 3, 4, 5, 6, 7, 8}})
        .ethernet();
    inner_tcp(b);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, b.build()), 1, TunnelKind::Geneve));
}

TEST(Geneve, IpProtocolTypes) {
    FrameBuilder v4;
    outer_udp(v4, decode::kGenevePort).geneve();
    inner_tcp(v4);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, v4.build()), 1, TunnelKind::Geneve));

    FrameBuilder v6;
    outer_udp(v6, decode::kGenevePort).geneve().ipv6().udp({.sport = 7, .dport = 8});
    const PacketInfo info = decode_one(DLT_EN10MB, v6.build());
    EXPECT_TRUE(has_pair(info, Outcome::Udp, "2001:db8::1", 7, "2001:db8::2", 8));
    EXPECT_EQ(info.outer_tunnel, TunnelKind::Geneve);
}

TEST(Geneve, UnknownVersionIsNotOpened) {
    FrameBuilder b;
    outer_udp(b, decode::kGenevePort).geneve({.version = 1}).ethernet();
    inner_tcp(b);
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, b.build()), Outcome::Udp, false));
}

TEST(Geneve, OptionsPastThePayload) {
    FrameBuilder b;
    outer_udp(b, decode::kGenevePort).geneve({.opt_len = 63}).ethernet();
    inner_tcp(b);
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, b.build()), Outcome::Udp, true));
}

TEST(Geneve, EveryCut) {
    FrameBuilder b;
    outer_udp(b, decode::kGenevePort).geneve({.options = {1, 2, 3, 4}}).ethernet();
    inner_tcp(b);
    const Bytes frame = b.build();
    ASSERT_EQ(frame.size(), 112U);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (!snaplen || cut < 38) {
            EXPECT_FALSE(info.has_ports());
            EXPECT_TRUE(info.outcome == Outcome::Malformed || info.outcome == Outcome::Truncated);
        } else if (cut < 92) {
            EXPECT_TRUE(is_outer(info, Outcome::Udp, cut >= 42));
            EXPECT_EQ(info.dport, decode::kGenevePort);
        } else {
            EXPECT_TRUE(is_inner(info, 1, TunnelKind::Geneve));
        }
    });
}

// ---- Teredo ----

FrameBuilder& teredo_inner(FrameBuilder& b) {
    return b.ipv6({.src = "2001:0:4136:e378:8000:63bf:3fff:fdd2", .dst = "2001:db8::99"})
        .udp({.sport = 3000, .dport = 4000})
        .payload(6);
}

::testing::AssertionResult is_teredo_inner(const PacketInfo& info) {
    auto r = has_pair(info, Outcome::Udp, "2001:0:4136:e378:8000:63bf:3fff:fdd2", 3000,
                      "2001:db8::99", 4000);
    if (!r) return r;
    if (info.tunnel_depth != 1 || info.outer_tunnel != TunnelKind::Teredo) {
        return ::testing::AssertionFailure() << "not inside Teredo";
    }
    return ::testing::AssertionSuccess();
}

TEST(Teredo, PlainAndWithIndicators) {
    const Teredo variants[] = {
        {},
        {.origin = true},
        {.auth = true},
        {.auth = true, .id_len = 4, .auth_len = 8, .origin = true},
    };
    for (const Teredo& t : variants) {
        FrameBuilder b;
        outer_udp(b, decode::kTeredoPort).teredo(t);
        teredo_inner(b);
        const PacketInfo info = decode_one(DLT_EN10MB, b.build());
        EXPECT_TRUE(is_teredo_inner(info)) << t.auth << t.origin;
        EXPECT_EQ(info.payload_len, 6U);
        EXPECT_EQ(info.ip_version, 6);
    }
}

TEST(Teredo, ServerSideReply) {
    FrameBuilder b;
    b.ethernet().ipv4().udp({.sport = decode::kTeredoPort, .dport = 61000});
    teredo_inner(b);
    EXPECT_TRUE(is_teredo_inner(decode_one(DLT_EN10MB, b.build())));
}

TEST(Teredo, BubblesAndNonIpv6AreTheOuterPacket) {
    // RFC 4380 2.8: a bubble is an IPv6 header with No Next Header and no payload.
    FrameBuilder bubble;
    outer_udp(bubble, decode::kTeredoPort).ipv6({.next = 59});
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, bubble.build()), Outcome::Udp, false));

    FrameBuilder other;
    outer_udp(other, decode::kTeredoPort).payload(20, 0x45);
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, other.build()), Outcome::Udp, false));
}

TEST(Teredo, AuthenticationPastThePayload) {
    FrameBuilder b;
    outer_udp(b, decode::kTeredoPort).raw({0x00, 0x01, 200, 200}).payload(10);
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, b.build()), Outcome::Udp, true));
}

TEST(Teredo, EveryCut) {
    FrameBuilder b;
    outer_udp(b, decode::kTeredoPort).teredo({.origin = true});
    teredo_inner(b);
    const Bytes frame = b.build();
    ASSERT_EQ(frame.size(), 104U);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (!snaplen || cut < 38) {
            EXPECT_FALSE(info.has_ports());
        } else if (cut < 94) {
            EXPECT_TRUE(info.outcome == Outcome::Udp && info.tunnel_depth == 0);
            EXPECT_EQ(info.dport, decode::kTeredoPort);
        } else {
            EXPECT_TRUE(is_teredo_inner(info));
        }
    });
}

// ---- MPLS in UDP (RFC 7510) ----

TEST(MplsInUdp, LabelStackThenIp) {
    FrameBuilder b;
    outer_udp(b, decode::kMplsUdpPort).mpls({.labels = {1000, 2000}});
    inner_tcp(b);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, b.build()), 1, TunnelKind::MplsUdp));

    FrameBuilder cut;
    outer_udp(cut, decode::kMplsUdpPort).mpls({.labels = {1000}, .bottom = false});
    EXPECT_TRUE(is_outer(decode_one(DLT_EN10MB, cut.build()), Outcome::Udp, true));
}

// ---- Nesting ----

TEST(Nesting, VxlanInsideGre) {
    FrameBuilder b;
    b.ethernet().ipv4().gre().ipv4({.src = "172.16.0.1", .dst = "172.16.0.2"});
    b.udp({.sport = 40000, .dport = decode::kVxlanPort}).vxlan().ethernet();
    inner_tcp(b);
    EXPECT_TRUE(is_inner(decode_one(DLT_EN10MB, b.build()), 2, TunnelKind::Gre));
}

TEST(Nesting, GarbageTwoLevelsDownKeepsTheMiddlePacket) {
    FrameBuilder b;
    b.ethernet().ipv4().gre().ipv4({.src = "172.16.0.1", .dst = "172.16.0.2"});
    b.udp({.sport = 40000, .dport = decode::kVxlanPort}).vxlan().ethernet().ipv4({.ihl = 1}).tcp();
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(
        has_pair(info, Outcome::Udp, "172.16.0.1", 40000, "172.16.0.2", decode::kVxlanPort));
    EXPECT_EQ(info.tunnel_depth, 1);
    EXPECT_EQ(info.outer_tunnel, TunnelKind::Gre);
    EXPECT_TRUE(info.tunnel_undecoded);
}

TEST(Nesting, DeepVxlanNestingStaysBounded) {
    FrameBuilder b;
    b.ethernet().ipv4();
    for (int i = 0; i < 3 * decode::kMaxLayers; ++i) {
        b.udp({.sport = 40000, .dport = decode::kVxlanPort}).vxlan().ethernet().ipv4();
    }
    inner_tcp(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    // Whatever level stands, it is a UDP packet of the chain, never the inner TCP pair.
    EXPECT_EQ(info.outcome, Outcome::Udp);
    EXPECT_EQ(info.dport, decode::kVxlanPort);
    EXPECT_LT(info.tunnel_depth, decode::kMaxLayers);
}

TEST(Nesting, TunnelStatsByOutermostKind) {
    decode::Decoder decoder(DLT_EN10MB);
    PacketInfo info;
    const auto feed = [&](const Bytes& frame) { decoder.decode(raw_frame(frame), info); };
    FrameBuilder gre;
    gre.ethernet().ipv4().gre();
    feed(inner_tcp(gre).build());
    FrameBuilder vxlan;
    outer_udp(vxlan, decode::kVxlanPort).vxlan().ethernet();
    const Bytes vxlan_frame = inner_tcp(vxlan).build();
    feed(vxlan_frame);
    feed(vxlan_frame);
    FrameBuilder broken;
    outer_udp(broken, decode::kVxlanPort).vxlan().payload(3);
    feed(broken.build());
    const auto& s = decoder.stats();
    EXPECT_EQ(s.frames, 4U);
    EXPECT_EQ(s.tunnelled, 3U);
    EXPECT_EQ(s.tunnels[static_cast<std::size_t>(TunnelKind::Gre)], 1U);
    EXPECT_EQ(s.tunnels[static_cast<std::size_t>(TunnelKind::Vxlan)], 2U);
    EXPECT_EQ(s.tunnel_not_opened, 1U);
    EXPECT_EQ(s.outcome(Outcome::Tcp), 3U);
    EXPECT_EQ(s.outcome(Outcome::Udp), 1U);
    EXPECT_TRUE(s.adds_up());
}

} // namespace
} // namespace pairwatch::test
