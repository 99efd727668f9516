#include "pairwatch/watch/server_inventory.h"

#include "support/flow_packets.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <tuple>
#include <vector>

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

/// A conversation as the inventory sees it: client a, server b, the server's answer given.
flow::Flow answered_flow(std::uint32_t server, std::uint32_t client, std::int64_t last_ns,
                         std::uint64_t bytes) {
    flow::Flow f;
    const bool v6 = server % 7 == 0;
    f.key.addr_a = v6 ? ip(fmt::format("2001:db8:1::{:x}", client + 1).c_str())
                      : decode::IpAddress::from_v4(0x0a000000U + client);
    f.key.addr_b = v6 ? ip(fmt::format("2001:db8::{:x}", server / 3 + 1).c_str())
                      : decode::IpAddress::from_v4(0xc6336400U + server / 3);
    f.key.port_a = static_cast<std::uint16_t>(40000 + client % 20000);
    f.key.port_b = static_cast<std::uint16_t>(server % 3 == 0 ? 53 : server % 3 == 1 ? 443 : 8080);
    f.key.proto = server % 2 == 0 ? decode::kIpProtoUdp : decode::kIpProtoTcp;
    f.key.shape = v6 ? flow::FlowKey::kIpv6 : 0;
    f.answered_ = 1;
    f.first_ns = last_ns - 5;
    f.last_ns = last_ns;
    f.counters[0].packets.add(2);
    f.counters[0].ip_bytes.add(bytes);
    f.counters[1].packets.add(3);
    f.counters[1].ip_bytes.add(3 * bytes);
    return f;
}

using RecordRow =
    std::tuple<std::string, std::uint16_t, std::uint8_t, std::uint32_t, std::int64_t, std::int64_t,
               std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, bool,
               std::vector<decode::IpAddress>>;

std::vector<RecordRow> rows_of(const watch::ServerInventory& inventory) {
    std::vector<RecordRow> rows;
    inventory.for_each([&](const watch::ServerKey& k, const watch::ServerRecord& r) {
        rows.emplace_back(decode::to_string(k.addr, k.ip_version), k.port, k.proto, r.id,
                          r.first_ns, r.last_ns, r.flows, r.bytes_to, r.bytes_from, r.packets,
                          r.client_count, r.clients_capped, r.first_clients);
    });
    return rows;
}

// The inventory holds events and applies them kBatch at a time, each step for all of them at
// once; every reader must find what applying them one by one, in order, gives. One inventory is
// read after every event (so it applies each as it comes), the other only at the end.
TEST(ServerInventory, EventsAppliedInBatchesGiveWhatOneAtATimeGives) {
    std::mt19937 random(7);
    auto below = [&random](std::uint32_t n) { return static_cast<std::uint32_t>(random() % n); };
    watch::ServerInventory one_at_a_time, batched;
    std::vector<flow::Flow> open;
    std::int64_t now = kSecond;
    for (int i = 0; i < 20'000; ++i) {
        now += 1 + below(1000);
        const std::uint32_t pick = below(10);
        if (pick < 5 || open.empty()) {
            // Half from 40 busy servers, so a batch often holds one server more than once.
            const std::uint32_t server = below(2) == 0 ? below(40) : below(700);
            const flow::Flow f = answered_flow(server, below(3000), now, below(5000));
            for (auto* inv : {&one_at_a_time, &batched}) inv->on_answer(f);
            open.push_back(f);
        } else if (pick < 9) {
            // An end, out of order: of any open conversation, with packets since its answer.
            const std::size_t at = random() % open.size();
            flow::Flow f = open[at];
            open[at] = open.back();
            open.pop_back();
            f.last_ns = now;
            f.counters[1].ip_bytes.add(below(100));
            for (auto* inv : {&one_at_a_time, &batched}) inv->on_flow_end(f, flow::EndReason::Idle);
        } else {
            // The end of a conversation whose answer came before the inventory was attached:
            // of a server not kept yet (its first answer may come later, in the same batch).
            const flow::Flow f = answered_flow(600 + below(100), below(3000), now, 10);
            for (auto* inv : {&one_at_a_time, &batched}) inv->on_flow_end(f, flow::EndReason::Idle);
        }
        EXPECT_GE(one_at_a_time.size(), 1U); // a read: applies what is held, here every event
    }
    const auto want = rows_of(one_at_a_time);
    const auto got = rows_of(batched);
    ASSERT_GT(want.size(), 500U);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "server #" << i;
    EXPECT_EQ(batched.refused(), one_at_a_time.refused());
}

TEST(ServerInventory, AReaderFindsTheEventsNotYetApplied) {
    watch::ServerInventory inventory;
    const flow::Flow f = answered_flow(1, 1, kSecond, 100);
    inventory.on_answer(f); // one event: far from a full batch
    const auto* r = inventory.find(watch::ServerInventory::server_of(f));
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->flows, 1U);
    inventory.on_flow_end(f, flow::EndReason::Idle);
    EXPECT_EQ(inventory.size(), 1U);
    EXPECT_EQ(inventory.find(watch::ServerInventory::server_of(f))->bytes_to, 100U);
    std::size_t visited = 0;
    inventory.on_answer(answered_flow(2, 1, 2 * kSecond, 100));
    inventory.for_each([&](const watch::ServerKey&, const watch::ServerRecord&) { ++visited; });
    EXPECT_EQ(visited, 2U);
}

} // namespace
} // namespace pairwatch::test
