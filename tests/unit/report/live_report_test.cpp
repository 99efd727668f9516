#include "pairwatch/report/live_report.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

TEST(LiveReport, SnapshotHoldsTheTopConversationsByBytes) {
    const services::ServiceRegistry registry;
    flow::FlowTable table({}, client_rule(registry), nullptr);
    report::LiveReport live(table, registry, 0.0, 2); // every batch, top 2
    const auto feed = [&](const decode::PacketInfo& p) {
        table.on_packet(p);
        live.on_packet(p);
    };
    feed(udp_packet(1 * kSecond, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 100));  // 128 IP bytes
    feed(udp_packet(2 * kSecond, {"192.0.2.2", 50001}, {"198.51.100.1", 123}, 48)); // 76
    feed(udp_packet(3 * kSecond, {"192.0.2.3", 50002}, {"198.51.100.1", 161}, 10)); // 38
    feed(udp_packet(4 * kSecond, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 10));  // +38
    EXPECT_FALSE(live.take().has_value()); // nothing until a batch ends
    live.on_batch_end();
    const auto s = live.take();
    ASSERT_TRUE(s.has_value());
    EXPECT_FALSE(live.take().has_value()); // taken once
    EXPECT_EQ(s->packets, 4U);
    EXPECT_EQ(s->interval_packets, 4U);
    EXPECT_EQ(s->flows_active, 3U);
    EXPECT_EQ(s->flows_total, 3U);
    ASSERT_EQ(s->top.size(), 2U);
    EXPECT_EQ(s->top[0].orig, "192.0.2.1:50000");
    EXPECT_EQ(s->top[0].resp, "198.51.100.1:53");
    EXPECT_EQ(s->top[0].service, "dns");
    EXPECT_EQ(s->top[0].category, "well-known");
    EXPECT_EQ(s->top[0].state, "S0");
    EXPECT_EQ(s->top[0].packets, 2U);
    EXPECT_EQ(s->top[0].bytes, 166U);
    EXPECT_DOUBLE_EQ(s->top[0].age_s, 3.0); // newest packet (4 s) less its first (1 s)
    EXPECT_EQ(s->top[1].service, "ntp");
    EXPECT_EQ(s->top[1].bytes, 76U);

    const std::string text = report::format_snapshot(*s, "eth0");
    EXPECT_EQ(text.rfind("=== ", 0), 0U);
    EXPECT_NE(text.find(" pairwatch eth0, up "), std::string::npos);
    EXPECT_NE(text.find("| 4 packets read | flows 3 active, 3 total, 0 evicted\n"), std::string::npos);
    EXPECT_NE(text.find("udp          192.0.2.1:50000 > 198.51.100.1:53          dns        "
                        "well-known S0            2          166     3.0s\n"),
              std::string::npos)
        << text;
}

} // namespace
} // namespace pairwatch::test
