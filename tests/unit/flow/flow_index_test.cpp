// The flow table's index hashes a 32-bit tag of each key's hash, so that growing it never reads
// a record (flow_table.h, Entry). Keys whose tags are the same must still be told apart, by
// their records, at every size the index grows through.
#include "pairwatch/flow/flow_key.h"
#include "pairwatch/flow/flow_table.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace pairwatch::test {
namespace {

/// The first seed, from 1, under which two of the clients' keys have the same tag (the high
/// half of the key's hash: flow_table.cpp, SlotHash); about 2.6 pairs are expected of 150k.
std::uint64_t seed_with_a_shared_tag(const std::vector<std::string>& clients, Endpoint server) {
    std::vector<flow::FlowKey> keys;
    for (const std::string& c : clients) {
        keys.push_back(flow::make_flow_key(udp_packet(1, {c.c_str(), 40000}, server)).key);
    }
    for (std::uint64_t seed = 1;; ++seed) {
        std::vector<std::uint32_t> tags;
        tags.reserve(keys.size());
        for (const auto& k : keys) {
            tags.push_back(static_cast<std::uint32_t>(flow::hash_flow_key(k, seed) >> 32));
        }
        std::sort(tags.begin(), tags.end());
        if (std::adjacent_find(tags.begin(), tags.end()) != tags.end()) return seed;
    }
}

TEST(FlowIndex, KeysWhoseTagsAreTheSameStayApartAsTheIndexGrows) {
    constexpr std::uint32_t kFlows = 150'000;
    const Endpoint server{"198.51.100.53", 53};
    std::vector<std::string> clients;
    clients.reserve(kFlows);
    for (std::uint32_t i = 0; i < kFlows; ++i) {
        clients.push_back(fmt::format("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255));
    }
    flow::FlowTableOptions options;
    options.hash_seed = seed_with_a_shared_tag(clients, server);
    CapturingSink sink;
    flow::FlowTable table(options, {}, &sink);
    for (const std::string& c : clients) table.on_packet(udp_packet(1, {c.c_str(), 40000}, server));
    for (const std::string& c : clients) table.on_packet(udp_packet(2, server, {c.c_str(), 40000}));
    EXPECT_EQ(table.stats().flows_created, kFlows);
    EXPECT_EQ(table.size(), kFlows);
    table.on_end();
    ASSERT_EQ(sink.ended.size(), kFlows);
    for (const auto& e : sink.ended) {
        ASSERT_EQ(e.flow.orig().packets.get(), 1U);
        ASSERT_EQ(e.flow.resp().packets.get(), 1U);
    }
}

} // namespace
} // namespace pairwatch::test
