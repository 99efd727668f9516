// IPv4 (options, lengths, BIG TCP), IPv6 (extension chain, RFC 2675 jumbograms) and AH (ip.cpp).
// Fragments are in fragment_table_test.cpp.
#include "support/frame_builder.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::Outcome;
using decode::PacketInfo;

/// RFC 2675 2: the Jumbo Payload option, 6 bytes, which fills a Hop-by-Hop header exactly.
Octets jumbo_option(std::uint32_t length) {
    return {0xc2,
            4,
            static_cast<std::uint8_t>(length >> 24),
            static_cast<std::uint8_t>(length >> 16),
            static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length)};
}

::testing::AssertionResult is_v6_tcp(const PacketInfo& info) {
    return has_pair(info, Outcome::Tcp, "2001:db8::1", 40000, "2001:db8::2", 80);
}

// ---- IPv4 ----

TEST(Ipv4, HeaderFields) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4({.src = "10.1.2.3", .dst = "172.16.254.1", .df = true})
                            .tcp({.sport = 443, .dport = 51000})
                            .payload(5)
                            .build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "10.1.2.3", 443, "172.16.254.1", 51000));
    EXPECT_EQ(info.ip_version, 4);
    EXPECT_EQ(info.ip_proto, decode::kIpProtoTcp);
    EXPECT_EQ(info.ip_len, 45U);
    EXPECT_EQ(info.payload_len, 5U);
    EXPECT_TRUE(info.src.is_v4());
    EXPECT_EQ(info.src.v4(), 0x0a010203U);
    EXPECT_FALSE(info.fragment); // DF alone is not a fragment
    EXPECT_FALSE(info.non_first_fragment);
}

TEST(Ipv4, OptionsAreSkipped) {
    // Router Alert (RFC 2113), then a 39-byte Record Route filling the header to IHL 15.
    const Octets router_alert{0x94, 0x04, 0x00, 0x00};
    Octets record_route{0x07, 39, 4};
    record_route.resize(39, 0);
    for (const Octets& options : {router_alert, record_route}) {
        const Bytes frame = FrameBuilder{}
                                .ethernet()
                                .ipv4({.options = options})
                                .udp({.sport = 67, .dport = 68})
                                .payload(12)
                                .build();
        const PacketInfo info = decode_one(DLT_EN10MB, frame);
        EXPECT_TRUE(has_pair(info, Outcome::Udp, "192.0.2.1", 67, "198.51.100.2", 68));
        const std::size_t ihl = 20 + (options.size() + 3) / 4 * 4;
        EXPECT_EQ(info.ip_len, ihl + 8 + 12);
        EXPECT_EQ(info.payload_len, 12U);
    }
}

TEST(Ipv4, IhlBelowFiveIsMalformed) {
    for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
        const Bytes frame = FrameBuilder{}.ethernet().ipv4({.ihl = ihl}).tcp().build();
        EXPECT_TRUE(
            stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::Ipv4IhlBelowFive))
            << int{ihl};
        // Not a snaplen effect either.
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, 20), frame.size()), false,
                                 DecodeError::Ipv4IhlBelowFive))
            << int{ihl};
    }
}

TEST(Ipv4, VersionMismatch) {
    for (std::uint8_t version :
         {std::uint8_t{0}, std::uint8_t{5}, std::uint8_t{6}, std::uint8_t{15}}) {
        const Bytes frame = FrameBuilder{}.ethernet().ipv4({.version = version}).tcp().build();
        EXPECT_TRUE(
            stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::Ipv4VersionMismatch))
            << int{version};
    }
}

TEST(Ipv4, TotalLengthBelowTheHeader) {
    for (std::uint16_t total : {std::uint16_t{1}, std::uint16_t{19}}) {
        const Bytes frame = FrameBuilder{}.ethernet().ipv4({.total_length = total}).tcp().build();
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false,
                                 DecodeError::Ipv4TotalLengthBelowHeader))
            << total;
    }
    // With options the header is 24 bytes: 20..23 is still below it.
    for (std::uint16_t total : {std::uint16_t{20}, std::uint16_t{23}}) {
        const Bytes frame = FrameBuilder{}
                                .ethernet()
                                .ipv4({.options = {1, 1, 1, 1}, .total_length = total})
                                .tcp()
                                .build();
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false,
                                 DecodeError::Ipv4TotalLengthBelowHeader))
            << total;
    }
}

TEST(Ipv4, TotalLengthBeyondTheFrame) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv4({.total_length = 61}).tcp().payload(20).build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false,
                             DecodeError::Ipv4TotalLengthBeyondFrame));
    // Beyond the capture but within the wire: a snaplen cut, decoded from what is there.
    PacketInfo info = decode_one(DLT_EN10MB, frame, frame.size() + 1);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "192.0.2.1", 40000, "198.51.100.2", 80));
    EXPECT_TRUE(info.snap_cut);
    EXPECT_EQ(info.ip_len, 61U);
    EXPECT_EQ(info.payload_len, 21U);
    // Beyond the wire too.
    info = decode_one(DLT_EN10MB, first(frame, 50), frame.size());
    EXPECT_TRUE(stopped_with(info, false, DecodeError::Ipv4TotalLengthBeyondFrame));
}

TEST(Ipv4, TotalLengthLimitsTheDatagram) {
    // 24 bytes of link padding after the datagram are not TCP payload.
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv4().tcp({.flags = 0x10}).payload(4).trailer(24, 0x55).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_EQ(info.outcome, Outcome::Tcp);
    EXPECT_EQ(info.ip_len, 44U);
    EXPECT_EQ(info.payload_len, 4U);
    EXPECT_FALSE(info.snap_cut);
}

TEST(Ipv4, BigTcpTotalLengthZeroTakesTheFrameLength) {
    // Linux BIG TCP and TSO captures leave the IPv4 total length 0 (as tcpdump reads them).
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4({.total_length = 0})
                            .tcp({.flags = 0x10})
                            .payload(1000)
                            .build();
    PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "192.0.2.1", 40000, "198.51.100.2", 80));
    EXPECT_EQ(info.ip_len, 1040U);
    EXPECT_EQ(info.payload_len, 1000U);
    EXPECT_FALSE(info.snap_cut);

    // A 150000-byte BIG TCP super-packet captured with a 128-byte snaplen.
    const std::size_t wire = 14 + 20 + 20 + 150000;
    info = decode_one(DLT_EN10MB, first(frame, 128), wire);
    EXPECT_EQ(info.outcome, Outcome::Tcp);
    EXPECT_EQ(info.ip_len, 20U + 20 + 150000);
    EXPECT_EQ(info.payload_len, 150000U);
    EXPECT_TRUE(info.snap_cut);
}

TEST(Ipv4, OtherProtocolsKeepTheAddresses) {
    const PacketInfo icmp = decode_one(DLT_EN10MB, FrameBuilder{}.ethernet().ipv4().icmp().build());
    EXPECT_EQ(icmp.outcome, Outcome::OtherIp);
    EXPECT_EQ(icmp.ip_proto, 1);
    EXPECT_EQ(decode::to_string(icmp.src), "192.0.2.1");
    EXPECT_EQ(decode::to_string(icmp.dst), "198.51.100.2");
    EXPECT_EQ(icmp.ip_len, 28U);
    for (std::uint8_t proto : {std::uint8_t{50}, std::uint8_t{89}, std::uint8_t{132},
                               std::uint8_t{253}}) { // ESP, OSPF, SCTP, experimental
        const Bytes frame = FrameBuilder{}.ethernet().ipv4({.proto = proto}).payload(24).build();
        const PacketInfo info = decode_one(DLT_EN10MB, frame);
        EXPECT_EQ(info.outcome, Outcome::OtherIp) << int{proto};
        EXPECT_EQ(info.ip_proto, proto);
        EXPECT_FALSE(info.has_ports());
    }
}

TEST(Ipv4, EveryCutWithOptions) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4({.options = {0x94, 0x04, 0, 0}})
                            .udp({.sport = 123, .dport = 123})
                            .payload(6)
                            .build();
    ASSERT_EQ(frame.size(), 52U);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 38) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 42) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedUdpHeader));
        } else {
            EXPECT_TRUE(has_pair(info, Outcome::Udp, "192.0.2.1", 123, "198.51.100.2", 123));
            EXPECT_TRUE(info.snap_cut);
            EXPECT_EQ(info.ip_len, 38U);
            EXPECT_EQ(info.payload_len, 6U);
        }
    });
}

// ---- IPv6 ----

TEST(Ipv6, HeaderFields) {
    const Bytes frame =
        FrameBuilder{}
            .ethernet()
            .ipv6({.src = "fe80::1:2", .dst = "2001:db8:0:0:1:0:0:1", .flow_label = 0x12345})
            .tcp()
            .payload(7)
            .build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "fe80::1:2", 40000, "2001:db8::1:0:0:1", 80));
    EXPECT_EQ(info.ip_version, 6);
    EXPECT_EQ(info.ip_proto, decode::kIpProtoTcp);
    EXPECT_EQ(info.ip_len, 40U + 20 + 7);
    EXPECT_EQ(info.payload_len, 7U);
    EXPECT_FALSE(info.src.is_v4());
}

TEST(Ipv6, VersionMismatch) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv6({.version = 4}).tcp().build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::Ipv6VersionMismatch));
}

TEST(Ipv6, PayloadLengthBeyondTheFrame) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv6({.payload_length = 31}).tcp().payload(10).build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false,
                             DecodeError::Ipv6PayloadLengthBeyondFrame));
    PacketInfo info = decode_one(DLT_EN10MB, frame, frame.size() + 1);
    EXPECT_TRUE(is_v6_tcp(info));
    EXPECT_TRUE(info.snap_cut);
    EXPECT_EQ(info.payload_len, 11U);
    info = decode_one(DLT_EN10MB, first(frame, 80), frame.size());
    EXPECT_TRUE(stopped_with(info, false, DecodeError::Ipv6PayloadLengthBeyondFrame));
}

TEST(Ipv6, PayloadLengthLimitsTheDatagram) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv6().udp().payload(2).trailer(10).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_EQ(info.outcome, Outcome::Udp);
    EXPECT_EQ(info.payload_len, 2U);
    EXPECT_EQ(info.ip_len, 50U);
}

TEST(Ipv6, PayloadLengthZeroWithoutHopByHopLeavesNoTransport) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv6({.payload_length = 0}).tcp().build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TruncatedTcpPorts));
}

TEST(Ipv6, ExtensionChainToTcp) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv6()
                            .hop_by_hop({0x05, 0x02, 0x00, 0x00}) // Router Alert
                            .dest_opts()
                            .routing()
                            .ipv6_ext({.type = 135, .data = Octets(14, 0)}) // Mobility
                            .dest_opts({0x01, 0x04, 0, 0, 0, 0})            // PadN
                            .tcp({.flags = 0x12})
                            .payload(3)
                            .build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(is_v6_tcp(info));
    EXPECT_EQ(info.ip_proto, decode::kIpProtoTcp);
    EXPECT_EQ(info.ip_len, 40U + 8 + 8 + 8 + 16 + 8 + 20 + 3);
    EXPECT_EQ(info.payload_len, 3U);
    EXPECT_EQ(info.tcp_flags, 0x12);
}

TEST(Ipv6, ExtensionsBeforeOtherProtocols) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv6().hop_by_hop().icmp({.v6 = true}).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_EQ(info.outcome, Outcome::OtherIp);
    EXPECT_EQ(info.ip_proto, 58);
    // No Next Header (59).
    const Bytes none = FrameBuilder{}.ethernet().ipv6().ipv6_ext({.type = 60, .next = 59}).build();
    EXPECT_EQ(decode_one(DLT_EN10MB, none).outcome, Outcome::OtherIp);
}

TEST(Ipv6, HopByHopOnlyFirst) {
    // RFC 8200 4.3: Hop-by-Hop only immediately after the IPv6 header.
    const Bytes after_dest =
        FrameBuilder{}.ethernet().ipv6().dest_opts().hop_by_hop().tcp().build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, after_dest), false, DecodeError::Ipv6HopByHopNotFirst));
    const Bytes twice = FrameBuilder{}.ethernet().ipv6().hop_by_hop().hop_by_hop().tcp().build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, twice), false, DecodeError::Ipv6HopByHopNotFirst));
}

TEST(Ipv6, ExtensionLengthBeyondThePayload) {
    // A Destination Options header claiming 88 bytes in a 28-byte payload.
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv6().ipv6_ext({.type = 60, .len8 = 10}).tcp().build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false,
                             DecodeError::Ipv6ExtensionLengthBeyondPayload));
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame, frame.size() + 200), false,
                             DecodeError::Ipv6ExtensionLengthBeyondPayload));
}

TEST(Ipv6, ExtensionChainCap) {
    const auto chain = [](int n) {
        FrameBuilder b;
        b.ethernet().ipv6();
        for (int i = 0; i < n; ++i) b.dest_opts();
        return b.tcp().payload(1).build();
    };
    EXPECT_TRUE(is_v6_tcp(decode_one(DLT_EN10MB, chain(15))));
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, chain(17)), false, DecodeError::Ipv6TooManyExtensions));
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, chain(200)), false,
                             DecodeError::Ipv6TooManyExtensions));
}

// The cap is on a chain longer than kMaxIpv6Extensions (16): the 16th header may be the last.
TEST(Ipv6, SixteenExtensionsAreWithinTheCap) {
    FrameBuilder b;
    b.ethernet().ipv6();
    for (int i = 0; i < 16; ++i) b.dest_opts();
    EXPECT_TRUE(is_v6_tcp(decode_one(DLT_EN10MB, b.tcp().payload(1).build())));
}

TEST(Ipv6, EveryCutThroughExtensions) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv6()
                            .hop_by_hop()
                            .dest_opts()
                            .udp({.sport = 547, .dport = 546})
                            .payload(6)
                            .build();
    ASSERT_EQ(frame.size(), 84U);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 54) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv6Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv6PayloadLengthBeyondFrame));
        } else if (cut < 70) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv6Extension));
        } else if (cut < 74) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedUdpHeader));
        } else {
            EXPECT_TRUE(has_pair(info, Outcome::Udp, "2001:db8::1", 547, "2001:db8::2", 546));
            EXPECT_TRUE(info.snap_cut);
            EXPECT_EQ(info.ip_len, 70U);
            EXPECT_EQ(info.payload_len, 6U);
        }
    });
}

// ---- RFC 2675 jumbograms ----

constexpr std::size_t kJumboPayload = 70000; // TCP payload bytes: over 64 KiB

Bytes jumbo_tcp(std::uint32_t jumbo_length = 8 + 20 + kJumboPayload) {
    return FrameBuilder{}
        .ethernet()
        .ipv6({.payload_length = 0})
        .hop_by_hop(jumbo_option(jumbo_length))
        .tcp({.flags = 0x10})
        .payload(kJumboPayload)
        .build();
}

TEST(Jumbogram, TcpLengthComesFromTheJumboOption) {
    const Bytes frame = jumbo_tcp();
    PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(is_v6_tcp(info));
    EXPECT_EQ(info.ip_len, 40U + 8 + 20 + kJumboPayload);
    EXPECT_EQ(info.payload_len, kJumboPayload);
    EXPECT_FALSE(info.snap_cut);

    // Linux BIG TCP captured with a 200-byte snaplen.
    info = decode_one(DLT_EN10MB, first(frame, 200), frame.size());
    EXPECT_TRUE(is_v6_tcp(info));
    EXPECT_EQ(info.payload_len, kJumboPayload);
    EXPECT_TRUE(info.snap_cut);
}

TEST(Jumbogram, UdpLengthZero) {
    // RFC 2675 4: a UDP jumbogram's length field is 0; the length comes from the IPv6 layer.
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv6({.payload_length = 0})
                            .hop_by_hop(jumbo_option(8 + 8 + kJumboPayload))
                            .udp({.length = 0})
                            .payload(kJumboPayload)
                            .build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Udp, "2001:db8::1", 50000, "2001:db8::2", 53));
    EXPECT_EQ(info.payload_len, kJumboPayload);
}

TEST(Jumbogram, PayloadLengthZeroNeedsTheOption) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv6({.payload_length = 0}).hop_by_hop().tcp().build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::Ipv6BadJumboPayload));
}

TEST(Jumbogram, LengthMustExceed65535) {
    for (std::uint32_t length : {0U, 28U, 65535U}) {
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, jumbo_tcp(length)), false,
                                 DecodeError::Ipv6BadJumboPayload))
            << length;
    }
}

TEST(Jumbogram, LengthBeyondTheFrame) {
    const Bytes frame = jumbo_tcp(8 + 20 + kJumboPayload + 1);
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false,
                             DecodeError::Ipv6PayloadLengthBeyondFrame));
}

// RFC 2675 3: a Jumbo Payload option with a non-zero IPv6 Payload Length is an error (ICMP
// Parameter Problem), not an option to ignore.
TEST(Jumbogram, OptionWithNonZeroPayloadLengthIsBad) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv6().hop_by_hop(jumbo_option(70000)).tcp().payload(10).build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::Ipv6BadJumboPayload));
}

// RFC 2675 3: "The Jumbo Payload option must not be used in a packet that carries a Fragment
// header"; the pair is an error, not a first fragment.
TEST(Jumbogram, OptionWithAFragmentHeaderIsBad) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv6({.payload_length = 0})
                            .hop_by_hop(jumbo_option(8 + 8 + 20 + kJumboPayload))
                            .ipv6_fragment({.offset = 0, .more = true})
                            .tcp()
                            .payload(kJumboPayload)
                            .build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::Ipv6BadJumboPayload));
}

// ---- AH, ESP ----

TEST(Ah, TransportAfterAh) {
    const Bytes v4 = FrameBuilder{}.ethernet().ipv4().ah().tcp().payload(2).build();
    PacketInfo info = decode_one(DLT_EN10MB, v4);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "192.0.2.1", 40000, "198.51.100.2", 80));
    EXPECT_EQ(info.ip_proto, decode::kIpProtoTcp);
    EXPECT_EQ(info.payload_len, 2U);

    const Bytes v6 =
        FrameBuilder{}.ethernet().ipv6().hop_by_hop().ah({.icv_len = 16}).udp().build();
    info = decode_one(DLT_EN10MB, v6);
    EXPECT_TRUE(has_pair(info, Outcome::Udp, "2001:db8::1", 50000, "2001:db8::2", 53));
}

TEST(Ah, EveryCut) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4().ah().tcp().build();
    ASSERT_EQ(frame.size(), 14U + 20 + 24 + 20);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 34) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else if (cut < 58) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedAhHeader));
        } else if (cut < 62) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedTcpPorts));
        } else {
            EXPECT_TRUE(has_pair(info, Outcome::Tcp, "192.0.2.1", 40000, "198.51.100.2", 80));
        }
    });
}

TEST(Ah, LengthBeyondTheDatagram) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4().ah({.len = 200}).tcp().build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TruncatedAhHeader));
}

// RFC 8200 4.1 orders the headers ..., Fragment, AH, ESP, Destination Options, upper layer: a
// Destination Options header after AH is walked like any extension, keeping the TCP pair.
TEST(Ah, DestinationOptionsAfterAh) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv6().ah().dest_opts().tcp().payload(1).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(is_v6_tcp(info));
    EXPECT_EQ(info.payload_len, 1U);
}

TEST(Esp, IsOtherIp) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv6({.next = 50}).payload(40).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_EQ(info.outcome, Outcome::OtherIp);
    EXPECT_EQ(info.ip_proto, 50);
    EXPECT_EQ(decode::to_string(info.src), "2001:db8::1");
}

} // namespace
} // namespace pairwatch::test
