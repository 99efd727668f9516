// The decoder's entry (decoder.cpp): the link-type table, frame metadata, a clean PacketInfo per
// frame, the counts adding up, and invariants that hold for any bytes at all.
#include "pairwatch/decode/link_type.h"

#include "support/frame_builder.h"

#include <gtest/gtest.h>

#include <random>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::Outcome;
using decode::PacketInfo;

constexpr int kDltIpv4 = 228;
constexpr int kDltIpv6 = 229;
const int kSupported[] = {DLT_EN10MB, DLT_LINUX_SLL,  DLT_LINUX_SLL2, DLT_RAW,
                          kDltIpv4,   kDltIpv6,       DLT_NULL,       DLT_LOOP,
                          DLT_PPP,    DLT_PPP_SERIAL, DLT_NFLOG};

TEST(LinkType, SupportedTable) {
    for (int dlt : kSupported) EXPECT_TRUE(decode::link_type_supported(dlt)) << dlt;
    for (int dlt : {DLT_IEEE802_11, DLT_IEEE802_11_RADIO, DLT_USB_LINUX, -1, 99999}) {
        EXPECT_FALSE(decode::link_type_supported(dlt)) << dlt;
    }
}

TEST(LinkType, NamesFromLibpcap) {
    EXPECT_EQ(decode::link_type_name(DLT_EN10MB), "EN10MB (Ethernet)");
    EXPECT_EQ(decode::link_type_name(99999), "DLT 99999");
    EXPECT_EQ(decode::supported_link_types(),
              "EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP, PPP, PPP_SERIAL, NFLOG");
}

TEST(Decoder, CopiesTheFrameMetadata) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4().tcp().payload(10).build();
    decode::Decoder decoder(DLT_EN10MB);
    EXPECT_EQ(decoder.dlt(), DLT_EN10MB);
    PacketInfo info;
    decoder.decode(capture::RawFrame{-123456789, 42, 1500, first(frame, 60)}, info);
    EXPECT_EQ(info.ts_ns, -123456789);
    EXPECT_EQ(info.frame_no, 42U);
    EXPECT_EQ(info.wire_len, 1500U);
    EXPECT_EQ(info.cap_len, 60U);
}

TEST(Decoder, EachFrameStartsFromACleanPacketInfo) {
    FrameBuilder b;
    b.ethernet().vlan({.id = 3}).vlan({.id = 4}).ipv4().udp({.dport = decode::kVxlanPort});
    b.vxlan().ethernet().ipv4({.src = "10.0.0.1", .mf = true}).tcp({.flags = 0xff}).payload(4);
    const Bytes busy = b.build();
    const Bytes arp = FrameBuilder{}.ethernet().arp().build();

    decode::Decoder decoder(DLT_EN10MB);
    PacketInfo info;
    decoder.decode(raw_frame(first(busy, 80), busy.size(), 5, 1), info);
    ASSERT_EQ(info.outcome, Outcome::Udp); // cut inside the inner frame: the outer packet
    ASSERT_EQ(info.vlan_count, 2);
    ASSERT_TRUE(info.snap_cut);
    decoder.decode(raw_frame(busy, 0, 6, 2), info);
    ASSERT_EQ(info.tunnel_depth, 1);
    ASSERT_TRUE(info.fragment);

    decoder.decode(raw_frame(arp, 0, 7, 3), info);
    PacketInfo want;
    want.ts_ns = 7;
    want.frame_no = 3;
    want.wire_len = want.cap_len = static_cast<std::uint32_t>(arp.size());
    EXPECT_EQ(info.outcome, Outcome::NonIp);
    EXPECT_EQ(info.error, want.error);
    EXPECT_EQ(info.vlan_count, 0);
    EXPECT_EQ(info.vlan, want.vlan);
    EXPECT_EQ(info.ip_version, 0);
    EXPECT_EQ(info.ip_proto, 0);
    EXPECT_EQ(info.tunnel_depth, 0);
    EXPECT_EQ(info.outer_tunnel, decode::TunnelKind::None);
    EXPECT_FALSE(info.fragment || info.non_first_fragment || info.snap_cut ||
                 info.tunnel_undecoded);
    EXPECT_EQ(info.src, want.src);
    EXPECT_EQ(info.dst, want.dst);
    EXPECT_EQ(info.sport, 0);
    EXPECT_EQ(info.dport, 0);
    EXPECT_EQ(info.ip_len, 0U);
    EXPECT_EQ(info.payload_len, 0U);
    EXPECT_EQ(info.tcp_flags, 0);
    EXPECT_EQ(info.tcp_header_len, 0);
    EXPECT_EQ(info.tcp_window, 0);
    EXPECT_EQ(info.tcp_seq, 0U);
    EXPECT_EQ(info.tcp_ack, 0U);
}

TEST(Decoder, UnsupportedLinkTypeIsCountedAsNotIp) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv4().tcp().build();
    decode::Decoder decoder(DLT_IEEE802_11);
    PacketInfo info;
    decoder.decode(raw_frame(frame), info);
    EXPECT_EQ(info.outcome, Outcome::NonIp);
    EXPECT_EQ(decoder.stats().outcome(Outcome::NonIp), 1U);
    EXPECT_TRUE(decoder.stats().adds_up());
}

TEST(Decoder, StatsOverAMixedStream) {
    decode::Decoder decoder(DLT_EN10MB);
    PacketInfo info;
    const auto feed = [&](const Bytes& frame, std::size_t caplen = 0) {
        const std::size_t cap = caplen == 0 ? frame.size() : caplen;
        decoder.decode(raw_frame(first(frame, cap), frame.size()), info);
        return info.outcome;
    };
    const Bytes tcp4 = FrameBuilder{}.ethernet().vlan({.id = 8}).ipv4().tcp().build();
    const Bytes udp6 = FrameBuilder{}.ethernet().ipv6().udp().payload(30).build();
    const Bytes icmp = FrameBuilder{}.ethernet().ipv4().icmp().build();
    const Bytes arp = FrameBuilder{}.ethernet().arp().build();
    const Bytes later =
        FrameBuilder{}.ethernet().ipv4({.proto = 6, .frag_offset = 10}).payload(8).build();
    const Bytes bad_ihl = FrameBuilder{}.ethernet().ipv4({.ihl = 4}).tcp().build();
    const Bytes gre = FrameBuilder{}.ethernet().ipv4().gre().ipv6().tcp().build();

    EXPECT_EQ(feed(tcp4), Outcome::Tcp);
    EXPECT_EQ(feed(tcp4), Outcome::Tcp);
    EXPECT_EQ(feed(udp6), Outcome::Udp);
    EXPECT_EQ(feed(udp6, 70), Outcome::Udp); // snaplen cut in the payload
    EXPECT_EQ(feed(icmp), Outcome::OtherIp);
    EXPECT_EQ(feed(arp), Outcome::NonIp);
    EXPECT_EQ(feed(later), Outcome::UnmatchedFragment);
    EXPECT_EQ(feed(tcp4, 20), Outcome::Truncated);
    EXPECT_EQ(feed(bad_ihl), Outcome::Malformed);
    EXPECT_EQ(feed(gre), Outcome::Tcp);

    const decode::DecodeStats& s = decoder.stats();
    EXPECT_EQ(s.frames, 10U);
    EXPECT_TRUE(s.adds_up());
    EXPECT_EQ(s.outcome(Outcome::Tcp), 3U);
    EXPECT_EQ(s.outcome(Outcome::Udp), 2U);
    EXPECT_EQ(s.outcome(Outcome::OtherIp), 1U);
    EXPECT_EQ(s.outcome(Outcome::NonIp), 1U);
    EXPECT_EQ(s.outcome(Outcome::UnmatchedFragment), 1U);
    EXPECT_EQ(s.outcome(Outcome::Truncated), 1U);
    EXPECT_EQ(s.outcome(Outcome::Malformed), 1U);
    EXPECT_EQ(s.error(DecodeError::TruncatedIpv4Header), 1U);
    EXPECT_EQ(s.error(DecodeError::Ipv4IhlBelowFive), 1U);
    EXPECT_EQ(s.ipv4, 4U); // tcp4 x2, icmp, the later fragment; not the failed ones
    EXPECT_EQ(s.ipv6, 3U); // udp6 x2 and the IPv6 inside GRE
    EXPECT_EQ(s.vlan_tagged, 2U);
    EXPECT_EQ(s.fragments, 1U);
    EXPECT_EQ(s.snap_cut, 2U); // the cut UDP payload and the Truncated frame
    EXPECT_EQ(s.tunnelled, 1U);
    EXPECT_EQ(s.tunnels[static_cast<std::size_t>(decode::TunnelKind::Gre)], 1U);
}

// ---- Any bytes at all ----

/// What every decoded frame must satisfy, whatever its bytes. `snap_cut_needs_a_cut` checks
/// that snap_cut is only ever set when wire_len > cap_len.
void expect_invariants(const PacketInfo& info, bool snap_cut_needs_a_cut) {
    switch (info.outcome) {
    case Outcome::Truncated:
        EXPECT_TRUE(decode::is_truncation(info.error)) << decode::to_string(info.error);
        EXPECT_TRUE(info.snap_cut);
        EXPECT_GT(info.wire_len, info.cap_len);
        break;
    case Outcome::Malformed: EXPECT_NE(info.error, DecodeError::kCount); break;
    case Outcome::Tcp:
    case Outcome::Udp:
        EXPECT_EQ(info.error, DecodeError::kCount);
        EXPECT_TRUE(info.ip_version == 4 || info.ip_version == 6);
        EXPECT_EQ(info.ip_proto, info.outcome == Outcome::Tcp ? 6 : 17);
        // The innermost IP header lies inside the captured bytes and is the one decoded
        // (a later fragment's socket pair comes from its first fragment, not its own header).
        if (!info.non_first_fragment) {
            ASSERT_FALSE(info.ip_packet().empty());
            EXPECT_LE(info.ip_offset + info.ip_packet().size(), info.cap_len);
            EXPECT_EQ(std::to_integer<unsigned>(info.ip_packet()[0]) >> 4, info.ip_version);
        }
        break;
    case Outcome::kCount: ADD_FAILURE() << "no outcome"; break;
    default: EXPECT_EQ(info.error, DecodeError::kCount);
    }
    if (info.snap_cut && snap_cut_needs_a_cut) {
        EXPECT_GT(info.wire_len, info.cap_len);
    }
    EXPECT_LE(info.vlan_count, info.vlan.size());
    EXPECT_LE(info.tunnel_depth, decode::kMaxLayers);
    if (info.tunnel_depth > 0) {
        EXPECT_NE(info.outer_tunnel, decode::TunnelKind::None);
    }
    if (info.non_first_fragment) {
        EXPECT_TRUE(info.fragment);
    }
}

std::vector<Bytes> seeds() {
    std::vector<Bytes> out;
    out.push_back(
        FrameBuilder{}.ethernet().vlan().ipv4({.options = {1, 1, 1, 1}}).tcp().payload(9).build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .ipv6()
                      .hop_by_hop()
                      .dest_opts()
                      .routing()
                      .udp()
                      .payload(5)
                      .build());
    out.push_back(
        FrameBuilder{}.ethernet().ipv6().ipv6_fragment({.more = true}).tcp().payload(8).build());
    out.push_back(FrameBuilder{}.ethernet().pppoe().ipv4().ah().udp().build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .mpls({.labels = {1, 2}})
                      .mpls_control_word()
                      .ethernet()
                      .ipv4()
                      .tcp()
                      .build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .ipv4()
                      .gre({.key = true, .sequence = true})
                      .ethernet()
                      .ipv6()
                      .tcp()
                      .build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .ipv4()
                      .udp({.dport = decode::kVxlanPort})
                      .vxlan()
                      .ethernet()
                      .ipv4()
                      .tcp()
                      .build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .ipv4()
                      .udp({.dport = decode::kGenevePort})
                      .geneve({.options = {1, 2, 3, 4}})
                      .ipv4()
                      .udp()
                      .build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .ipv4()
                      .udp({.dport = decode::kTeredoPort})
                      .teredo({.auth = true, .id_len = 2, .auth_len = 2, .origin = true})
                      .ipv6()
                      .udp()
                      .build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .ipv4()
                      .udp({.dport = decode::kMplsUdpPort})
                      .mpls()
                      .ipv6()
                      .tcp()
                      .build());
    out.push_back(FrameBuilder{}
                      .ethernet()
                      .ipv4()
                      .gre({.sequence = true, .ack = true, .version = 1})
                      .ppp({.hdlc = true})
                      .ipv4()
                      .tcp()
                      .build());
    return out;
}

void mutate_and_decode(bool snap_cut_needs_a_cut) {
    std::mt19937 rng(20240601);
    decode::Decoder decoder(DLT_EN10MB);
    std::uint64_t frames = 0;
    for (const Bytes& seed : seeds()) {
        for (int round = 0; round < 1500; ++round) {
            Bytes frame = seed;
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int i = 0; i < flips; ++i) {
                frame[rng() % frame.size()] = std::byte{static_cast<std::uint8_t>(rng())};
            }
            const std::size_t cap = rng() % (frame.size() + 1);
            const std::size_t wire = (rng() % 2 == 0) ? cap : frame.size() + rng() % 100000;
            PacketInfo info;
            decoder.decode(raw_frame(first(frame, cap), wire), info);
            ++frames;
            expect_invariants(info, snap_cut_needs_a_cut);
            if (::testing::Test::HasFailure()) {
                ADD_FAILURE() << "seed frame of " << seed.size() << " bytes, round " << round
                              << ", caplen " << cap << ", wire_len " << wire;
                return;
            }
        }
    }
    EXPECT_EQ(decoder.stats().frames, frames);
    EXPECT_TRUE(decoder.stats().adds_up());
}

void random_bytes_on_every_link_type(bool snap_cut_needs_a_cut) {
    std::mt19937 rng(7);
    for (int dlt : kSupported) {
        decode::Decoder decoder(dlt);
        for (int round = 0; round < 3000; ++round) {
            Bytes frame(rng() % 160);
            for (auto& b : frame) b = std::byte{static_cast<std::uint8_t>(rng())};
            // Bias toward plausible starts so the decoders get past their first check.
            if (frame.size() > 1 && round % 2 == 0) frame[0] = std::byte{0x45};
            const std::size_t wire = (rng() % 2 == 0) ? 0 : frame.size() + rng() % 2000;
            PacketInfo info;
            decoder.decode(raw_frame(frame, wire), info);
            expect_invariants(info, snap_cut_needs_a_cut);
            if (::testing::Test::HasFailure()) {
                ADD_FAILURE() << "DLT " << dlt << ", round " << round << ", " << frame.size()
                              << " bytes, wire_len " << wire;
                return;
            }
        }
        EXPECT_TRUE(decoder.stats().adds_up()) << dlt;
    }
}

TEST(Decoder, MutatedFramesKeepTheInvariants) {
    mutate_and_decode(false);
}

TEST(Decoder, RandomBytesOnEveryLinkTypeKeepTheInvariants) {
    random_bytes_on_every_link_type(true);
}

// The mutated frames with the invariant that snap_cut means wire_len > cap_len: a length field
// (IP, UDP, TCP data offset, PPPoE) that ends a header early is a malformation, never a cut.
TEST(Decoder, MutatedFramesSnapCutOnlyWhenCut) {
    mutate_and_decode(true);
}

// ---- Where the innermost IP header is: what a payload inspector (nDPI) is handed ----

/// The IP datagram the decoder points at, checked against the builder's own record of where
/// the `nth` IP layer of `kind` starts, and against its length.
::testing::AssertionResult ip_header_at(const PacketInfo& info, const FrameBuilder& b,
                                        Layer kind, std::size_t nth, std::size_t ip_len) {
    const std::size_t want = b.start(kind, nth);
    if (info.ip_offset != want) {
        return ::testing::AssertionFailure() << "ip_offset " << info.ip_offset << ", want " << want;
    }
    const auto ip = info.ip_packet();
    if (ip.size() != ip_len || ip.data() != info.frame.data() + want) {
        return ::testing::AssertionFailure()
               << "ip_packet() holds " << ip.size() << " bytes, want " << ip_len;
    }
    const auto version = std::to_integer<unsigned>(ip[0]) >> 4;
    if (version != info.ip_version) {
        return ::testing::AssertionFailure() << "version nibble " << version;
    }
    return ::testing::AssertionSuccess();
}

TEST(DecoderIpOffset, Ethernet) {
    FrameBuilder b;
    b.ethernet().ipv4().tcp().payload(10);
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    ASSERT_EQ(info.outcome, Outcome::Tcp);
    EXPECT_EQ(info.frame.data(), frame.data());
    EXPECT_EQ(info.frame.size(), frame.size());
    EXPECT_TRUE(ip_header_at(info, b, Layer::Ipv4, 0, 20 + 20 + 10));
    EXPECT_EQ(info.ip_offset, 14U);
}

TEST(DecoderIpOffset, EthernetPaddingIsLeftOut) {
    FrameBuilder b;
    b.ethernet().ipv4().udp().payload(2).trailer(16);
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    ASSERT_EQ(info.outcome, Outcome::Udp);
    EXPECT_TRUE(ip_header_at(info, b, Layer::Ipv4, 0, 20 + 8 + 2));
}

TEST(DecoderIpOffset, QinQ) {
    FrameBuilder b;
    b.ethernet().vlan({.id = 10, .tpid = 0x88a8}).vlan({.id = 20}).ipv6().udp().payload(4);
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    ASSERT_EQ(info.outcome, Outcome::Udp);
    EXPECT_TRUE(ip_header_at(info, b, Layer::Ipv6, 0, 40 + 8 + 4));
    EXPECT_EQ(info.ip_offset, 14U + 4 + 4);
}

TEST(DecoderIpOffset, LinuxSll) {
    FrameBuilder b;
    b.sll().ipv4().tcp();
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_LINUX_SLL, frame);
    ASSERT_EQ(info.outcome, Outcome::Tcp);
    EXPECT_TRUE(ip_header_at(info, b, Layer::Ipv4, 0, 40));
    EXPECT_EQ(info.ip_offset, 16U);
}

TEST(DecoderIpOffset, RawIp) {
    FrameBuilder b;
    b.ipv6().tcp().payload(3);
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_RAW, frame);
    ASSERT_EQ(info.outcome, Outcome::Tcp);
    EXPECT_TRUE(ip_header_at(info, b, Layer::Ipv6, 0, 40 + 20 + 3));
    EXPECT_EQ(info.ip_offset, 0U);
}

TEST(DecoderIpOffset, TunnelsPointAtTheInnermostHeader) {
    FrameBuilder vxlan;
    vxlan.ethernet().ipv4().udp({.dport = decode::kVxlanPort}).vxlan().ethernet();
    vxlan.ipv4({.src = "10.0.0.1", .dst = "10.0.0.2"}).tcp().payload(5);
    const Bytes v = vxlan.build();
    const PacketInfo inner = decode_one(DLT_EN10MB, v);
    ASSERT_EQ(inner.outcome, Outcome::Tcp);
    ASSERT_EQ(inner.tunnel_depth, 1);
    EXPECT_TRUE(ip_header_at(inner, vxlan, Layer::Ipv4, 1, 20 + 20 + 5));
    EXPECT_EQ(inner.ip_offset, 14U + 20 + 8 + 8 + 14);

    FrameBuilder six_in_four;
    six_in_four.ethernet().ipv4().ipv6().udp().payload(1);
    const Bytes s = six_in_four.build();
    const PacketInfo info = decode_one(DLT_EN10MB, s);
    ASSERT_EQ(info.outcome, Outcome::Udp);
    EXPECT_TRUE(ip_header_at(info, six_in_four, Layer::Ipv6, 0, 40 + 8 + 1));
}

TEST(DecoderIpOffset, ABrokenTunnelLeavesTheOuterHeader) {
    FrameBuilder b;
    b.ethernet().ipv4().udp({.dport = decode::kVxlanPort}).vxlan().ethernet();
    b.ipv4({.src = "10.0.0.1", .dst = "10.0.0.2"}).icmp();
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_EN10MB, frame);
    ASSERT_EQ(info.outcome, Outcome::Udp);
    ASSERT_EQ(info.tunnel_depth, 0);
    EXPECT_TRUE(ip_header_at(info, b, Layer::Ipv4, 0, frame.size() - 14));
}

TEST(DecoderIpOffset, CaplenBoundsTheIpPacket) {
    FrameBuilder b;
    b.ethernet().ipv4().tcp().payload(100);
    const Bytes frame = b.build();
    const PacketInfo info = decode_one(DLT_EN10MB, first(frame, 60), frame.size());
    ASSERT_EQ(info.outcome, Outcome::Tcp);
    EXPECT_EQ(info.ip_len, 140U);
    EXPECT_EQ(info.ip_packet().size(), 60U - 14);
}

TEST(DecoderIpOffset, NoIpHeaderNoIpPacket) {
    const Bytes arp = FrameBuilder{}.ethernet().arp().build();
    const PacketInfo info = decode_one(DLT_EN10MB, arp);
    EXPECT_EQ(info.ip_version, 0);
    EXPECT_TRUE(info.ip_packet().empty());
    EXPECT_TRUE(PacketInfo{}.ip_packet().empty());
}

} // namespace
} // namespace pairwatch::test
