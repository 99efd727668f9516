// Link layers and ethertyped layers (link.cpp): Ethernet, 802.2 LLC/SNAP, VLAN, PPPoE, SLL,
// SLL2, BSD null/loop, PPP, MPLS, raw IP and NFLOG, each with a truncation loop.
#include "support/frame_builder.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::Outcome;
using decode::PacketInfo;

constexpr int kDltIpv4 = 228; // DLT_IPV4, absent from older pcap/dlt.h
constexpr int kDltIpv6 = 229;

// A small TCP segment on the default addresses: 40000 -> 80 with 10 payload bytes.
FrameBuilder& tcp_segment(FrameBuilder& b) {
    return b.ipv4().tcp({.seq = 7, .ack = 9, .flags = 0x18}).payload(10);
}

::testing::AssertionResult is_default_tcp(const PacketInfo& info) {
    return has_pair(info, Outcome::Tcp, "192.0.2.1", 40000, "198.51.100.2", 80);
}

// ---- Ethernet ----

TEST(Ethernet, Ipv4TcpGivesTheSocketPair) {
    FrameBuilder b;
    b.ethernet();
    tcp_segment(b);
    const Bytes frame = b.build();
    ASSERT_EQ(frame.size(), 14U + 20 + 20 + 10);
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.ip_version, 4);
    EXPECT_EQ(info.ip_len, 50U);
    EXPECT_EQ(info.payload_len, 10U);
    EXPECT_EQ(info.vlan_count, 0);
    EXPECT_EQ(info.cap_len, frame.size());
    EXPECT_EQ(info.wire_len, frame.size());
    EXPECT_FALSE(info.snap_cut);
    EXPECT_EQ(info.error, DecodeError::kCount);
}

TEST(Ethernet, PaddingAndFcsAfterTheDatagramAreIgnored) {
    // A 28-byte IPv4/UDP datagram padded to Ethernet's 60-byte minimum, plus a 4-byte FCS.
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4()
                            .udp({.sport = 1024, .dport = 2048})
                            .trailer(18 + 4)
                            .build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Udp, "192.0.2.1", 1024, "198.51.100.2", 2048));
    EXPECT_EQ(info.payload_len, 0U);
    EXPECT_EQ(info.ip_len, 28U);
    EXPECT_FALSE(info.snap_cut);
}

TEST(Ethernet, Ipv6) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv6().udp({.sport = 5353, .dport = 5353}).payload(3).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Udp, "2001:db8::1", 5353, "2001:db8::2", 5353));
    EXPECT_EQ(info.ip_version, 6);
    EXPECT_EQ(info.ip_len, 40U + 8 + 3);
    EXPECT_EQ(info.payload_len, 3U);
}

TEST(Ethernet, ArpAndUnknownEthertypesAreNotIp) {
    EXPECT_EQ(decode_one(DLT_EN10MB, FrameBuilder{}.ethernet().arp().build()).outcome,
              Outcome::NonIp);
    const Bytes lldp = FrameBuilder{}.ethernet({.type = 0x88cc}).payload(30).build();
    EXPECT_EQ(decode_one(DLT_EN10MB, lldp).outcome, Outcome::NonIp);
    const Bytes discovery = FrameBuilder{}.ethernet({.type = 0x8863}).payload(30).build();
    EXPECT_EQ(decode_one(DLT_EN10MB, discovery).outcome, Outcome::NonIp);
}

TEST(Ethernet, LlcSnapCarriesIp) {
    FrameBuilder b;
    b.ethernet({.type = 58}).llc_snap();
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_EN10MB, b.build())));
}

TEST(Ethernet, PlainLlcIsNotIp) {
    // Spanning tree: DSAP/SSAP 0x42, UI.
    const Bytes stp =
        FrameBuilder{}.ethernet({.type = 38}).raw({0x42, 0x42, 0x03}).payload(35).build();
    EXPECT_EQ(decode_one(DLT_EN10MB, stp).outcome, Outcome::NonIp);
}

// The 802.2 LLC header (DSAP, SSAP, control) cut short is a truncated link header: Truncated
// under a snaplen (it may be the SNAP header of an IP packet), a malformation in a whole frame;
// never NonIp (decode_error.h: Truncated* is a snaplen cut, or a malformation when whole).
TEST(Ethernet, LlcHeaderCutShortIsATruncatedLinkHeader) {
    FrameBuilder b;
    b.ethernet({.type = 58}).llc_snap();
    tcp_segment(b);
    const Bytes frame = b.build();
    for (std::size_t cut = 14; cut < 17; ++cut) {
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, cut), frame.size()), true,
                                 DecodeError::TruncatedLinkHeader))
            << cut;
    }
    const Bytes short_llc = FrameBuilder{}.ethernet({.type = 2}).raw({0xaa, 0xaa}).build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, short_llc), false, DecodeError::TruncatedLinkHeader));
}

TEST(Ethernet, LlcSnapCutShortIsATruncatedLinkHeader) {
    FrameBuilder b;
    b.ethernet({.type = 58}).llc_snap();
    tcp_segment(b);
    const Bytes frame = b.build();
    for (std::size_t cut = 17; cut < 22; ++cut) {
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, cut)), false,
                                 DecodeError::TruncatedLinkHeader))
            << cut;
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, cut), frame.size()), true,
                                 DecodeError::TruncatedLinkHeader))
            << cut;
    }
}

TEST(Ethernet, EveryCut) {
    FrameBuilder b;
    b.ethernet();
    tcp_segment(b);
    const Bytes frame = b.build();
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 34) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 38) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(is_default_tcp(info));
            EXPECT_TRUE(info.snap_cut);
            EXPECT_EQ(info.ip_len, 50U);
            if (cut >= 54) {
                EXPECT_EQ(info.payload_len, 10U);
                EXPECT_EQ(info.tcp_flags, 0x18);
                EXPECT_EQ(info.tcp_header_len, 20);
            }
        }
    });
}

// ---- VLAN ----

TEST(Vlan, OneTagGivesItsId) {
    FrameBuilder b;
    b.ethernet().vlan({.id = 100, .pcp = 5, .dei = true});
    tcp_segment(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_default_tcp(info));
    ASSERT_EQ(info.vlan_count, 1);
    EXPECT_EQ(info.vlan[0], 100); // priority and DEI bits are not part of the id
}

TEST(Vlan, QinQTagsOuterFirst) {
    for (std::uint16_t outer_tpid :
         {std::uint16_t{0x88a8}, std::uint16_t{0x9100}, std::uint16_t{0x8100}}) {
        FrameBuilder b;
        b.ethernet().vlan({.id = 200, .tpid = outer_tpid}).vlan({.id = 4094});
        tcp_segment(b);
        const PacketInfo info = decode_one(DLT_EN10MB, b.build());
        EXPECT_TRUE(is_default_tcp(info)) << outer_tpid;
        ASSERT_EQ(info.vlan_count, 2);
        EXPECT_EQ(info.vlan[0], 200);
        EXPECT_EQ(info.vlan[1], 4094);
    }
}

TEST(Vlan, ThirdTagIsDecodedButNotKept) {
    FrameBuilder b;
    b.ethernet().vlan({.id = 1}).vlan({.id = 2}).vlan({.id = 3});
    tcp_segment(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.vlan_count, 2);
    EXPECT_EQ(info.vlan[0], 1);
    EXPECT_EQ(info.vlan[1], 2);
}

TEST(Vlan, TaggedArpIsNotIp) {
    const PacketInfo info =
        decode_one(DLT_EN10MB, FrameBuilder{}.ethernet().vlan({.id = 7}).arp().build());
    EXPECT_EQ(info.outcome, Outcome::NonIp);
    EXPECT_EQ(info.vlan_count, 1);
}

TEST(Vlan, EveryCutOfTwoTags) {
    FrameBuilder b;
    b.ethernet().vlan({.id = 10}).vlan({.id = 20});
    tcp_segment(b);
    const Bytes frame = b.build();
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 22) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedVlanTag));
        } else if (cut < 42) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 46) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(is_default_tcp(info));
            EXPECT_TRUE(info.snap_cut);
            ASSERT_EQ(info.vlan_count, 2);
            EXPECT_EQ(info.vlan[0], 10);
            EXPECT_EQ(info.vlan[1], 20);
        }
    });
}

TEST(Vlan, DeepStacksStopAtTheLayerCap) {
    FrameBuilder ok;
    ok.ethernet();
    for (std::uint16_t i = 0; i < 8; ++i) ok.vlan({.id = i});
    tcp_segment(ok);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_EN10MB, ok.build())));

    FrameBuilder deep;
    deep.ethernet();
    for (std::uint16_t i = 0; i < 2 * decode::kMaxLayers; ++i) deep.vlan({.id = i});
    tcp_segment(deep);
    const Bytes frame = deep.build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TooManyLayers));
    // The cap is a malformation even when a snaplen also cut the frame.
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, frame.size() - 5), frame.size()),
                             false, DecodeError::TooManyLayers));
}

// ---- PPPoE ----

TEST(Pppoe, SessionCarriesIpv4AndIpv6) {
    FrameBuilder b;
    b.ethernet().pppoe({.session = 0x1234});
    tcp_segment(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.payload_len, 10U);

    const Bytes v6 = FrameBuilder{}.ethernet().pppoe().ipv6().udp().payload(1).build();
    EXPECT_TRUE(has_pair(decode_one(DLT_EN10MB, v6), Outcome::Udp, "2001:db8::1", 50000,
                         "2001:db8::2", 53));
}

TEST(Pppoe, VlanTaggedSession) {
    FrameBuilder b;
    b.ethernet().vlan({.id = 35}).pppoe();
    tcp_segment(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.vlan[0], 35);
}

TEST(Pppoe, ControlProtocolsAreNotIp) {
    const Bytes lcp = FrameBuilder{}.ethernet().pppoe({.protocol = 0xc021}).payload(10).build();
    EXPECT_EQ(decode_one(DLT_EN10MB, lcp).outcome, Outcome::NonIp);
}

TEST(Pppoe, LengthBeyondTheFrameIsMalformed) {
    FrameBuilder b;
    b.ethernet().pppoe({.length = 2 + 50 + 1});
    tcp_segment(b);
    const Bytes frame = b.build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::PppoeLengthBeyondFrame));
    // Beyond what the wire carried too.
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, 30), frame.size()), false,
                             DecodeError::PppoeLengthBeyondFrame));
}

TEST(Pppoe, LengthCutsOffPaddingAfterThePayload) {
    FrameBuilder b;
    b.ethernet().pppoe();
    tcp_segment(b).trailer(12, 0xee);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.payload_len, 10U);
}

TEST(Pppoe, LengthShorterThanTheDatagramLeavesItBeyondTheFrame) {
    FrameBuilder b;
    b.ethernet().pppoe({.length = 2 + 30});
    tcp_segment(b);
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, b.build()), false,
                             DecodeError::Ipv4TotalLengthBeyondFrame));
}

// RFC 2516 4: the PPPoE length bounds the PPP frame also under a snaplen: an IPv4 total length
// that runs past it (here by 100 bytes, which the wire holds as trailing bytes) is
// Ipv4TotalLengthBeyondFrame, not a snaplen cut.
TEST(Pppoe, InnerLengthIsBoundedByThePppoeLengthUnderASnaplen) {
    FrameBuilder b;
    b.ethernet().pppoe({.length = 2 + 50});
    b.ipv4({.total_length = 150}).tcp().payload(10).trailer(100);
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_EN10MB, first(frame, 14 + 8 + 40), frame.size());
    EXPECT_TRUE(stopped_with(info, true, DecodeError::Ipv4TotalLengthBeyondFrame));
}

TEST(Pppoe, EveryCut) {
    FrameBuilder b;
    b.ethernet().pppoe();
    tcp_segment(b);
    const Bytes frame = b.build();
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (!snaplen && cut >= 20) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::PppoeLengthBeyondFrame));
        } else if (cut < 22) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedPppoeHeader));
        } else if (cut < 42) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (cut < 46) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(is_default_tcp(info));
            EXPECT_TRUE(info.snap_cut);
        }
    });
}

// ---- Linux cooked captures ----

TEST(Sll, Ipv4AndIpv6) {
    FrameBuilder b;
    b.sll();
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_LINUX_SLL, b.build())));
    const Bytes v6 = FrameBuilder{}.sll().ipv6().tcp({.sport = 1, .dport = 2}).build();
    EXPECT_TRUE(
        has_pair(decode_one(DLT_LINUX_SLL, v6), Outcome::Tcp, "2001:db8::1", 1, "2001:db8::2", 2));
}

TEST(Sll, VlanTaggedProtocol) {
    FrameBuilder b;
    b.sll().vlan({.id = 12});
    tcp_segment(b);
    const PacketInfo info = decode_one(DLT_LINUX_SLL, b.build());
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.vlan[0], 12);
}

TEST(Sll, LinuxPseudoProtocolsAreNotIp) {
    // ETH_P_802_2 (4) with an LLC header; ETH_P_CAN (12).
    EXPECT_EQ(decode_one(DLT_LINUX_SLL,
                         FrameBuilder{}.sll(0x0004).raw({0xaa, 0xaa, 0x03}).payload(20).build())
                  .outcome,
              Outcome::NonIp);
    EXPECT_EQ(decode_one(DLT_LINUX_SLL, FrameBuilder{}.sll(0x000c).payload(16).build()).outcome,
              Outcome::NonIp);
    EXPECT_EQ(decode_one(DLT_LINUX_SLL, FrameBuilder{}.sll().arp().build()).outcome,
              Outcome::NonIp);
}

TEST(Sll, EveryCut) {
    FrameBuilder b;
    b.sll();
    tcp_segment(b);
    for_each_cut(
        DLT_LINUX_SLL, b.build(), [](std::size_t cut, bool snaplen, const PacketInfo& info) {
            SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
            if (cut < 16) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
            } else if (cut < 36) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
            } else if (!snaplen) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
            } else if (cut < 40) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
            } else {
                EXPECT_TRUE(is_default_tcp(info));
            }
        });
}

TEST(Sll2, Ipv4AndIpv6) {
    FrameBuilder b;
    b.sll2();
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_LINUX_SLL2, b.build())));
    const Bytes v6 = FrameBuilder{}.sll2().ipv6().udp().build();
    EXPECT_TRUE(has_pair(decode_one(DLT_LINUX_SLL2, v6), Outcome::Udp, "2001:db8::1", 50000,
                         "2001:db8::2", 53));
    EXPECT_EQ(decode_one(DLT_LINUX_SLL2, FrameBuilder{}.sll2(0x0004).payload(20).build()).outcome,
              Outcome::NonIp);
}

TEST(Sll2, EveryCut) {
    FrameBuilder b;
    b.sll2();
    tcp_segment(b);
    for_each_cut(
        DLT_LINUX_SLL2, b.build(), [](std::size_t cut, bool snaplen, const PacketInfo& info) {
            SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
            if (cut < 20) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
            } else if (cut < 40) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
            } else if (!snaplen) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
            } else if (cut < 44) {
                EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
            } else {
                EXPECT_TRUE(is_default_tcp(info));
            }
        });
}

// ---- BSD loopback ----

TEST(BsdNull, FamilyInEitherByteOrder) {
    for (bool little : {true, false}) {
        FrameBuilder b;
        b.bsd_null(2, little);
        tcp_segment(b);
        EXPECT_TRUE(is_default_tcp(decode_one(DLT_NULL, b.build()))) << little;
    }
}

TEST(BsdNull, EachBsdIpv6Family) {
    for (std::uint32_t family : {24U, 28U, 30U}) {
        for (bool little : {true, false}) {
            const Bytes frame = FrameBuilder{}.bsd_null(family, little).ipv6().udp().build();
            EXPECT_TRUE(has_pair(decode_one(DLT_NULL, frame), Outcome::Udp, "2001:db8::1", 50000,
                                 "2001:db8::2", 53))
                << family << " " << little;
        }
    }
}

TEST(BsdNull, OtherFamiliesAreNotIp) {
    EXPECT_EQ(decode_one(DLT_NULL, FrameBuilder{}.bsd_null(7).payload(30).build()).outcome,
              Outcome::NonIp);
    // Linux's AF_INET6 (10) is not a BSD family.
    EXPECT_EQ(decode_one(DLT_NULL, FrameBuilder{}.bsd_null(10).ipv6().udp().build()).outcome,
              Outcome::NonIp);
}

TEST(BsdNull, EveryCut) {
    FrameBuilder b;
    b.bsd_null(2);
    tcp_segment(b);
    for_each_cut(DLT_NULL, b.build(), [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 4) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 24) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 28) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(is_default_tcp(info));
        }
    });
}

TEST(BsdLoop, FamilyInNetworkOrder) {
    FrameBuilder b;
    b.bsd_loop(2);
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_LOOP, b.build())));
    EXPECT_EQ(decode_one(DLT_LOOP, FrameBuilder{}.bsd_loop(30).ipv6().udp().build()).outcome,
              Outcome::Udp);
    // Host order on a little-endian machine is not what DLT_LOOP means.
    FrameBuilder little;
    little.bsd_null(2, true);
    tcp_segment(little);
    EXPECT_EQ(decode_one(DLT_LOOP, little.build()).outcome, Outcome::NonIp);
}

TEST(BsdLoop, EveryCut) {
    FrameBuilder b;
    b.bsd_loop(2);
    tcp_segment(b);
    for_each_cut(DLT_LOOP, b.build(), [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 4) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 24) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (snaplen && cut >= 28) {
            EXPECT_TRUE(is_default_tcp(info));
        } else {
            EXPECT_EQ(info.outcome, snaplen ? Outcome::Truncated : Outcome::Malformed);
        }
    });
}

// ---- PPP ----

TEST(Ppp, WithAndWithoutHdlcFraming) {
    for (int dlt : {DLT_PPP, DLT_PPP_SERIAL}) {
        for (bool hdlc : {true, false}) {
            FrameBuilder b;
            b.ppp({.hdlc = hdlc});
            tcp_segment(b);
            EXPECT_TRUE(is_default_tcp(decode_one(dlt, b.build()))) << dlt << " " << hdlc;
        }
    }
}

TEST(Ppp, CompressedProtocolField) {
    FrameBuilder b;
    b.ppp({.hdlc = true, .compressed = true});
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_PPP, b.build())));
    const Bytes v6 = FrameBuilder{}.ppp({.compressed = true}).ipv6().udp().build();
    EXPECT_EQ(decode_one(DLT_PPP, v6).outcome, Outcome::Udp);
}

TEST(Ppp, MplsAndControlProtocols) {
    FrameBuilder b;
    b.ppp({.hdlc = true}).mpls({.labels = {100}});
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_PPP, b.build())));
    for (std::uint16_t proto :
         {std::uint16_t{0xc021}, std::uint16_t{0x8021}, std::uint16_t{0xc223}}) {
        const Bytes control =
            FrameBuilder{}.ppp({.hdlc = true, .protocol = proto}).payload(8).build();
        EXPECT_EQ(decode_one(DLT_PPP, control).outcome, Outcome::NonIp) << proto;
    }
}

TEST(Ppp, EveryCut) {
    FrameBuilder b;
    b.ppp({.hdlc = true});
    tcp_segment(b);
    for_each_cut(DLT_PPP, b.build(), [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut == 1) {
            // A lone 0xff is the HDLC address or the compressed (reserved) protocol 0x00ff.
            EXPECT_FALSE(info.has_ports());
            EXPECT_TRUE(info.outcome == Outcome::NonIp ||
                        stopped_with(info, snaplen, DecodeError::TruncatedPppHeader));
        } else if (cut < 4) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedPppHeader));
        } else if (cut < 24) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 28) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(is_default_tcp(info));
        }
    });
}

// ---- MPLS ----

TEST(Mpls, LabelStackThenIpv4OrIpv6) {
    FrameBuilder b;
    b.ethernet().mpls({.labels = {100, 200, 300}});
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_EN10MB, b.build())));
    const Bytes v6 = FrameBuilder{}.ethernet({.type = 0x8848}).mpls().ipv6().udp().build();
    EXPECT_EQ(decode_one(DLT_EN10MB, v6).outcome, Outcome::Udp);
}

TEST(Mpls, PseudowireControlWordThenEthernet) {
    FrameBuilder b;
    b.ethernet().mpls({.labels = {1000, 2000}}).mpls_control_word().ethernet().vlan({.id = 9});
    tcp_segment(b);
    const PacketInfo info = decode_one(DLT_EN10MB, b.build());
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.vlan[0], 9);
}

TEST(Mpls, UnknownPayloadIsNotIp) {
    const Bytes frame = FrameBuilder{}.ethernet().mpls().raw({0x55}).payload(20).build();
    EXPECT_EQ(decode_one(DLT_EN10MB, frame).outcome, Outcome::NonIp);
}

TEST(Mpls, StackWithoutBottomIsTruncated) {
    const Bytes frame = FrameBuilder{}.ethernet().mpls({.labels = {1, 2}, .bottom = false}).build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TruncatedMplsLabel));
}

TEST(Mpls, DeepLabelStackStopsAtTheLayerCap) {
    std::vector<std::uint32_t> labels(3 * decode::kMaxLayers, 16);
    FrameBuilder b;
    b.ethernet().mpls({.labels = labels});
    tcp_segment(b);
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, b.build()), false, DecodeError::TooManyLayers));
}

TEST(Mpls, EveryCut) {
    FrameBuilder b;
    b.ethernet().mpls({.labels = {1, 2}});
    tcp_segment(b);
    for_each_cut(DLT_EN10MB, b.build(), [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 23) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedMplsLabel));
        } else if (cut < 42) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 46) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(is_default_tcp(info));
        }
    });
}

// ---- Raw IP ----

TEST(RawIp, VersionNibblePicksTheHeader) {
    FrameBuilder b;
    tcp_segment(b);
    const Bytes v4 = b.build();
    const Bytes v6 = FrameBuilder{}.ipv6().tcp().build();
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_RAW, v4)));
    EXPECT_TRUE(
        has_pair(decode_one(DLT_RAW, v6), Outcome::Tcp, "2001:db8::1", 40000, "2001:db8::2", 80));
}

// LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) are defined as starting with an IPv4 or an IPv6
// header respectively: the other version is a malformed frame, not a second way in.
TEST(RawIp, Ipv4AndIpv6LinkTypesTakeTheirVersionOnly) {
    FrameBuilder b;
    tcp_segment(b);
    const Bytes v4 = b.build();
    const Bytes v6 = FrameBuilder{}.ipv6().tcp().build();
    EXPECT_TRUE(is_default_tcp(decode_one(kDltIpv4, v4)));
    EXPECT_TRUE(stopped_with(decode_one(kDltIpv4, v6), false, DecodeError::Ipv4VersionMismatch));
    EXPECT_TRUE(
        has_pair(decode_one(kDltIpv6, v6), Outcome::Tcp, "2001:db8::1", 40000, "2001:db8::2", 80));
    EXPECT_TRUE(stopped_with(decode_one(kDltIpv6, v4), false, DecodeError::Ipv6VersionMismatch));
}

TEST(RawIp, EmptyAndUnknownVersions) {
    EXPECT_TRUE(stopped_with(decode_one(DLT_RAW, {}), false, DecodeError::TruncatedIpv4Header));
    EXPECT_TRUE(stopped_with(decode_one(DLT_RAW, {}, 60), true, DecodeError::TruncatedIpv4Header));
    const Bytes v5 = FrameBuilder{}.ipv4({.version = 5}).tcp().build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_RAW, v5), false, DecodeError::Ipv4VersionMismatch));
}

// ---- NFLOG ----

TEST(Nflog, PayloadAfterMetadataTlvs) {
    FrameBuilder b;
    b.nflog({.tlvs = {{1, {0x08, 0x00, 3, 0}}, {10, {'f', 'w', 0}}, {0x8002, {}}}});
    tcp_segment(b);
    EXPECT_TRUE(is_default_tcp(decode_one(DLT_NFLOG, b.build())));
    const Bytes v6 = FrameBuilder{}
                         .nflog({.family = 10, .tlvs = {{1, {0x86, 0xdd, 3, 0}}}})
                         .ipv6()
                         .udp()
                         .build();
    EXPECT_TRUE(
        has_pair(decode_one(DLT_NFLOG, v6), Outcome::Udp, "2001:db8::1", 50000, "2001:db8::2", 53));
}

TEST(Nflog, NoPayloadOrOtherFamilyIsNotIp) {
    const Bytes metadata_only =
        FrameBuilder{}.nflog({.tlvs = {{1, {0, 0, 0, 0}}}, .payload = false}).build();
    EXPECT_EQ(decode_one(DLT_NFLOG, metadata_only).outcome, Outcome::NonIp);
    const Bytes bridge = FrameBuilder{}.nflog({.family = 7}).payload(40).build();
    EXPECT_EQ(decode_one(DLT_NFLOG, bridge).outcome, Outcome::NonIp);
}

TEST(Nflog, TlvShorterThanItsHeaderIsBad) {
    const Bytes frame =
        FrameBuilder{}.nflog({.payload = false}).raw({3, 0, 1, 0}).payload(8).build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_NFLOG, frame), false, DecodeError::NflogBadTlv));
}

TEST(Nflog, MetadataTlvRunningPastTheFrame) {
    const Bytes frame =
        FrameBuilder{}.nflog({.payload = false}).raw({40, 0, 1, 0}).payload(8).build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_NFLOG, frame), false, DecodeError::TruncatedNflogHeader));
}

TEST(Nflog, PayloadTlvLengthLimitsTheDatagram) {
    // NFULA_PAYLOAD says 4 + 40 bytes: the 10 payload bytes after are not the datagram's.
    FrameBuilder b;
    b.nflog({.payload_tlv_length = 4 + 40});
    b.ipv4({.total_length = 50}).tcp().payload(10);
    EXPECT_TRUE(stopped_with(decode_one(DLT_NFLOG, b.build()), false,
                             DecodeError::Ipv4TotalLengthBeyondFrame));
}

// Captured bytes that end on a TLV boundary while wire_len says the frame goes on: the snaplen
// may have cut off NFULA_PAYLOAD, so Truncated, not "metadata only" NonIp.
TEST(Nflog, SnaplenCutBetweenTlvsIsTruncated) {
    FrameBuilder b;
    b.nflog({.tlvs = {{1, {0x08, 0x00, 3, 0}}}});
    tcp_segment(b);
    const Bytes frame = b.build();
    for (std::size_t cut : {std::size_t{4}, std::size_t{12}}) {
        EXPECT_TRUE(stopped_with(decode_one(DLT_NFLOG, first(frame, cut), frame.size()), true,
                                 DecodeError::TruncatedNflogHeader))
            << cut;
    }
}

TEST(Nflog, EveryCut) {
    FrameBuilder b;
    b.nflog({.tlvs = {{1, {0x08, 0x00, 3, 0}}}});
    tcp_segment(b);
    for_each_cut(DLT_NFLOG, b.build(), [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 4) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedNflogHeader));
        } else if (cut == 4 || cut == 12) {
            // Ends after a whole TLV: a whole frame has no payload attached (the snaplen case
            // is SnaplenCutBetweenTlvsIsTruncated).
            if (!snaplen) {
                EXPECT_EQ(info.outcome, Outcome::NonIp);
            }
            EXPECT_FALSE(info.has_ports());
        } else if (cut < 16) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedNflogHeader));
        } else if (cut < 36) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 40) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(is_default_tcp(info));
        }
    });
}

} // namespace
} // namespace pairwatch::test
