#include "pairwatch/watch/server_inventory.h"

#include "support/flow_packets.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

struct Rig {
    services::ServiceRegistry registry;
    watch::ServerInventory inventory;
    flow::FlowTable table{{}, client_rule(registry), &inventory};
};

TEST(ServerInventory, ASynAckOrAUdpReplyMakesAServerARstDoesNot) {
    using namespace decode::tcp_flag;
    Rig r;
    const Endpoint web{"198.51.100.1", 80}, telnet{"198.51.100.1", 23}, dns{"198.51.100.2", 53};
    r.table.on_packet(tcp_packet(1 * kSecond, {"192.0.2.1", 40000}, web, kSyn, 1, 0));
    r.table.on_packet(tcp_packet(2 * kSecond, web, {"192.0.2.1", 40000}, kSyn | kAck, 9, 2));
    r.table.on_packet(tcp_packet(3 * kSecond, {"192.0.2.1", 40001}, telnet, kSyn, 1, 0));
    r.table.on_packet(tcp_packet(3 * kSecond, telnet, {"192.0.2.1", 40001}, kRst | kAck, 0, 2));
    r.table.on_packet(udp_packet(4 * kSecond, {"192.0.2.2", 50000}, dns, 30));
    EXPECT_EQ(r.inventory.size(), 1U) << "a query alone reveals no server";
    r.table.on_packet(udp_packet(5 * kSecond, dns, {"192.0.2.2", 50000}, 80));
    ASSERT_EQ(r.inventory.size(), 2U);
    const auto* w = r.inventory.find({ip("198.51.100.1"), 80, decode::kIpProtoTcp, 4});
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->first_ns, 2 * kSecond);
    EXPECT_EQ(w->flows, 1U);
    EXPECT_EQ(w->client_count, 1U);
    EXPECT_EQ(r.inventory.find({ip("198.51.100.1"), 23, decode::kIpProtoTcp, 4}), nullptr);
    const auto* d = r.inventory.find({ip("198.51.100.2"), 53, decode::kIpProtoUdp, 4});
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->first_ns, 5 * kSecond);
}

TEST(ServerInventory, CountsDistinctClientsFlowsAndBytesOfEndedConversations) {
    Rig r;
    const Endpoint dns{"198.51.100.2", 53};
    for (int i = 0; i < 6; ++i) {
        const std::string client = "192.0.2." + std::to_string(1 + i % 3); // 3 distinct
        const Endpoint c{client.c_str(), static_cast<std::uint16_t>(50000 + i)};
        r.table.on_packet(udp_packet(i * kSecond, c, dns, 30));
        r.table.on_packet(udp_packet(i * kSecond + 1, dns, c, 100));
    }
    r.table.on_end();
    const auto* d = r.inventory.find({ip("198.51.100.2"), 53, decode::kIpProtoUdp, 4});
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->flows, 6U);
    EXPECT_EQ(d->client_count, 3U);
    ASSERT_EQ(d->first_clients.size(), 3U);
    EXPECT_EQ(d->first_clients[0], ip("192.0.2.1"));
    EXPECT_EQ(d->bytes_to, 6U * (20 + 8 + 30));
    EXPECT_EQ(d->bytes_from, 6U * (20 + 8 + 100));
    EXPECT_EQ(d->packets, 12U);
    EXPECT_EQ(d->last_ns, 5 * kSecond + 1);
}

TEST(ServerInventory, PastItsCapNewServersAreCountedNotKept) {
    Rig r;
    const std::size_t n = watch::ServerInventory::kMaxServers + 5;
    for (std::size_t i = 0; i < n; ++i) { // answers from made-up DNS servers
        const std::string server = fmt::format("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255);
        r.table.on_packet(udp_packet(1, {server.c_str(), 53}, {"192.0.2.1", 50000}, 10));
    }
    EXPECT_EQ(r.inventory.size(), watch::ServerInventory::kMaxServers);
    EXPECT_EQ(r.inventory.refused(), 5U);
    // A kept server still counts its flows.
    r.table.on_packet(udp_packet(2, {"10.0.0.0", 53}, {"192.0.2.2", 50000}, 10));
    const auto* first = r.inventory.find({ip("10.0.0.0"), 53, decode::kIpProtoUdp, 4});
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->flows, 2U);
    EXPECT_FALSE(first->clients_capped);
}

TEST(ServerInventory, DistinctClientsStopAtTheCap) {
    Rig r;
    const Endpoint dns{"2001:db8::53", 53};
    for (std::size_t i = 0; i < watch::ServerInventory::kMaxClients + 10; ++i) {
        const std::string client = fmt::format("2001:db8:1::{:x}", i + 1);
        const Endpoint c{client.c_str(), 50000};
        r.table.on_packet(udp_packet(1, dns, c, 10, true)); // replies only: the server answers
    }
    const auto* d = r.inventory.find({ip("2001:db8::53"), 53, decode::kIpProtoUdp, 6});
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->client_count, watch::ServerInventory::kMaxClients);
    EXPECT_TRUE(d->clients_capped);
    EXPECT_EQ(d->flows, watch::ServerInventory::kMaxClients + 10);
    EXPECT_EQ(d->first_clients.size(), watch::ServerInventory::kFirstClientsKept);
}

} // namespace
} // namespace pairwatch::test
