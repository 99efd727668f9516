// TCP and UDP headers (transport.cpp): fields, lengths, and what a cut leaves of them.
// UDP tunnel ports are in tunnel_test.cpp.
#include "support/frame_builder.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::Outcome;
using decode::PacketInfo;
namespace flag = decode::tcp_flag;

// MSS 1460, SACK permitted, timestamps, NOP, window scale 7: 20 bytes, header 40.
const Octets kSynOptions{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
// NOP, NOP, timestamps: 12 bytes, header 32.
const Octets kTimestamps{1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1};

::testing::AssertionResult is_default_tcp(const PacketInfo& info) {
    return has_pair(info, Outcome::Tcp, "192.0.2.1", 40000, "198.51.100.2", 80);
}

// ---- TCP ----

TEST(Tcp, HeaderFields) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4()
                            .tcp({.sport = 22,
                                  .dport = 61000,
                                  .seq = 0xdeadbeef,
                                  .ack = 0x01020304,
                                  .flags = flag::kPsh | flag::kAck,
                                  .window = 501})
                            .payload(36)
                            .build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "192.0.2.1", 22, "198.51.100.2", 61000));
    EXPECT_EQ(info.ip_proto, decode::kIpProtoTcp);
    EXPECT_EQ(info.tcp_seq, 0xdeadbeefU);
    EXPECT_EQ(info.tcp_ack, 0x01020304U);
    EXPECT_EQ(info.tcp_flags, flag::kPsh | flag::kAck);
    EXPECT_EQ(info.tcp_window, 501);
    EXPECT_EQ(info.tcp_header_len, 20);
    EXPECT_EQ(info.payload_len, 36U);
    EXPECT_FALSE(info.snap_cut);
}

TEST(Tcp, EveryFlagBit) {
    for (unsigned bit = 0; bit < 8; ++bit) {
        const auto flags = static_cast<std::uint8_t>(1U << bit);
        const Bytes frame = FrameBuilder{}.ethernet().ipv4().tcp({.flags = flags}).build();
        EXPECT_EQ(decode_one(DLT_EN10MB, frame).tcp_flags, flags);
    }
}

TEST(Tcp, OptionsCountInTheHeaderLength) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv6().tcp({.options = kSynOptions}).payload(100).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_EQ(info.outcome, Outcome::Tcp);
    EXPECT_EQ(info.tcp_header_len, 40);
    EXPECT_EQ(info.payload_len, 100U);
    EXPECT_FALSE(info.snap_cut);
}

TEST(Tcp, OptionsWithoutPayload) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4().tcp({.options = kSynOptions}).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_EQ(info.tcp_header_len, 40);
    EXPECT_EQ(info.payload_len, 0U);
}

// The fixed header is read up to the window (16 bytes): options end the header exactly.
TEST(Tcp, OptionsWithoutPayloadAreNotASnaplenCut) {
    decode::Decoder decoder(DLT_EN10MB);
    for (const Octets& options : {kSynOptions, kTimestamps}) {
        for (std::size_t payload = 0; payload < 4; ++payload) {
            const Bytes frame =
                FrameBuilder{}.ethernet().ipv4().tcp({.options = options}).payload(payload).build();
            PacketInfo info;
            decoder.decode(raw_frame(frame), info);
            EXPECT_EQ(info.outcome, Outcome::Tcp);
            EXPECT_EQ(info.payload_len, payload);
            EXPECT_FALSE(info.snap_cut) << options.size() << " option bytes, " << payload;
        }
    }
    EXPECT_EQ(decoder.stats().snap_cut, 0U);
}

TEST(Tcp, DataOffsetBelowFiveIsMalformed) {
    for (std::uint8_t offset = 0; offset < 5; ++offset) {
        const Bytes frame =
            FrameBuilder{}.ethernet().ipv4().tcp({.data_offset = offset}).payload(20).build();
        EXPECT_TRUE(
            stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TcpDataOffsetBelowFive))
            << int{offset};
        EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, 60), frame.size()), false,
                                 DecodeError::TcpDataOffsetBelowFive))
            << int{offset};
    }
}

TEST(Tcp, HeaderBeyondTheSegment) {
    for (std::uint8_t offset : {std::uint8_t{6}, std::uint8_t{15}}) {
        const Bytes frame = FrameBuilder{}.ethernet().ipv4().tcp({.data_offset = offset}).build();
        EXPECT_TRUE(
            stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TcpHeaderBeyondSegment))
            << int{offset};
    }
}

TEST(Tcp, OptionsCutBySnaplen) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv4().tcp({.options = kSynOptions}).payload(30).build();
    // Captured up to 6 bytes into the options.
    const PacketInfo info = decode_one(DLT_EN10MB, first(frame, 14 + 20 + 26), frame.size());
    EXPECT_TRUE(is_default_tcp(info));
    EXPECT_TRUE(info.snap_cut);
    EXPECT_EQ(info.tcp_header_len, 40);
    EXPECT_EQ(info.payload_len, 30U);
    EXPECT_EQ(info.tcp_flags, flag::kSyn);
}

TEST(Tcp, PortsCutByTheIpLength) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4({.total_length = 22}).tcp().build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TruncatedTcpPorts));
}

// The IP length (not the snaplen) ends the segment inside TCP's fixed header: the segment is
// shorter than any TCP header, a malformation, not a cut capture.
TEST(Tcp, SegmentShorterThanTheFixedHeaderIsMalformed) {
    for (std::uint16_t tcp_bytes = 4; tcp_bytes < 20; ++tcp_bytes) {
        const Bytes frame = FrameBuilder{}
                                .ethernet()
                                .ipv4({.total_length = static_cast<std::uint16_t>(20 + tcp_bytes)})
                                .tcp()
                                .build();
        const PacketInfo info = decode_one(DLT_EN10MB, frame);
        EXPECT_TRUE(stopped_with(info, false, DecodeError::TcpHeaderBeyondSegment)) << tcp_bytes;
        EXPECT_FALSE(info.snap_cut) << tcp_bytes;
    }
}

// A snaplen inside seq or ack must not let the later reads take the flags from the seq/ack
// bytes (0x34 from seq 0x12345678, 0xbc from ack 0x9abcdef0): flags not captured stay unknown.
TEST(Tcp, FlagsNotCapturedStayZero) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4()
                            .tcp({.seq = 0x12345678, .ack = 0x9abcdef0, .flags = flag::kAck})
                            .payload(10)
                            .build();
    for (std::size_t after_ports = 0; after_ports < 10; ++after_ports) {
        const PacketInfo info =
            decode_one(DLT_EN10MB, first(frame, 14 + 20 + 4 + after_ports), frame.size());
        EXPECT_TRUE(is_default_tcp(info)) << after_ports;
        EXPECT_EQ(info.tcp_flags, 0) << after_ports << " bytes after the ports";
        EXPECT_FALSE(info.tcp_flags_known) << after_ports;
        EXPECT_TRUE(info.snap_cut) << after_ports;
    }
    const PacketInfo info = decode_one(DLT_EN10MB, first(frame, 14 + 20 + 14), frame.size());
    EXPECT_EQ(info.tcp_flags, flag::kAck);
    EXPECT_TRUE(info.tcp_flags_known);
    EXPECT_EQ(info.tcp_seq, 0x12345678U);
    EXPECT_EQ(info.tcp_ack, 0x9abcdef0U);
}

// A whole frame whose data offset runs past the segment is malformed, and nothing was cut.
TEST(Tcp, HeaderBeyondTheSegmentIsNotASnaplenCut) {
    for (std::uint8_t offset : {std::uint8_t{6}, std::uint8_t{15}}) {
        const Bytes frame = FrameBuilder{}.ethernet().ipv4().tcp({.data_offset = offset}).build();
        const PacketInfo info = decode_one(DLT_EN10MB, frame);
        EXPECT_TRUE(stopped_with(info, false, DecodeError::TcpHeaderBeyondSegment)) << int{offset};
        EXPECT_FALSE(info.snap_cut) << int{offset};
    }
}

TEST(Tcp, EveryCutWithOptions) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4()
                            .tcp({.seq = 5, .ack = 6, .flags = flag::kAck, .options = kTimestamps})
                            .payload(8)
                            .build();
    ASSERT_EQ(frame.size(), 74U);
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
            if (cut >= 42) {
                EXPECT_EQ(info.tcp_seq, 5U);
            }
            if (cut >= 46) {
                EXPECT_EQ(info.tcp_ack, 6U);
            }
            if (cut >= 54) {
                EXPECT_EQ(info.tcp_flags, flag::kAck);
                EXPECT_EQ(info.tcp_window, 65535);
                EXPECT_EQ(info.tcp_header_len, 32);
                EXPECT_EQ(info.payload_len, 8U);
            }
        }
    });
}

// ---- UDP ----

TEST(Udp, HeaderFields) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv4().udp({.sport = 5060, .dport = 5061}).payload(321).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_TRUE(has_pair(info, Outcome::Udp, "192.0.2.1", 5060, "198.51.100.2", 5061));
    EXPECT_EQ(info.ip_proto, decode::kIpProtoUdp);
    EXPECT_EQ(info.payload_len, 321U);
    EXPECT_EQ(info.ip_len, 20U + 8 + 321);
    EXPECT_EQ(info.tcp_flags, 0);
    EXPECT_EQ(info.tcp_header_len, 0);
    EXPECT_FALSE(info.snap_cut);
}

TEST(Udp, LengthBelowTheHeader) {
    for (std::uint16_t length = 0; length < 8; ++length) {
        const Bytes frame =
            FrameBuilder{}.ethernet().ipv4().udp({.length = length}).payload(4).build();
        EXPECT_TRUE(
            stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::UdpLengthBelowHeader))
            << length;
    }
    // Length 0 is for jumbograms only (RFC 2675 4), not for a small IPv6 datagram.
    const Bytes v6 = FrameBuilder{}.ethernet().ipv6().udp({.length = 0}).payload(4).build();
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, v6), false, DecodeError::UdpLengthBelowHeader));
}

TEST(Udp, LengthBeyondTheDatagram) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4().udp({.length = 19}).payload(10).build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::UdpLengthBeyondDatagram));
    // The IP length bounds it, whatever the wire holds after.
    EXPECT_TRUE(stopped_with(decode_one(DLT_EN10MB, first(frame, 44), frame.size() + 100), false,
                             DecodeError::UdpLengthBeyondDatagram));
}

TEST(Udp, LengthShorterThanTheDatagram) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4().udp({.length = 12}).payload(10).build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_EQ(info.outcome, Outcome::Udp);
    EXPECT_EQ(info.payload_len, 4U);
    EXPECT_EQ(info.ip_len, 38U);
}

TEST(Udp, PortsCutByTheIpLength) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4({.total_length = 23}).udp().build();
    EXPECT_TRUE(
        stopped_with(decode_one(DLT_EN10MB, frame), false, DecodeError::TruncatedUdpHeader));
}

// The IP length (not the snaplen) ends the datagram after the ports but inside the UDP length
// or checksum: a 4-7 byte "UDP header" is a malformation, not a cut capture.
TEST(Udp, HeaderCutByTheIpLengthIsMalformed) {
    for (std::uint16_t udp_bytes = 4; udp_bytes < 8; ++udp_bytes) {
        const Bytes frame = FrameBuilder{}
                                .ethernet()
                                .ipv4({.total_length = static_cast<std::uint16_t>(20 + udp_bytes)})
                                .udp()
                                .build();
        const PacketInfo info = decode_one(DLT_EN10MB, frame);
        EXPECT_TRUE(stopped_with(info, false, DecodeError::UdpLengthBelowHeader)) << udp_bytes;
        EXPECT_FALSE(info.snap_cut) << udp_bytes;
    }
}

TEST(Udp, EveryCut) {
    const Bytes frame =
        FrameBuilder{}.ethernet().ipv6().udp({.sport = 443, .dport = 50123}).payload(12).build();
    ASSERT_EQ(frame.size(), 74U);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 54) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv6Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv6PayloadLengthBeyondFrame));
        } else if (cut < 58) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedUdpHeader));
        } else {
            EXPECT_TRUE(has_pair(info, Outcome::Udp, "2001:db8::1", 443, "2001:db8::2", 50123));
            EXPECT_TRUE(info.snap_cut);
            EXPECT_EQ(info.payload_len, 12U);
        }
    });
}

} // namespace
} // namespace pairwatch::test
