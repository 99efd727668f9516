#include "pairwatch/flow/flow_key.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <array>
#include <type_traits>
#include <utility>

using pairwatch::decode::PacketInfo;
using pairwatch::flow::FlowKey;
using pairwatch::flow::hash_flow_key;
using pairwatch::flow::make_flow_key;
using pairwatch::test::ip;
using pairwatch::test::tcp_packet;
using pairwatch::test::udp_packet;

namespace {

PacketInfo reversed(PacketInfo p) {
    std::swap(p.src, p.dst);
    std::swap(p.sport, p.dport);
    return p;
}

} // namespace

static_assert(std::has_unique_object_representations_v<FlowKey>, "no padding in the key");
static_assert(sizeof(FlowKey) == 42);

TEST(FlowKey, BothDirectionsGiveOneKeyAndHash) {
    const PacketInfo out = tcp_packet(0, {"10.0.0.9", 50000}, {"10.0.0.2", 80}, 0x02, 1, 0);
    const auto k1 = make_flow_key(out);
    const auto k2 = make_flow_key(reversed(out));
    EXPECT_EQ(k1.key, k2.key);
    EXPECT_EQ(hash_flow_key(k1.key, 7), hash_flow_key(k2.key, 7));
    // The lower address is endpoint a: 10.0.0.2:80.
    EXPECT_EQ(k1.key.addr_a, ip("10.0.0.2"));
    EXPECT_EQ(k1.key.port_a, 80);
    EXPECT_EQ(k1.key.addr_b, ip("10.0.0.9"));
    EXPECT_EQ(k1.key.port_b, 50000);
    EXPECT_TRUE(k1.from_b);  // 10.0.0.9 sent it
    EXPECT_FALSE(k2.from_b); // 10.0.0.2 sent it
    EXPECT_EQ(k1.key.proto, 6);
    EXPECT_EQ(k1.key.vlan_count(), 0);
    EXPECT_FALSE(k1.key.ipv6());
}

TEST(FlowKey, SameAddressOrdersByPort) {
    const PacketInfo p = udp_packet(0, {"192.0.2.1", 5353}, {"192.0.2.1", 53});
    const auto k = make_flow_key(p);
    EXPECT_EQ(k.key.port_a, 53);
    EXPECT_EQ(k.key.port_b, 5353);
    EXPECT_TRUE(k.from_b);
    EXPECT_EQ(make_flow_key(reversed(p)).key, k.key);
    EXPECT_FALSE(make_flow_key(reversed(p)).from_b);
}

TEST(FlowKey, SamePortsAndAddressesIsNotFromB) {
    const PacketInfo p = udp_packet(0, {"192.0.2.1", 5353}, {"192.0.2.1", 5353});
    EXPECT_FALSE(make_flow_key(p).from_b);
}

TEST(FlowKey, ProtocolIsPartOfTheKey) {
    const auto t = make_flow_key(tcp_packet(0, {"10.0.0.1", 1000}, {"10.0.0.2", 53}, 0x02, 1, 0));
    const auto u = make_flow_key(udp_packet(0, {"10.0.0.1", 1000}, {"10.0.0.2", 53}));
    EXPECT_NE(t.key, u.key);
    EXPECT_EQ(u.key.proto, 17);
}

TEST(FlowKey, VlanIdsAndCountAreInTheKey) {
    PacketInfo untagged = udp_packet(0, {"10.0.0.1", 50000}, {"10.0.0.2", 53});
    PacketInfo vlan0 = untagged;
    vlan0.vlan_count = 1;
    vlan0.vlan = {0, 0};
    PacketInfo vlan10 = untagged;
    vlan10.vlan_count = 1;
    vlan10.vlan = {10, 0};
    PacketInfo vlan20 = vlan10;
    vlan20.vlan = {20, 0};
    PacketInfo qinq = untagged;
    qinq.vlan_count = 2;
    qinq.vlan = {10, 30};

    const auto k_untagged = make_flow_key(untagged).key;
    const auto k_vlan0 = make_flow_key(vlan0).key;
    const auto k_vlan10 = make_flow_key(vlan10).key;
    const auto k_vlan20 = make_flow_key(vlan20).key;
    const auto k_qinq = make_flow_key(qinq).key;

    // A VLAN 0 tag is not the same as no tag: the count tells them apart.
    EXPECT_NE(k_untagged, k_vlan0);
    EXPECT_EQ(k_untagged.vlan_count(), 0);
    EXPECT_EQ(k_vlan0.vlan_count(), 1);
    EXPECT_EQ(k_vlan0.vlan_outer, 0);
    EXPECT_NE(k_vlan10, k_vlan20);
    EXPECT_EQ(k_vlan10.vlan_outer, 10);
    EXPECT_EQ(k_vlan10.vlan_inner, 0);
    EXPECT_EQ(k_vlan20.vlan_outer, 20);
    EXPECT_NE(k_vlan10, k_qinq);
    EXPECT_EQ(k_qinq.vlan_count(), 2);
    EXPECT_EQ(k_qinq.vlan_outer, 10);
    EXPECT_EQ(k_qinq.vlan_inner, 30);
    // Both directions on one VLAN still meet.
    EXPECT_EQ(make_flow_key(reversed(vlan10)).key, k_vlan10);
    EXPECT_EQ(make_flow_key(reversed(qinq)).key, k_qinq);
}

TEST(FlowKey, Ipv4MappedIpv6IsNotTheIpv4Host) {
    const PacketInfo v4 = udp_packet(0, {"192.0.2.1", 50000}, {"192.0.2.2", 53});
    const PacketInfo v6 =
        udp_packet(0, {"::ffff:192.0.2.1", 50000}, {"::ffff:192.0.2.2", 53}, 10, true);
    // The same 16 address bytes...
    ASSERT_EQ(v4.src, v6.src);
    ASSERT_EQ(v4.dst, v6.dst);
    const auto k4 = make_flow_key(v4).key;
    const auto k6 = make_flow_key(v6).key;
    // ...but different keys.
    EXPECT_NE(k4, k6);
    EXPECT_FALSE(k4.ipv6());
    EXPECT_TRUE(k6.ipv6());
    EXPECT_NE(hash_flow_key(k4, 1), hash_flow_key(k6, 1));
}

TEST(FlowKey, Ipv6CanonicalOrder) {
    const PacketInfo p =
        tcp_packet(0, {"2001:db8::20", 443}, {"2001:db8::1", 50000}, 0x12, 1, 2, 0, 100, true);
    const auto k = make_flow_key(p);
    EXPECT_EQ(k.key.addr_a, ip("2001:db8::1"));
    EXPECT_EQ(k.key.port_a, 50000);
    EXPECT_EQ(k.key.addr_b, ip("2001:db8::20"));
    EXPECT_TRUE(k.from_b);
    EXPECT_TRUE(k.key.ipv6());
    EXPECT_EQ(make_flow_key(reversed(p)).key, k.key);
}

TEST(FlowKey, HashDependsOnTheSeed) {
    const auto k = make_flow_key(udp_packet(0, {"10.0.0.1", 50000}, {"10.0.0.2", 53})).key;
    EXPECT_EQ(hash_flow_key(k, 1), hash_flow_key(k, 1));
    EXPECT_NE(hash_flow_key(k, 1), hash_flow_key(k, 2));
    EXPECT_NE(hash_flow_key(k, 0), hash_flow_key(k, 0x9e3779b97f4a7c15ULL));
}

TEST(FlowKey, HashSeparatesNearbyKeys) {
    // Keys that differ in one port, one address byte or the VLAN hash apart.
    const auto base = make_flow_key(udp_packet(0, {"10.0.0.1", 50000}, {"10.0.0.2", 53})).key;
    auto port = base;
    port.port_b = 50001;
    auto addr = base;
    addr.addr_b.bytes[15] = 3;
    auto vlan = base;
    vlan.vlan_outer = 1;
    vlan.shape = 1;
    const std::uint64_t h = hash_flow_key(base, 42);
    EXPECT_NE(h, hash_flow_key(port, 42));
    EXPECT_NE(h, hash_flow_key(addr, 42));
    EXPECT_NE(h, hash_flow_key(vlan, 42));
}

TEST(FlowKey, EqualityComparesEveryByte) {
    const auto a = make_flow_key(udp_packet(0, {"10.0.0.1", 50000}, {"10.0.0.2", 53})).key;
    // Every byte of the 42, one at a time: the compare reads them in overlapping words.
    for (std::size_t at = 0; at < sizeof(FlowKey); ++at) {
        FlowKey b = a;
        EXPECT_EQ(a, b);
        auto* bytes = reinterpret_cast<unsigned char*>(&b);
        bytes[at] = static_cast<unsigned char>(bytes[at] ^ 0x01);
        EXPECT_NE(a, b) << "byte " << at;
    }
}

// Endpoint a is the lower (address, port), the address compared byte by byte: the key compares
// addresses as words, which must order exactly as the bytes do. Two bytes differ each time, the
// earlier one deciding, so a word loaded in the wrong byte order gets it wrong.
TEST(FlowKey, EndpointOrderIsTheBytesOrderForEveryPairOfAddressBytes) {
    const PacketInfo p = udp_packet(0, {"10.0.0.1", 5000}, {"10.0.0.1", 5000});
    int checked = 0;
    for (std::size_t first = 0; first < 16; ++first) {
        for (std::size_t later = first + 1; later < 16; ++later) {
            for (const bool src_low : {true, false}) {
                PacketInfo q = p;
                (src_low ? q.src : q.dst).bytes[first] = 0x01;
                (src_low ? q.dst : q.src).bytes[first] = 0x02;
                (src_low ? q.src : q.dst).bytes[later] = 0xff;
                (src_low ? q.dst : q.src).bytes[later] = 0x00;
                EXPECT_EQ(make_flow_key(q).from_b, !src_low) << first << " " << later;
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 240);
    // Equal addresses: the ports decide, and equal ports are not from b.
    for (const auto& [sport, dport] : {std::pair{1, 2}, {2, 1}, {7, 7}}) {
        PacketInfo q = p;
        q.sport = static_cast<std::uint16_t>(sport);
        q.dport = static_cast<std::uint16_t>(dport);
        EXPECT_EQ(make_flow_key(q).from_b, sport > dport);
    }
}

TEST(WorkerOf, BothDirectionsGoToOneWorkerAndConversationsSpreadEvenly) {
    constexpr std::uint32_t kWorkers = 3;
    std::array<int, kWorkers> per_worker{};
    for (std::uint16_t port = 1024; port < 1024 + 3000; ++port) {
        const PacketInfo out = udp_packet(0, {"10.0.0.9", port}, {"10.0.0.2", 53}, 40);
        const std::uint32_t w = pairwatch::flow::worker_of(out, 7, kWorkers);
        ASSERT_LT(w, kWorkers);
        EXPECT_EQ(pairwatch::flow::worker_of(reversed(out), 7, kWorkers), w);
        ++per_worker[w];
    }
    // 1000 each on average; a fair hash keeps every worker within 10% of it.
    for (const int n : per_worker) {
        EXPECT_GT(n, 900);
        EXPECT_LT(n, 1100);
    }
}

TEST(WorkerOf, FramesWithoutASocketPairGoToTheFirstWorker) {
    PacketInfo icmp = udp_packet(0, {"10.0.0.9", 1}, {"10.0.0.2", 2}, 40);
    icmp.outcome = pairwatch::decode::Outcome::OtherIp;
    EXPECT_EQ(pairwatch::flow::worker_of(icmp, 7, 4), 0u);
    EXPECT_EQ(pairwatch::flow::worker_of(udp_packet(0, {"10.0.0.9", 1}, {"10.0.0.2", 2}, 40), 7, 1), 0u);
}
