// The decode counters as text (decode_summary.cpp): exact lines, as users and scripts read them.
#include "pairwatch/report/decode_summary.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

using decode::DecodeError;
using decode::Outcome;
using decode::PacketInfo;
using decode::TunnelKind;

PacketInfo packet(Outcome outcome, std::uint8_t ip_version) {
    PacketInfo p;
    p.outcome = outcome;
    p.ip_version = ip_version;
    return p;
}

TEST(DecodeSummary, EveryCounterByName) {
    decode::DecodeStats s;
    PacketInfo gre = packet(Outcome::Tcp, 4);
    gre.vlan_count = 1;
    gre.tunnel_depth = 1;
    gre.outer_tunnel = TunnelKind::Gre;
    s.record(gre);
    PacketInfo fragment = packet(Outcome::Tcp, 4);
    fragment.fragment = true;
    s.record(fragment);
    PacketInfo vxlan = packet(Outcome::Tcp, 6);
    vxlan.snap_cut = true;
    vxlan.tunnel_depth = 2;
    vxlan.outer_tunnel = TunnelKind::Vxlan;
    s.record(vxlan);
    PacketInfo undecoded = packet(Outcome::Udp, 4);
    undecoded.tunnel_undecoded = true;
    undecoded.tunnel_error = DecodeError::TruncatedTunnelHeader;
    s.record(undecoded);
    s.record(packet(Outcome::Udp, 4));
    s.record(packet(Outcome::NonIp, 0));
    PacketInfo truncated = packet(Outcome::Truncated, 4);
    truncated.error = DecodeError::TruncatedTcpPorts;
    truncated.snap_cut = true;
    s.record(truncated);
    PacketInfo malformed = packet(Outcome::Malformed, 4);
    malformed.error = DecodeError::Ipv4IhlBelowFive;
    s.record(malformed);
    decode::FragmentTableStats fragments;
    fragments.matched = 5;
    fragments.evicted = 2;

    EXPECT_EQ(report::format_decode_counters(s, fragments),
              "decode: 8 frames read\n"
              "  tcp                                               3\n"
              "  udp                                               2\n"
              "  other_ip                                          0\n"
              "  non_ip                                            1\n"
              "  unmatched_fragment                                0\n"
              "  truncated                                         1\n"
              "  malformed                                         1\n"
              "layers:\n"
              "  ipv4                                              4\n"
              "  ipv6                                              1\n"
              "  vlan_tagged                                       1\n"
              "  fragments                                         1\n"
              "  fragments_matched                                 5\n"
              "  fragment_entries_evicted                          2\n"
              "  snaplen_cut                                       2\n"
              "  tunnelled                                         2\n"
              "  tunnel_gre                                        1\n"
              "  tunnel_vxlan                                      1\n"
              "  tunnel_not_opened                                 1\n"
              "truncated or malformed, by reason:\n"
              "  truncated_tcp_ports                               1\n"
              "  ipv4_ihl_below_five                               1\n"
              "tunnel payloads not decoded (outer packet kept), by reason:\n"
              "  truncated_tunnel_header                           1\n");
}

TEST(DecodeSummary, NothingReadListsOutcomesAndLayersOnly) {
    EXPECT_EQ(report::format_decode_counters({}, {}),
              "decode: 0 frames read\n"
              "  tcp                                               0\n"
              "  udp                                               0\n"
              "  other_ip                                          0\n"
              "  non_ip                                            0\n"
              "  unmatched_fragment                                0\n"
              "  truncated                                         0\n"
              "  malformed                                         0\n"
              "layers:\n"
              "  ipv4                                              0\n"
              "  ipv6                                              0\n"
              "  vlan_tagged                                       0\n"
              "  fragments                                         0\n"
              "  fragments_matched                                 0\n"
              "  fragment_entries_evicted                          0\n"
              "  snaplen_cut                                       0\n"
              "  tunnelled                                         0\n"
              "  tunnel_not_opened                                 0\n");
}

TEST(DecodeSummary, LargeCountsStayAligned) {
    decode::DecodeStats s;
    s.frames = 123456789012;
    s.outcomes[static_cast<std::size_t>(Outcome::Tcp)] = 123456789012;
    const std::string text = report::format_decode_counters(s, {});
    EXPECT_NE(text.find("\n  tcp                                    123456789012\n"),
              std::string::npos)
        << text;
}

TEST(CaptureSummary, OneLine) {
    capture::CaptureCounters c;
    c.received = 1000;
    c.dropped_by_kernel = 12;
    c.dropped_by_interface = 0;
    EXPECT_EQ(report::format_capture_counters(c),
              "capture: 1000 received, 12 dropped by the kernel, 0 dropped by the interface\n");
}

} // namespace
} // namespace pairwatch::test
