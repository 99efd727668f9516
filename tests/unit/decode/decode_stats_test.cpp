// DecodeStats (decode_stats.cpp): one outcome per frame, reasons for the failed ones, layer
// counts for the rest, and merging per-thread counts.
#include "pairwatch/decode/decode_stats.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::DecodeStats;
using decode::Outcome;
using decode::PacketInfo;
using decode::TunnelKind;

PacketInfo packet(Outcome outcome) {
    PacketInfo p;
    p.outcome = outcome;
    return p;
}

PacketInfo failed(Outcome outcome, DecodeError error) {
    PacketInfo p = packet(outcome);
    p.error = error;
    p.snap_cut = outcome == Outcome::Truncated;
    return p;
}

TEST(DecodeStats, EachFrameCountsOneOutcome) {
    DecodeStats s;
    for (std::size_t i = 0; i < decode::kOutcomeCount; ++i) {
        const auto o = static_cast<Outcome>(i);
        PacketInfo p = packet(o);
        if (o == Outcome::Truncated) p = failed(o, DecodeError::TruncatedTcpPorts);
        if (o == Outcome::Malformed) p = failed(o, DecodeError::Ipv4IhlBelowFive);
        for (std::size_t n = 0; n <= i; ++n) s.record(p);
    }
    EXPECT_EQ(s.frames, 1U + 2 + 3 + 4 + 5 + 6 + 7);
    for (std::size_t i = 0; i < decode::kOutcomeCount; ++i) {
        EXPECT_EQ(s.outcome(static_cast<Outcome>(i)), i + 1)
            << decode::to_string(static_cast<Outcome>(i));
    }
    EXPECT_TRUE(s.adds_up());
}

TEST(DecodeStats, FailuresCountTheirReasonOnly) {
    DecodeStats s;
    PacketInfo truncated = failed(Outcome::Truncated, DecodeError::TruncatedIpv6Extension);
    truncated.ip_version = 6;
    truncated.vlan_count = 1;
    truncated.fragment = true;
    truncated.tunnel_depth = 1;
    truncated.outer_tunnel = TunnelKind::Gre;
    s.record(truncated);
    PacketInfo malformed = failed(Outcome::Malformed, DecodeError::TooManyLayers);
    malformed.ip_version = 4;
    malformed.snap_cut = true; // a malformation found in a cut frame is not counted as a cut
    s.record(malformed);
    EXPECT_EQ(s.error(DecodeError::TruncatedIpv6Extension), 1U);
    EXPECT_EQ(s.error(DecodeError::TooManyLayers), 1U);
    EXPECT_EQ(s.snap_cut, 1U);
    EXPECT_EQ(s.ipv4 + s.ipv6 + s.vlan_tagged + s.fragments + s.tunnelled, 0U);
    EXPECT_TRUE(s.adds_up());
}

TEST(DecodeStats, LayersOfDecodedFrames) {
    DecodeStats s;
    PacketInfo tcp = packet(Outcome::Tcp);
    tcp.ip_version = 4;
    tcp.vlan_count = 2;
    tcp.snap_cut = true;
    s.record(tcp);
    PacketInfo udp = packet(Outcome::Udp);
    udp.ip_version = 6;
    udp.fragment = true;
    udp.tunnel_depth = 2;
    udp.outer_tunnel = TunnelKind::Vxlan;
    s.record(udp);
    PacketInfo outer = packet(Outcome::Udp);
    outer.ip_version = 4;
    outer.tunnel_undecoded = true;
    s.record(outer);
    PacketInfo later = packet(Outcome::UnmatchedFragment);
    later.ip_version = 6;
    later.fragment = true;
    s.record(later);

    EXPECT_EQ(s.ipv4, 2U);
    EXPECT_EQ(s.ipv6, 2U);
    EXPECT_EQ(s.vlan_tagged, 1U);
    EXPECT_EQ(s.fragments, 2U);
    EXPECT_EQ(s.snap_cut, 1U);
    EXPECT_EQ(s.tunnelled, 1U);
    EXPECT_EQ(s.tunnels[static_cast<std::size_t>(TunnelKind::Vxlan)], 1U);
    EXPECT_EQ(s.tunnel_not_opened, 1U);
    for (auto e : s.errors) EXPECT_EQ(e, 0U);
}

TEST(DecodeStats, TunnelKindsFitTheArray) {
    EXPECT_EQ(decode::kTunnelKindCount, static_cast<std::size_t>(TunnelKind::MplsUdp) + 1);
}

TEST(DecodeStats, MergeAddsEveryCounter) {
    DecodeStats a;
    DecodeStats b;
    PacketInfo tcp = packet(Outcome::Tcp);
    tcp.ip_version = 4;
    tcp.vlan_count = 1;
    tcp.fragment = true;
    tcp.snap_cut = true;
    tcp.tunnel_depth = 1;
    tcp.outer_tunnel = TunnelKind::Teredo;
    tcp.tunnel_undecoded = true;
    a.record(tcp);
    PacketInfo udp6 = packet(Outcome::Udp);
    udp6.ip_version = 6;
    b.record(udp6);
    b.record(failed(Outcome::Malformed, DecodeError::NflogBadTlv));
    a.merge(b);
    EXPECT_EQ(a.frames, 3U);
    EXPECT_EQ(a.outcome(Outcome::Tcp), 1U);
    EXPECT_EQ(a.outcome(Outcome::Udp), 1U);
    EXPECT_EQ(a.outcome(Outcome::Malformed), 1U);
    EXPECT_EQ(a.error(DecodeError::NflogBadTlv), 1U);
    EXPECT_EQ(a.ipv4, 1U);
    EXPECT_EQ(a.ipv6, 1U);
    EXPECT_EQ(a.vlan_tagged, 1U);
    EXPECT_EQ(a.fragments, 1U);
    EXPECT_EQ(a.snap_cut, 1U);
    EXPECT_EQ(a.tunnelled, 1U);
    EXPECT_EQ(a.tunnels[static_cast<std::size_t>(TunnelKind::Teredo)], 1U);
    EXPECT_EQ(a.tunnel_not_opened, 1U);
    EXPECT_TRUE(a.adds_up());

    DecodeStats twice = a;
    twice.merge(a);
    EXPECT_EQ(twice.frames, 6U);
    EXPECT_EQ(twice.tunnels[static_cast<std::size_t>(TunnelKind::Teredo)], 2U);
    EXPECT_TRUE(twice.adds_up());
}

TEST(DecodeStats, AddsUpDetectsAMismatch) {
    DecodeStats s;
    EXPECT_TRUE(s.adds_up());
    s.record(packet(Outcome::NonIp));
    ++s.frames;
    EXPECT_FALSE(s.adds_up());
}

} // namespace
} // namespace pairwatch::test
