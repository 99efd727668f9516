// FragmentTable on its own (fragment_table.cpp), then IPv4 and IPv6 fragments through the
// decoder: a first fragment gives the socket pair, later fragments inherit it.
#include "pairwatch/decode/fragment_table.h"

#include "support/frame_builder.h"

#include <gtest/gtest.h>

#include <limits>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::FragmentKey;
using decode::FragmentResult;
using decode::FragmentTable;
using decode::IpAddress;
using decode::Outcome;
using decode::PacketInfo;

constexpr std::int64_t kSecond = 1'000'000'000;

FragmentKey key(std::uint32_t id, std::uint32_t src = 0xc0000201) {
    return FragmentKey{IpAddress::from_v4(src), IpAddress::from_v4(0xc6336402), id, 6, 4};
}

FragmentResult result(std::uint16_t sport) {
    FragmentResult r;
    r.src = IpAddress::from_v4(0xc0000201);
    r.dst = IpAddress::from_v4(0xc6336402);
    r.sport = sport;
    r.dport = 80;
    r.ip_proto = 6;
    r.ip_version = 4;
    r.outcome = Outcome::Tcp;
    return r;
}

// ---- The table ----

TEST(FragmentTable, RemembersAndFinds) {
    FragmentTable table(16, 30 * kSecond);
    table.remember(key(1), result(1111), 0);
    const FragmentResult* found = table.find(key(1), kSecond);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->sport, 1111);
    EXPECT_EQ(found->dport, 80);
    EXPECT_EQ(found->outcome, Outcome::Tcp);
    EXPECT_EQ(table.stats().inserted, 1U);
    EXPECT_EQ(table.stats().matched, 1U);
    EXPECT_EQ(table.stats().unmatched, 0U);
}

TEST(FragmentTable, EveryKeyFieldCounts) {
    FragmentTable table(16, 30 * kSecond);
    const FragmentKey base = key(7);
    table.remember(base, result(1), 0);
    FragmentKey other_id = base;
    other_id.id = 8;
    FragmentKey other_src = base;
    other_src.src = IpAddress::from_v4(0x0a000001);
    FragmentKey other_dst = base;
    other_dst.dst = IpAddress::from_v4(0x0a000001);
    FragmentKey other_proto = base;
    other_proto.ip_proto = 17;
    FragmentKey other_version = base;
    other_version.ip_version = 6;
    for (const FragmentKey& k : {other_id, other_src, other_dst, other_proto, other_version}) {
        EXPECT_EQ(table.find(k, 1), nullptr);
    }
    EXPECT_EQ(table.stats().unmatched, 5U);
    EXPECT_NE(table.find(base, 1), nullptr);
}

TEST(FragmentTable, TimeoutIsInclusiveAndRefreshedByEachMatch) {
    FragmentTable table(16, 10 * kSecond);
    table.remember(key(1), result(1), 0);
    EXPECT_NE(table.find(key(1), 10 * kSecond), nullptr);     // exactly the timeout: kept
    EXPECT_NE(table.find(key(1), 20 * kSecond), nullptr);     // 10 s after the last match
    EXPECT_EQ(table.find(key(1), 30 * kSecond + 1), nullptr); // past it: expired and dropped
    EXPECT_EQ(table.stats().expired, 1U);
    EXPECT_EQ(table.find(key(1), 30 * kSecond + 2), nullptr); // gone, not expired twice
    EXPECT_EQ(table.stats().expired, 1U);
    EXPECT_EQ(table.stats().unmatched, 2U);
    EXPECT_EQ(table.stats().matched, 2U);
}

TEST(FragmentTable, RetransmittedFirstFragmentRefreshesItsEntry) {
    FragmentTable table(1, 10 * kSecond);
    table.remember(key(1), result(1), 0);
    table.remember(key(1), result(2), 5 * kSecond);
    for (std::uint32_t id = 2; id <= 4; ++id) table.remember(key(id), result(3), 6 * kSecond);
    EXPECT_EQ(table.stats().evicted, 0U); // one entry per key: the bucket's 4 ways hold all
    const FragmentResult* found = table.find(key(1), 14 * kSecond);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->sport, 2);
}

TEST(FragmentTable, FullBucketEvictsTheLeastRecentlyUsed) {
    FragmentTable table(1, 100 * kSecond); // one bucket of kWays entries
    ASSERT_EQ(table.capacity(), FragmentTable::kWays);
    for (std::uint32_t id = 0; id < FragmentTable::kWays; ++id) {
        table.remember(key(id), result(static_cast<std::uint16_t>(id)), id);
    }
    ASSERT_NE(table.find(key(0), 10), nullptr); // id 0 is now the most recently used
    table.remember(key(100), result(100), 11);
    EXPECT_EQ(table.stats().evicted, 1U);
    EXPECT_EQ(table.stats().expired, 0U);
    EXPECT_EQ(table.find(key(1), 12), nullptr);
    for (std::uint32_t id : {0U, 2U, 3U, 100U}) EXPECT_NE(table.find(key(id), 12), nullptr) << id;
}

TEST(FragmentTable, EvictingAnEntryPastItsTimeoutCountsAsExpired) {
    FragmentTable table(1, 10);
    for (std::uint32_t id = 0; id < FragmentTable::kWays; ++id)
        table.remember(key(id), result(1), 0);
    table.remember(key(50), result(1), 1000);
    EXPECT_EQ(table.stats().expired, 1U);
    EXPECT_EQ(table.stats().evicted, 0U);
    EXPECT_EQ(table.stats().inserted, FragmentTable::kWays + 1);
}

// Packet times may be any int64 (a pcapng if_tsresol of 1 s reaches past year 2262): the age of
// an entry saturates instead of overflowing (regressions fragment-timeout-overflow-*).
TEST(FragmentTable, FarApartTimesExpireInsteadOfOverflowing) {
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    FragmentTable table(16, 30 * kSecond);
    table.remember(key(1), result(1), kMin);
    EXPECT_EQ(table.find(key(1), kMax), nullptr); // kMax - kMin: past any timeout
    EXPECT_EQ(table.stats().expired, 1U);
    // The other way the difference is below any timeout: a packet stamped before the first
    // fragment still matches, as a small step back in time does.
    table.remember(key(2), result(2), kMax);
    EXPECT_NE(table.find(key(2), kMin), nullptr);
    EXPECT_EQ(table.stats().matched, 1U);
}

TEST(FragmentTable, EvictingAcrossTheWholeRangeCountsAsExpired) {
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    FragmentTable table(1, 10);
    for (std::uint32_t id = 0; id < FragmentTable::kWays; ++id)
        table.remember(key(id), result(1), kMin);
    table.remember(key(50), result(1), kMax);
    EXPECT_EQ(table.stats().expired, 1U);
    EXPECT_EQ(table.stats().evicted, 0U);
}

TEST(FragmentTable, ForgetDropsOnlyThatKey) {
    FragmentTable table(16, 30 * kSecond);
    table.remember(key(1), result(1), 0);
    table.remember(key(2), result(2), 0);
    table.forget(key(1));
    table.forget(key(99)); // absent: nothing happens
    EXPECT_EQ(table.find(key(1), 1), nullptr);
    EXPECT_NE(table.find(key(2), 1), nullptr);
}

TEST(FragmentTable, CapacityIsBucketsRoundedUpTimesWays) {
    EXPECT_EQ(FragmentTable(0).capacity(), FragmentTable::kWays);
    EXPECT_EQ(FragmentTable(1).capacity(), FragmentTable::kWays);
    EXPECT_EQ(FragmentTable(1000).capacity(), 1024 * FragmentTable::kWays);
    EXPECT_EQ(FragmentTable(1024).capacity(), 1024 * FragmentTable::kWays);
}

TEST(FragmentTable, AnySeedFindsWhatItRemembered) {
    for (std::uint64_t seed : {0ULL, 1ULL, 0xdeadbeefcafef00dULL}) {
        FragmentTable table(64, 30 * kSecond, seed);
        for (std::uint32_t id = 0; id < 64; ++id) table.remember(key(id, id), result(1), 0);
        std::size_t found = 0;
        for (std::uint32_t id = 0; id < 64; ++id) found += table.find(key(id, id), 1) != nullptr;
        // 64 keys in 64 buckets of 4: a few may collide past 4, most must be there.
        EXPECT_GE(found + table.stats().evicted, 64U) << seed;
        EXPECT_GT(found, 48U) << seed;
    }
}

// ---- Fragments through the decoder ----

class Fragments : public ::testing::Test {
protected:
    PacketInfo decode(const Bytes& frame, std::int64_t ts_ns = 0) {
        PacketInfo info;
        decoder_.decode(raw_frame(frame, 0, ts_ns), info);
        return info;
    }
    decode::Decoder decoder_{
        DLT_EN10MB,
        decode::DecoderOptions{.fragment_buckets = 64, .fragment_timeout_ns = 30 * kSecond}};
};

::testing::AssertionResult is_pair(const PacketInfo& info, Outcome outcome) {
    return has_pair(info, outcome, "192.0.2.1", 1234, "198.51.100.2", 80);
}

Bytes v4_first_tcp(std::uint16_t id = 0x4242) {
    return FrameBuilder{}
        .ethernet()
        .ipv4({.id = id, .mf = true})
        .tcp({.sport = 1234, .dport = 80, .flags = 0x18})
        .payload(12)
        .build();
}

Bytes v4_later(std::uint16_t id, std::uint16_t offset8, bool more, std::size_t bytes,
               std::uint8_t proto = 6, std::string_view src = "192.0.2.1") {
    return FrameBuilder{}
        .ethernet()
        .ipv4({.src = src, .proto = proto, .id = id, .mf = more, .frag_offset = offset8})
        .payload(bytes)
        .build();
}

TEST_F(Fragments, Ipv4LaterFragmentsInheritThePorts) {
    PacketInfo info = decode(v4_first_tcp());
    EXPECT_TRUE(is_pair(info, Outcome::Tcp));
    EXPECT_TRUE(info.fragment);
    EXPECT_FALSE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 12U); // the payload bytes in this fragment
    EXPECT_EQ(info.ip_len, 52U);
    EXPECT_EQ(info.tcp_flags, 0x18);

    info = decode(v4_later(0x4242, 4, true, 64));
    EXPECT_TRUE(is_pair(info, Outcome::Tcp));
    EXPECT_TRUE(info.fragment);
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 64U);
    EXPECT_EQ(info.ip_len, 84U);
    EXPECT_EQ(info.ip_proto, decode::kIpProtoTcp);
    EXPECT_EQ(info.ip_version, 4);
    EXPECT_EQ(info.tcp_flags, 0); // no TCP header in this fragment

    info = decode(v4_later(0x4242, 12, false, 10));
    EXPECT_TRUE(is_pair(info, Outcome::Tcp));
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 10U);

    EXPECT_EQ(decoder_.stats().fragments, 3U);
    EXPECT_EQ(decoder_.stats().outcome(Outcome::Tcp), 3U);
    EXPECT_EQ(decoder_.fragment_stats().inserted, 1U);
    EXPECT_EQ(decoder_.fragment_stats().matched, 2U);
}

TEST_F(Fragments, Ipv4Udp) {
    // The UDP length covers the whole 108-byte datagram; the first fragment holds 32 bytes.
    const Bytes first_fragment = FrameBuilder{}
                                     .ethernet()
                                     .ipv4({.id = 77, .mf = true})
                                     .udp({.sport = 1234, .dport = 80, .length = 108})
                                     .payload(24)
                                     .build();
    PacketInfo info = decode(first_fragment);
    EXPECT_TRUE(is_pair(info, Outcome::Udp));
    EXPECT_EQ(info.payload_len, 24U);
    info = decode(v4_later(77, 4, false, 76, 17));
    EXPECT_TRUE(is_pair(info, Outcome::Udp));
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 76U);
}

TEST_F(Fragments, Ipv6LaterFragmentsInheritThePorts) {
    const Bytes first_fragment = FrameBuilder{}
                                     .ethernet()
                                     .ipv6()
                                     .hop_by_hop()
                                     .ipv6_fragment({.more = true, .id = 0x01020304})
                                     .tcp({.sport = 1234, .dport = 80})
                                     .payload(4)
                                     .build();
    PacketInfo info = decode(first_fragment);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "2001:db8::1", 1234, "2001:db8::2", 80));
    EXPECT_TRUE(info.fragment);
    EXPECT_FALSE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 4U);

    const Bytes later = FrameBuilder{}
                            .ethernet()
                            .ipv6()
                            .hop_by_hop()
                            .ipv6_fragment({.offset = 3, .id = 0x01020304, .next = 6})
                            .payload(50)
                            .build();
    info = decode(later);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "2001:db8::1", 1234, "2001:db8::2", 80));
    EXPECT_TRUE(info.fragment);
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 50U);
    EXPECT_EQ(info.ip_len, 40U + 8 + 8 + 50);
    EXPECT_EQ(info.ip_version, 6);
    EXPECT_EQ(info.tcp_flags, 0);
    EXPECT_EQ(decoder_.fragment_stats().matched, 1U);
}

// RFC 8200 4.5: the Fragment header's Next Header is the first header of the Fragmentable Part
// (here Destination Options, 60) in every fragment, so the key takes it, not the end of the
// first fragment's chain (TCP); and an extension header there may lead to ports.
TEST_F(Fragments, Ipv6ExtensionHeaderAfterTheFragmentHeader) {
    const Bytes first_fragment = FrameBuilder{}
                                     .ethernet()
                                     .ipv6()
                                     .ipv6_fragment({.more = true, .id = 0x0a0b0c0d})
                                     .dest_opts()
                                     .tcp({.sport = 1234, .dport = 80})
                                     .payload(4)
                                     .build();
    EXPECT_TRUE(
        has_pair(decode(first_fragment), Outcome::Tcp, "2001:db8::1", 1234, "2001:db8::2", 80));
    const Bytes later = FrameBuilder{}
                            .ethernet()
                            .ipv6()
                            .ipv6_fragment({.offset = 4, .id = 0x0a0b0c0d, .next = 60})
                            .payload(50)
                            .build();
    const PacketInfo info = decode(later);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "2001:db8::1", 1234, "2001:db8::2", 80));
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 50U);
}

// RFC 4302: the first fragment decodes through AH to TCP and is remembered under IP protocol
// 51; the later fragments of the AH-protected segment inherit its conversation.
TEST_F(Fragments, FragmentsOfAhProtectedTcp) {
    const Bytes first_fragment = FrameBuilder{}
                                     .ethernet()
                                     .ipv4({.id = 41, .mf = true})
                                     .ah()
                                     .tcp({.sport = 1234, .dport = 80})
                                     .payload(4)
                                     .build();
    EXPECT_TRUE(is_pair(decode(first_fragment), Outcome::Tcp));
    const PacketInfo info = decode(v4_later(41, 6, false, 30, 51));
    EXPECT_TRUE(is_pair(info, Outcome::Tcp));
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 30U);
}

TEST_F(Fragments, Ipv6AtomicFragmentIsAWholeDatagram) {
    // RFC 8200 4.5 / RFC 6946: offset 0 and M clear.
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv6()
                            .ipv6_fragment({.id = 5})
                            .udp({.sport = 1234, .dport = 80})
                            .payload(3)
                            .build();
    const PacketInfo info = decode(frame);
    EXPECT_TRUE(has_pair(info, Outcome::Udp, "2001:db8::1", 1234, "2001:db8::2", 80));
    EXPECT_FALSE(info.fragment);
    EXPECT_EQ(info.payload_len, 3U);
    EXPECT_EQ(decoder_.fragment_stats().inserted, 0U);
}

TEST_F(Fragments, UnmatchedLaterFragments) {
    PacketInfo info = decode(v4_later(0x999, 100, false, 40));
    EXPECT_EQ(info.outcome, Outcome::UnmatchedFragment);
    EXPECT_TRUE(info.fragment);
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 40U);
    EXPECT_EQ(info.sport, 0);
    EXPECT_EQ(decode::to_string(info.src), "192.0.2.1");

    const Bytes v6 = FrameBuilder{}
                         .ethernet()
                         .ipv6()
                         .ipv6_fragment({.offset = 185, .id = 1, .next = 17})
                         .payload(16)
                         .build();
    info = decode(v6);
    EXPECT_EQ(info.outcome, Outcome::UnmatchedFragment);
    EXPECT_EQ(info.payload_len, 16U);
    EXPECT_EQ(decoder_.fragment_stats().unmatched, 2U);
    EXPECT_EQ(decoder_.stats().outcome(Outcome::UnmatchedFragment), 2U);
    EXPECT_TRUE(decoder_.stats().adds_up());
}

TEST_F(Fragments, OnlyTheSameDatagramMatches) {
    (void)decode(v4_first_tcp(1));
    EXPECT_EQ(decode(v4_later(2, 4, false, 8)).outcome, Outcome::UnmatchedFragment); // other id
    EXPECT_EQ(decode(v4_later(1, 4, false, 8, 6, "192.0.2.77")).outcome,
              Outcome::UnmatchedFragment); // other source
    EXPECT_EQ(decode(v4_later(1, 4, false, 8, 17)).outcome,
              Outcome::UnmatchedFragment); // other protocol
    EXPECT_TRUE(is_pair(decode(v4_later(1, 4, false, 8)), Outcome::Tcp));
}

TEST_F(Fragments, LaterFragmentBeforeTheFirstStaysUnmatched) {
    EXPECT_EQ(decode(v4_later(3, 4, false, 8)).outcome, Outcome::UnmatchedFragment);
    EXPECT_TRUE(is_pair(decode(v4_first_tcp(3)), Outcome::Tcp));
}

TEST_F(Fragments, FragmentsOfIcmpAreOtherIp) {
    const Bytes first_fragment =
        FrameBuilder{}.ethernet().ipv4({.id = 9, .mf = true}).icmp().payload(16).build();
    PacketInfo info = decode(first_fragment);
    EXPECT_EQ(info.outcome, Outcome::OtherIp);
    EXPECT_TRUE(info.fragment);
    info = decode(v4_later(9, 3, false, 100, 1));
    EXPECT_EQ(info.outcome, Outcome::OtherIp);
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 100U);
    EXPECT_EQ(decoder_.fragment_stats().unmatched, 0U); // never looked up
    const Bytes v6 = FrameBuilder{}
                         .ethernet()
                         .ipv6()
                         .ipv6_fragment({.offset = 3, .id = 9, .next = 58})
                         .payload(30)
                         .build();
    EXPECT_EQ(decode(v6).outcome, Outcome::OtherIp);
}

TEST_F(Fragments, BrokenFirstFragmentLeavesLaterOnesUnmatched) {
    const Bytes broken = FrameBuilder{}
                             .ethernet()
                             .ipv4({.id = 4, .mf = true})
                             .tcp({.sport = 1234, .dport = 80, .data_offset = 2})
                             .payload(12)
                             .build();
    EXPECT_TRUE(stopped_with(decode(broken), false, DecodeError::TcpDataOffsetBelowFive));
    EXPECT_EQ(decode(v4_later(4, 4, false, 8)).outcome, Outcome::UnmatchedFragment);

    // A good first fragment, then a broken one reusing its id: the later fragment belongs to
    // the second datagram and must not inherit the first one's ports.
    EXPECT_TRUE(is_pair(decode(v4_first_tcp(5)), Outcome::Tcp));
    const Bytes reused = FrameBuilder{}
                             .ethernet()
                             .ipv4({.id = 5, .mf = true})
                             .tcp({.sport = 1234, .dport = 80, .data_offset = 3})
                             .payload(12)
                             .build();
    (void)decode(reused);
    EXPECT_EQ(decode(v4_later(5, 4, false, 8)).outcome, Outcome::UnmatchedFragment);
}

TEST_F(Fragments, UdpTunnelInAFragmentIsNotOpened) {
    const Bytes first_fragment =
        FrameBuilder{}
            .ethernet()
            .ipv4({.id = 11, .mf = true})
            .udp({.sport = 1234, .dport = decode::kVxlanPort, .length = 500})
            .vxlan()
            .ethernet()
            .ipv4({.src = "10.0.0.1"})
            .tcp()
            .payload(2)
            .build();
    PacketInfo info = decode(first_fragment);
    EXPECT_TRUE(
        has_pair(info, Outcome::Udp, "192.0.2.1", 1234, "198.51.100.2", decode::kVxlanPort));
    EXPECT_EQ(info.tunnel_depth, 0);
    info = decode(v4_later(11, 9, false, 428, 17));
    EXPECT_TRUE(
        has_pair(info, Outcome::Udp, "192.0.2.1", 1234, "198.51.100.2", decode::kVxlanPort));
    EXPECT_TRUE(info.non_first_fragment);
}

// A fragmented GRE (or IP-in-IP) datagram carries the inner IP header in its first fragment, and
// the inner total length runs on into the later fragments (RFC 791 3.2, RFC 8200 4.5): not a
// length beyond the frame. The first fragment gives the inner pair and its later fragments
// inherit it.
TEST_F(Fragments, FirstFragmentOfAGreDatagramGivesTheInnerPair) {
    const Bytes first_fragment =
        FrameBuilder{}
            .ethernet()
            .ipv4({.id = 21, .mf = true})
            .gre()
            .ipv4({.src = "10.0.0.1", .dst = "10.0.0.2", .total_length = 140})
            .tcp({.sport = 1111, .dport = 2222})
            .payload(12)
            .build();
    PacketInfo info = decode(first_fragment);
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "10.0.0.1", 1111, "10.0.0.2", 2222));
    EXPECT_EQ(info.tunnel_depth, 1);
    EXPECT_EQ(info.outer_tunnel, decode::TunnelKind::Gre);
    EXPECT_TRUE(info.fragment);
    info = decode(v4_later(21, 7, false, 88, 47));
    EXPECT_TRUE(has_pair(info, Outcome::Tcp, "10.0.0.1", 1111, "10.0.0.2", 2222));
    EXPECT_TRUE(info.non_first_fragment);
    EXPECT_EQ(info.payload_len, 88U);
}

// RFC 1858 3.2 (IPv4 tiny fragments) and RFC 8200 4.5 (IPv6: the first fragment must hold the
// upper-layer header): a first fragment that ends inside the TCP header is malformed, and is
// not remembered for its later fragments.
TEST_F(Fragments, FirstFragmentEndingInsideTheTcpHeaderIsTooShort) {
    const Bytes v4 = FrameBuilder{}
                         .ethernet()
                         .ipv4({.id = 31, .mf = true, .total_length = 20 + 8})
                         .tcp({.sport = 1234, .dport = 80})
                         .build();
    PacketInfo info = decode(v4);
    EXPECT_TRUE(stopped_with(info, false, DecodeError::FirstFragmentTooShort));
    EXPECT_FALSE(info.snap_cut);
    const Bytes v6 = FrameBuilder{}
                         .ethernet()
                         .ipv6({.payload_length = 8 + 8})
                         .ipv6_fragment({.more = true, .id = 31})
                         .tcp({.sport = 1234, .dport = 80})
                         .build();
    info = decode(v6);
    EXPECT_TRUE(stopped_with(info, false, DecodeError::FirstFragmentTooShort));
    EXPECT_EQ(decoder_.fragment_stats().inserted, 0U);
}

TEST_F(Fragments, TimeoutForgetsTheFirstFragment) {
    (void)decode(v4_first_tcp(6), 0);
    EXPECT_TRUE(is_pair(decode(v4_later(6, 4, true, 8), 30 * kSecond), Outcome::Tcp));
    EXPECT_EQ(decode(v4_later(6, 5, false, 8), 60 * kSecond + 1).outcome,
              Outcome::UnmatchedFragment);
    EXPECT_EQ(decoder_.fragment_stats().expired, 1U);
}

TEST(FragmentsEviction, FloodOfFirstFragmentsEvictsTheOldest) {
    decode::Decoder decoder(DLT_EN10MB, decode::DecoderOptions{.fragment_buckets = 1});
    PacketInfo info;
    for (std::uint16_t id = 0; id <= FragmentTable::kWays; ++id) {
        decoder.decode(raw_frame(v4_first_tcp(id), 0, id), info);
    }
    EXPECT_EQ(decoder.fragment_stats().evicted, 1U);
    decoder.decode(raw_frame(v4_later(0, 4, false, 8), 0, 100), info);
    EXPECT_EQ(info.outcome, Outcome::UnmatchedFragment);
    for (std::uint16_t id = 1; id <= FragmentTable::kWays; ++id) {
        decoder.decode(raw_frame(v4_later(id, 4, false, 8), 0, 100), info);
        EXPECT_TRUE(is_pair(info, Outcome::Tcp)) << id;
    }
    EXPECT_TRUE(decoder.stats().adds_up());
}

TEST(FragmentsCut, FirstFragmentEveryCut) {
    const Bytes frame = v4_first_tcp();
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
            EXPECT_TRUE(is_pair(info, Outcome::Tcp));
            EXPECT_TRUE(info.fragment);
            EXPECT_TRUE(info.snap_cut);
        }
    });
}

TEST(FragmentsCut, LaterFragmentEveryCut) {
    const Bytes frame = v4_later(1, 4, false, 20);
    for_each_cut(DLT_EN10MB, frame, [](std::size_t cut, bool snaplen, const PacketInfo& info) {
        SCOPED_TRACE(::testing::Message() << "cut " << cut << " snaplen " << snaplen);
        if (cut < 14) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedLinkHeader));
        } else if (cut < 34) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::TruncatedIpv4Header));
        } else if (!snaplen) {
            EXPECT_TRUE(stopped_with(info, snaplen, DecodeError::Ipv4TotalLengthBeyondFrame));
        } else {
            EXPECT_EQ(info.outcome, Outcome::UnmatchedFragment);
            EXPECT_EQ(info.payload_len, 20U);
            EXPECT_TRUE(info.snap_cut);
        }
    });
}

} // namespace
} // namespace pairwatch::test
