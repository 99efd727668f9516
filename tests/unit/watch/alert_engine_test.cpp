#include "pairwatch/watch/alert_engine.h"

#include "support/flow_packets.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

using namespace decode::tcp_flag;

struct Collect final : watch::AlertSink {
    std::vector<watch::Alert> got;
    void on_alert(const watch::Alert& a) override { got.push_back(a); }
};

struct Rig {
    services::ServiceRegistry registry;
    Collect sink;
    std::unique_ptr<watch::AlertEngine> engine;
    std::unique_ptr<flow::FlowTable> table;

    explicit Rig(watch::AlertOptions options = {}) {
        engine = std::make_unique<watch::AlertEngine>(registry, std::move(options));
        engine->add_sink(&sink);
        table = std::make_unique<flow::FlowTable>(flow::FlowTableOptions{}, client_rule(registry),
                                                  engine.get());
    }
    /// A TCP handshake client -> server, answered.
    void connect(std::int64_t t, Endpoint c, Endpoint s) {
        table->on_packet(tcp_packet(t, c, s, kSyn, 1, 0));
        table->on_packet(tcp_packet(t + 1, s, c, kSyn | kAck, 7, 2));
    }
    void refused(std::int64_t t, Endpoint c, Endpoint s) {
        table->on_packet(tcp_packet(t, c, s, kSyn, 1, 0));
        table->on_packet(tcp_packet(t + 1, s, c, kRst | kAck, 0, 2));
    }
};


TEST(AlertEngine, WithoutPolicyOnlyADynamicPortServerIsNews) {
    Rig r;
    r.connect(1 * kSecond, {"10.0.0.2", 40000}, {"10.0.0.1", 80});
    r.connect(2 * kSecond, {"10.0.0.2", 40001}, {"10.0.0.9", 54321});
    ASSERT_EQ(r.sink.got.size(), 1U);
    const watch::Alert& a = r.sink.got[0];
    EXPECT_EQ(a.kind, watch::AlertKind::DynamicPortServer);
    EXPECT_EQ(a.host, ip("10.0.0.9"));
    EXPECT_EQ(a.port, 54321);
    EXPECT_EQ(a.proto, decode::kIpProtoTcp);
    EXPECT_EQ(a.peer, ip("10.0.0.2"));
    EXPECT_EQ(a.ts_ns, 2 * kSecond + 1);
    EXPECT_EQ(watch::alert_to_text(a),
              "dynamic-port-server [medium] 10.0.0.9 tcp/54321, first client 10.0.0.2: a server on "
              "a dynamic port (49152-65535) that no rule allows");
}

TEST(AlertEngine, PolicyDefaultDenyIsANewServerADenyRuleIsADeniedService) {
    const services::ServiceRegistry registry;
    const watch::Policy policy = watch::parse_policy(R"(default = "deny"
[[rule]]
name = "no telnet"
action = "deny"
services = ["telnet"]
severity = "critical"
[[rule]]
action = "allow"
hosts = ["10.0.0.1", "10.0.0.9"]
services = ["http", "tcp/54321"]
)",
                                                     "lan.toml", registry);
    watch::AlertOptions o;
    o.policy = &policy;
    Rig r(o);
    r.connect(1 * kSecond, {"10.0.0.2", 40000}, {"10.0.0.1", 80});     // allowed
    r.connect(2 * kSecond, {"10.0.0.2", 40001}, {"10.0.0.1", 23});     // telnet: denied
    r.connect(3 * kSecond, {"10.0.0.2", 40002}, {"10.0.0.1", 8080});   // by default: new
    r.connect(4 * kSecond, {"10.0.0.2", 40003}, {"10.0.0.9", 54321});  // explicitly allowed
    ASSERT_EQ(r.sink.got.size(), 2U);
    EXPECT_EQ(r.sink.got[0].kind, watch::AlertKind::DeniedService);
    EXPECT_EQ(r.sink.got[0].severity, watch::Severity::Critical);
    EXPECT_EQ(r.sink.got[0].port, 23);
    EXPECT_EQ(r.sink.got[0].service, "telnet");
    EXPECT_EQ(r.sink.got[0].detail, "denied by rule 1 'no telnet' (line 2)");
    EXPECT_EQ(r.sink.got[1].kind, watch::AlertKind::NewServer);
    EXPECT_EQ(r.sink.got[1].port, 8080);
    EXPECT_EQ(r.sink.got[1].detail, "no rule of lan.toml allows it (the default is deny)");
}

TEST(AlertEngine, OneAlertPerServerAndKindThenRepeats) {
    Rig r;
    for (int i = 0; i < 5; ++i) {
        r.connect(i * kSecond, {"10.0.0.2", static_cast<std::uint16_t>(40000 + i)}, {"10.0.0.9", 54321});
    }
    ASSERT_EQ(r.sink.got.size(), 1U);
    ASSERT_EQ(r.engine->alerts().size(), 1U);
    EXPECT_EQ(r.engine->alerts()[0].repeats, 4U);
    EXPECT_EQ(r.engine->counts()[static_cast<std::size_t>(watch::AlertKind::DynamicPortServer)], 1U);
}

TEST(AlertEngine, PastItsCapNewAlertsAreCountedNotRaised) {
    Rig r;
    const std::size_t n = watch::AlertEngine::kMaxAlerts + 3;
    for (std::size_t i = 0; i < n; ++i) { // made-up servers on dynamic ports, one alert each
        const std::string server = fmt::format("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255);
        r.connect(static_cast<std::int64_t>(i) * 10, {"192.0.2.1", 40000}, {server.c_str(), 50000});
    }
    EXPECT_EQ(r.sink.got.size(), watch::AlertEngine::kMaxAlerts);
    EXPECT_EQ(r.engine->alerts().size(), watch::AlertEngine::kMaxAlerts);
    EXPECT_EQ(r.engine->not_raised(), 3U);
    // One already raised still counts its repeats.
    r.connect(static_cast<std::int64_t>(n) * 10, {"192.0.2.1", 40001}, {"10.0.0.0", 50000});
    EXPECT_EQ(r.engine->alerts()[0].repeats, 1U);
    EXPECT_EQ(r.engine->not_raised(), 3U);
}

TEST(AlertEngine, BaselineServersAreKnownOthersAreNew) {
    absl::flat_hash_set<watch::ServerKey> baseline;
    baseline.insert({ip("10.0.0.1"), 80, decode::kIpProtoTcp, 4});
    baseline.insert({ip("10.0.0.9"), 54321, decode::kIpProtoTcp, 4});
    watch::AlertOptions o;
    o.baseline = &baseline;
    Rig r(o);
    r.connect(1 * kSecond, {"10.0.0.2", 40000}, {"10.0.0.1", 80});
    r.connect(2 * kSecond, {"10.0.0.2", 40001}, {"10.0.0.9", 54321}); // learned: not news
    r.connect(3 * kSecond, {"10.0.0.2", 40002}, {"10.0.0.1", 443});
    ASSERT_EQ(r.sink.got.size(), 1U);
    EXPECT_EQ(r.sink.got[0].kind, watch::AlertKind::NewServer);
    EXPECT_EQ(r.sink.got[0].port, 443);
    EXPECT_EQ(r.sink.got[0].detail, "not in the baseline");
}

TEST(AlertEngine, AScanIsRaisedAtTheThresholdOncePerSource) {
    watch::AlertOptions o;
    o.scan_threshold = 5;
    o.scan_window_ns = 10 * kSecond;
    Rig r(o);
    for (std::uint16_t p = 1; p <= 4; ++p) r.refused(kSecond + p, {"10.0.0.66", 40000}, {"10.0.0.1", p});
    r.table->advance_time(20 * kSecond); // the refused attempts end (linger) and reach the detector
    EXPECT_TRUE(r.sink.got.empty()) << "4 attempts, threshold 5";
    for (std::uint16_t p = 5; p <= 8; ++p) r.refused(21 * kSecond + p, {"10.0.0.66", 40000}, {"10.0.0.1", p});
    r.table->advance_time(40 * kSecond);
    EXPECT_TRUE(r.sink.got.empty()) << "the first four left the 10 s window";
    r.refused(22 * kSecond, {"10.0.0.66", 40000}, {"10.0.0.2", 22});
    r.table->on_packet(tcp_packet(22 * kSecond + 5, {"10.0.0.66", 40001}, {"10.0.0.3", 80}, kSyn, 1, 0));
    r.table->on_end();
    ASSERT_EQ(r.sink.got.size(), 1U);
    const watch::Alert& a = r.sink.got[0];
    EXPECT_EQ(a.kind, watch::AlertKind::Scan);
    EXPECT_EQ(a.host, ip("10.0.0.66"));
    EXPECT_EQ(a.detail, "5 refused or unanswered attempts to 5 ports on 2 hosts within 10 s");
    EXPECT_EQ(r.engine->alerts()[0].repeats, 1U); // the unanswered SYN to 10.0.0.3
}

TEST(ScanDetector, DistinctTargetsOnlyAndBoundedSources) {
    watch::ScanDetector d(3, 100 * kSecond);
    const auto src = ip("192.0.2.1");
    EXPECT_FALSE(d.on_failed_attempt(src, 1, ip("198.51.100.1"), 22));
    EXPECT_FALSE(d.on_failed_attempt(src, 2, ip("198.51.100.1"), 22)); // the same target again
    EXPECT_FALSE(d.on_failed_attempt(src, 3, ip("198.51.100.2"), 22));
    const auto f = d.on_failed_attempt(src, 4, ip("198.51.100.2"), 23);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->attempts, 3U);
    EXPECT_EQ(f->ports, 2U);
    EXPECT_EQ(f->hosts, 2U);
    for (std::uint32_t i = 0; i < watch::ScanDetector::kMaxSources + 10; ++i) {
        d.on_failed_attempt(decode::IpAddress::from_v4(0x0A000000 + i), 1000 * kSecond + i, src, 1);
    }
    EXPECT_LE(d.sources(), watch::ScanDetector::kMaxSources);
    EXPECT_GT(d.sources_dropped(), 0U);
}

TEST(AlertEngine, FailedAttemptsAreRefusedUnansweredOrOneWayUdp) {
    CapturingSink ended;
    services::ServiceRegistry registry;
    flow::FlowTable table({}, client_rule(registry), &ended);
    table.on_packet(tcp_packet(1, {"10.0.0.2", 1}, {"10.0.0.1", 2}, kSyn, 1, 0)); // S0
    table.on_packet(udp_packet(2, {"10.0.0.2", 50000}, {"10.0.0.1", 4}));         // one way
    table.on_packet(udp_packet(3, {"10.0.0.2", 5}, {"10.0.0.1", 53}));
    table.on_packet(udp_packet(4, {"10.0.0.1", 53}, {"10.0.0.2", 5}));            // answered
    table.on_end();
    ASSERT_EQ(ended.ended.size(), 3U);
    int failed = 0;
    for (const auto& e : ended.ended) failed += watch::is_failed_attempt(e.flow) ? 1 : 0;
    EXPECT_EQ(failed, 2);
}

} // namespace
} // namespace pairwatch::test
