#include "pairwatch/export/metrics.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

TEST(Metrics, ExpositionFormatHasHelpTypeAndLabelledSeries) {
    exporter::MetricsValues v;
    v.packets = 330;
    v.bytes = 116000;
    v.malformed = 1;
    v.capture = capture::CaptureCounters{330, 2, 0};
    v.flows_active = 3;
    v.flows_created = 30;
    v.flows_ended[static_cast<std::size_t>(flow::EndReason::Fin)] = 20;
    v.ended_by_service[{"tcp", "http"}] = 5;
    v.ended_by_service[{"udp", "a\"b"}] = 1;
    v.ended_by_category[0] = 6;
    v.alerts[static_cast<std::size_t>(watch::AlertKind::Scan)] = 1;
    const std::string text = exporter::format_metrics(v);
    for (const char* line : {
             "# HELP pairwatch_packets_total Frames read from the source.\n",
             "# TYPE pairwatch_packets_total counter\npairwatch_packets_total 330\n",
             "pairwatch_bytes_total 116000\n",
             "pairwatch_packets_malformed_total 1\n",
             "pairwatch_packets_dropped_total{where=\"kernel\"} 2\n",
             "pairwatch_packets_dropped_total{where=\"interface\"} 0\n",
             "# TYPE pairwatch_flows_active gauge\npairwatch_flows_active 3\n",
             "pairwatch_flows_created_total 30\n",
             "pairwatch_flows_ended_total{reason=\"fin\"} 20\n",
             "pairwatch_flows_ended_total{reason=\"evicted\"} 0\n",
             "pairwatch_flows_ended_by_service_total{proto=\"tcp\",service=\"http\"} 5\n",
             "pairwatch_flows_ended_by_service_total{proto=\"udp\",service=\"a\\\"b\"} 1\n",
             "pairwatch_flows_ended_by_category_total{category=\"well-known\"} 6\n",
             "pairwatch_alerts_total{kind=\"scan\"} 1\n",
             "pairwatch_alerts_total{kind=\"new-server\"} 0\n",
         }) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
    }
    EXPECT_EQ(text.find("reason=\"none\""), std::string::npos) << "open flows have not ended";
    v.capture.reset();
    EXPECT_EQ(exporter::format_metrics(v).find("dropped"), std::string::npos) << "a file drops nothing";
}

TEST(Metrics, CollectorCountsPacketsAndEndedFlowsAndPublishesAtTheEnd) {
    services::ServiceRegistry registry;
    flow::FlowTable table({}, client_rule(registry), nullptr);
    exporter::MetricsCollector m(table, registry);
    auto feed = [&](const decode::PacketInfo& p) {
        table.on_packet(p);
        m.on_packet(p);
    };
    feed(udp_packet(1, {"10.0.0.2", 50000}, {"10.0.0.1", 53}, 10));
    feed(udp_packet(2, {"10.0.0.1", 53}, {"10.0.0.2", 50000}, 10));
    EXPECT_EQ(m.latest().packets, 0U) << "nothing published yet";
    const flow::Flow ended{}; // the collector only reads its ports and protocol
    m.on_flow_end(ended, flow::EndReason::Idle);
    m.on_end();
    const auto v = m.latest();
    EXPECT_EQ(v.packets, 2U);
    EXPECT_EQ(v.bytes, 2U * (14 + 20 + 8 + 10));
    EXPECT_EQ(v.flows_active, 1U);
    EXPECT_EQ(v.flows_created, 1U);
    EXPECT_EQ(v.flows_ended[static_cast<std::size_t>(flow::EndReason::Idle)], 1U);
}

TEST(Metrics, BindAddressDefaultsToLoopback) {
    EXPECT_EQ(exporter::parse_bind_address("9100").host, "127.0.0.1");
    EXPECT_EQ(exporter::parse_bind_address(":9100").port, 9100);
    EXPECT_EQ(exporter::parse_bind_address("0.0.0.0:9100").host, "0.0.0.0");
    EXPECT_EQ(exporter::parse_bind_address("[::1]:9100").host, "::1");
    EXPECT_THROW((void)exporter::parse_bind_address("::1:9100"), exporter::MetricsError);
    EXPECT_THROW((void)exporter::parse_bind_address("localhost:9100"), exporter::MetricsError);
    EXPECT_THROW((void)exporter::parse_bind_address("127.0.0.1:99999"), exporter::MetricsError);
}

} // namespace
} // namespace pairwatch::test
