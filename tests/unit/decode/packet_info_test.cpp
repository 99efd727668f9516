// PacketInfo's small types (packet_info.cpp): IPv4-mapped addresses and their text, the names
// of outcomes and tunnel kinds.
#include "pairwatch/decode/packet_info.h"

#include "support/frame_builder.h"

#include <absl/hash/hash.h>
#include <gtest/gtest.h>

#include <set>

namespace pairwatch::test {
namespace {

using decode::IpAddress;
using decode::Outcome;
using decode::TunnelKind;

IpAddress v6(std::string_view text) {
    IpAddress a;
    a.bytes = FrameBuilder::v6(text);
    return a;
}

TEST(IpAddress, V4IsStoredIpv4Mapped) {
    const IpAddress a = IpAddress::from_v4(0xc0000201);
    EXPECT_TRUE(a.is_v4());
    EXPECT_EQ(a.v4(), 0xc0000201U);
    EXPECT_EQ(a, v6("::ffff:192.0.2.1"));
    EXPECT_EQ(decode::to_string(a), "192.0.2.1");
    EXPECT_EQ(decode::to_string(IpAddress::from_v4(0)), "0.0.0.0");
    EXPECT_EQ(decode::to_string(IpAddress::from_v4(0xffffffff)), "255.255.255.255");
}

TEST(IpAddress, V6TextIsRfc5952) {
    EXPECT_FALSE(v6("2001:db8::1").is_v4());
    EXPECT_FALSE(IpAddress{}.is_v4());
    EXPECT_FALSE(v6("::192.0.2.1").is_v4()); // IPv4-compatible, not mapped
    EXPECT_FALSE(v6("0:0:0:0:1:ffff:c000:201").is_v4());
    EXPECT_EQ(decode::to_string(IpAddress{}), "::");
    EXPECT_EQ(decode::to_string(v6("::1")), "::1");
    EXPECT_EQ(decode::to_string(v6("2001:0DB8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
    // 4.2.3: the longest run of zeros is compressed, the first one when two tie.
    EXPECT_EQ(decode::to_string(v6("2001:0:0:1:0:0:0:1")), "2001:0:0:1::1");
    EXPECT_EQ(decode::to_string(v6("2001:db8:0:0:1:0:0:1")), "2001:db8::1:0:0:1");
    // 4.2.2: a single zero field is not compressed.
    EXPECT_EQ(decode::to_string(v6("2001:db8:0:1:1:1:1:1")), "2001:db8:0:1:1:1:1:1");
    EXPECT_EQ(decode::to_string(v6("fe80::1:2")), "fe80::1:2");
}

TEST(IpAddress, VersionDecidesTheText) {
    // An IPv6 header may carry an IPv4-mapped address: it stays IPv6 text.
    const IpAddress mapped = IpAddress::from_v4(0xc0000201);
    EXPECT_EQ(decode::to_string(mapped, 4), "192.0.2.1");
    EXPECT_EQ(decode::to_string(mapped, 6), "::ffff:192.0.2.1");
    EXPECT_EQ(decode::to_string(v6("2001:db8::7"), 6), "2001:db8::7");
}

TEST(IpAddress, OrderIsByteOrder) {
    EXPECT_LT(IpAddress::from_v4(0x0a000001), IpAddress::from_v4(0x0a000002));
    EXPECT_LT(v6("::1"), IpAddress::from_v4(0)); // ::ffff:0:0 sorts after ::1
    EXPECT_LT(IpAddress::from_v4(0xffffffff), v6("2001:db8::"));
}

TEST(IpAddress, EveryByteDecidesEqualityAndTheHash) {
    const IpAddress base = v6("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff");
    const IpAddress same = base;
    EXPECT_EQ(base, same);
    EXPECT_EQ(absl::Hash<IpAddress>{}(base), absl::Hash<IpAddress>{}(same));
    std::set<std::size_t> hashes{absl::Hash<IpAddress>{}(base)};
    for (std::size_t i = 0; i < base.bytes.size(); ++i) {
        for (const int flip : {0x01, 0x80}) {
            IpAddress other = base;
            other.bytes[i] = static_cast<std::uint8_t>(other.bytes[i] ^ flip);
            EXPECT_NE(base, other) << "byte " << i << " bit " << flip;
            EXPECT_FALSE(base == other);
            hashes.insert(absl::Hash<IpAddress>{}(other));
        }
    }
    EXPECT_EQ(hashes.size(), 1 + base.bytes.size() * 2); // no two of the 33 collide
}

TEST(IpAddress, Ipv4MappedSourceInAnIpv6HeaderDecodesAsIpv6) {
    const Bytes frame = FrameBuilder{}.ethernet().ipv6({.src = "::ffff:192.0.2.1"}).udp().build();
    const decode::PacketInfo info = decode_one(DLT_EN10MB, frame);
    EXPECT_EQ(info.ip_version, 6);
    EXPECT_EQ(decode::to_string(info.src, info.ip_version), "::ffff:192.0.2.1");
}

TEST(Outcome, Names) {
    EXPECT_EQ(decode::to_string(Outcome::Tcp), "tcp");
    EXPECT_EQ(decode::to_string(Outcome::Udp), "udp");
    EXPECT_EQ(decode::to_string(Outcome::OtherIp), "other_ip");
    EXPECT_EQ(decode::to_string(Outcome::NonIp), "non_ip");
    EXPECT_EQ(decode::to_string(Outcome::UnmatchedFragment), "unmatched_fragment");
    EXPECT_EQ(decode::to_string(Outcome::Truncated), "truncated");
    EXPECT_EQ(decode::to_string(Outcome::Malformed), "malformed");
    EXPECT_EQ(decode::to_string(Outcome::kCount), "unknown");
}

TEST(Outcome, OnlyTcpAndUdpHavePorts) {
    for (std::size_t i = 0; i < decode::kOutcomeCount; ++i) {
        decode::PacketInfo p;
        p.outcome = static_cast<Outcome>(i);
        EXPECT_EQ(p.has_ports(), p.outcome == Outcome::Tcp || p.outcome == Outcome::Udp);
    }
}

TEST(TunnelKind, Names) {
    EXPECT_EQ(decode::to_string(TunnelKind::None), "none");
    EXPECT_EQ(decode::to_string(TunnelKind::IpInIp), "ip-in-ip");
    EXPECT_EQ(decode::to_string(TunnelKind::Gre), "gre");
    EXPECT_EQ(decode::to_string(TunnelKind::Vxlan), "vxlan");
    EXPECT_EQ(decode::to_string(TunnelKind::Geneve), "geneve");
    EXPECT_EQ(decode::to_string(TunnelKind::Teredo), "teredo");
    EXPECT_EQ(decode::to_string(TunnelKind::MplsUdp), "mpls-in-udp");
    EXPECT_EQ(decode::to_string(static_cast<TunnelKind>(200)), "unknown");
}

} // namespace
} // namespace pairwatch::test
