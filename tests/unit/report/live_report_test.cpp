#include "pairwatch/report/live_report.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace pairwatch::test {
namespace {

/// A table, an inventory and a report wired as app.cpp wires them, reporting every second of
/// capture time.
struct Rig {
    services::ServiceRegistry registry;
    watch::ServerInventory inventory;
    flow::FanOutSink fan;
    flow::FlowTable table{{}, client_rule(registry), &fan};
    report::LiveReport live{table, registry, &inventory, report::LiveReportOptions{}};

    Rig() {
        fan.add(&inventory);
        fan.add(&live);
        table.set_report(&live, kSecond, true);
    }
    void feed(const decode::PacketInfo& p) {
        table.on_packet(p);
        live.on_packet(p);
    }
    /// A TCP conversation closed by FIN both ways: 5 packets of 40 B, from `t` to `t` + 4 ns.
    void closed_conversation(std::int64_t t, Endpoint client, Endpoint server) {
        using namespace decode::tcp_flag;
        feed(tcp_packet(t, client, server, kSyn, 100, 0));
        feed(tcp_packet(t + 1, server, client, kSyn | kAck, 500, 101));
        feed(tcp_packet(t + 2, client, server, kAck | kFin, 101, 501));
        feed(tcp_packet(t + 3, server, client, kAck | kFin, 501, 102));
        feed(tcp_packet(t + 4, client, server, kAck, 102, 502));
    }
    std::vector<report::Snapshot> taken() {
        std::vector<report::Snapshot> out;
        while (auto s = live.take()) out.push_back(std::move(*s));
        return out;
    }
};

constexpr std::int64_t kT0 = 1'700'000'000 * kSecond; // a whole second

TEST(LiveReport, ReportsAtWholeSecondsOfCaptureTimeWithEachIntervalsOwnPackets) {
    Rig r;
    r.feed(udp_packet(kT0 + kSecond / 4, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 100)); // 128 B
    r.feed(udp_packet(kT0 + kSecond / 2, {"198.51.100.1", 53}, {"192.0.2.1", 50000}, 100));
    EXPECT_TRUE(r.taken().empty()); // no boundary passed yet
    // The packet at T0+1.0 belongs to the next interval: the snapshot at T0+1 is taken first.
    r.feed(udp_packet(kT0 + kSecond, {"192.0.2.2", 50001}, {"198.51.100.1", 123}, 48)); // 76 B
    auto s = r.taken();
    ASSERT_EQ(s.size(), 1U);
    EXPECT_EQ(s[0].at_ns, kT0 + kSecond);
    EXPECT_FALSE(s[0].final);
    EXPECT_DOUBLE_EQ(s[0].interval_s, 1.0); // from the boundary before the first packet
    EXPECT_EQ(s[0].interval_packets, 2U);
    EXPECT_EQ(s[0].interval_bytes, 2U * (14 + 128));
    EXPECT_EQ(s[0].packets, 2U);
    EXPECT_EQ(s[0].flows_active, 1U);
    ASSERT_EQ(s[0].flows.size(), 1U);
    const report::FlowRow& dns = s[0].flows[0];
    EXPECT_EQ(dns.proto, "udp");
    EXPECT_EQ(dns.orig, "192.0.2.1:50000");
    EXPECT_EQ(dns.resp, "198.51.100.1:53");
    EXPECT_EQ(dns.service, "dns");
    EXPECT_EQ(dns.category, services::PortCategory::WellKnown);
    EXPECT_EQ(dns.state, flow::ConnState::SF);
    EXPECT_EQ(dns.packets, 2U);
    EXPECT_EQ(dns.bytes, 256U);
    EXPECT_DOUBLE_EQ(dns.rate_bps, 256.0 * 8);
    EXPECT_DOUBLE_EQ(dns.age_s, 0.75);
    // The DNS server answered: it is in the servers view with its one client.
    ASSERT_EQ(s[0].servers.size(), 1U);
    EXPECT_EQ(s[0].servers[0].endpoint, "198.51.100.1:53");
    EXPECT_EQ(s[0].servers[0].proto, "udp");
    EXPECT_EQ(s[0].servers[0].service, "dns");
    EXPECT_EQ(s[0].servers[0].clients, 1U);
    EXPECT_EQ(s[0].servers[0].active, 1U);
    EXPECT_EQ(s[0].servers[0].bytes_to, 128U);
    EXPECT_EQ(s[0].servers[0].bytes_from, 128U);
    ASSERT_EQ(s[0].servers[0].first_clients.size(), 1U);
    EXPECT_EQ(s[0].servers[0].first_clients[0], "192.0.2.1");

    // Second interval: the DNS conversation is quiet (rate 0), NTP is new.
    r.feed(udp_packet(kT0 + 2 * kSecond + 1, {"192.0.2.2", 50001}, {"198.51.100.1", 123}, 48));
    s = r.taken();
    ASSERT_EQ(s.size(), 1U);
    EXPECT_EQ(s[0].at_ns, kT0 + 2 * kSecond);
    EXPECT_EQ(s[0].interval_packets, 1U);
    ASSERT_EQ(s[0].flows.size(), 2U);
    EXPECT_EQ(s[0].flows[0].service, "dns"); // by bytes
    EXPECT_DOUBLE_EQ(s[0].flows[0].rate_bps, 0);
    EXPECT_EQ(s[0].flows[1].service, "ntp");
    EXPECT_DOUBLE_EQ(s[0].flows[1].rate_bps, 76.0 * 8);
    EXPECT_TRUE(s[0].servers.size() == 1U) << "NTP's server has not answered";
}

TEST(LiveReport, ServiceAndCategoryTotalsCountEndedAndOpenConversations) {
    Rig r;
    // An HTTP conversation that closes (FIN both ways), then one that stays open.
    using namespace decode::tcp_flag;
    const Endpoint c{"192.0.2.1", 40000}, srv{"198.51.100.1", 80};
    r.closed_conversation(kT0 + 1, c, srv);
    const Endpoint c2{"192.0.2.2", 40001}, c3{"192.0.2.3", 40002};
    r.feed(tcp_packet(kT0 + 6, c2, srv, kSyn, 100, 0)); // never answered
    // Past the linger and the attempt timer (5 s) both end; the reports still count them.
    r.feed(tcp_packet(kT0 + 7 * kSecond, c3, srv, kSyn, 100, 0));
    auto s = r.taken();
    ASSERT_FALSE(s.empty());
    // The report at 7 s is taken before the packet stamped 7 s: both ended, nothing open.
    EXPECT_EQ(s.back().flows_active, 0U);
    EXPECT_EQ(s.back().services.at(0).flows, 2U);
    r.feed(tcp_packet(kT0 + 8 * kSecond + 1, c3, srv, kSyn, 100, 0)); // a retransmission
    s = r.taken();
    ASSERT_EQ(s.size(), 1U);
    const report::Snapshot& last = s.back();
    EXPECT_EQ(last.flows_active, 1U);
    ASSERT_EQ(last.services.size(), 1U);
    EXPECT_EQ(last.services[0].name, "http");
    EXPECT_EQ(last.services[0].proto, "tcp");
    EXPECT_EQ(last.services[0].flows, 3U);
    EXPECT_EQ(last.services[0].active, 1U);
    EXPECT_EQ(last.services[0].packets, 7U);
    EXPECT_EQ(last.services[0].bytes, 7U * 40);
    EXPECT_DOUBLE_EQ(last.services[0].rate_bps, 40.0 * 8); // c3's first SYN, stamped 7 s
    ASSERT_EQ(last.categories.size(), 3U);
    EXPECT_EQ(last.categories[0].name, "well-known");
    EXPECT_EQ(last.categories[0].flows, 3U);
    EXPECT_EQ(last.categories[0].active, 1U);
    EXPECT_EQ(last.categories[1].flows, 0U);
    // The web server answered one of the three (with a SYN-ACK).
    ASSERT_EQ(last.servers.size(), 1U);
    EXPECT_EQ(last.servers[0].flows, 1U);
    EXPECT_EQ(last.servers[0].active, 0U);
    EXPECT_EQ(last.servers[0].packets, 5U);
}

TEST(LiveReport, AFlowInAnEndedFlowsSlotIsRatedOnItsOwnBytesAndTheEndedOneAddsNoMore) {
    Rig r;
    using namespace decode::tcp_flag;
    const Endpoint c1{"192.0.2.1", 40000}, c2{"192.0.2.2", 40001}, srv{"198.51.100.1", 80};
    const Endpoint dns_client{"192.0.2.9", 50000}, dns{"198.51.100.9", 53};
    // A: a closed HTTP conversation of 5 packets (200 B), open (lingering) at the 1 s report.
    r.closed_conversation(kT0 + 1, c1, srv);
    r.feed(udp_packet(kT0 + kSecond + 1, dns_client, dns, 10));
    auto s = r.taken();
    ASSERT_EQ(s.size(), 1U);
    ASSERT_EQ(s[0].services.at(0).name, "http");
    EXPECT_DOUBLE_EQ(s[0].services[0].rate_bps, 200.0 * 8);
    // At 10 s A has ended, and B takes its slot: 10 SYNs (400 B), more than A's 200 B, so a
    // baseline left over from A would show as a rate of 200 B.
    for (int i = 0; i < 10; ++i) r.feed(tcp_packet(kT0 + 10 * kSecond + i, c2, srv, kSyn, 100, 0));
    EXPECT_EQ(r.table.slot_count(), 2U) << "B should reuse A's record";
    r.feed(udp_packet(kT0 + 11 * kSecond + 1, dns_client, dns, 10));
    s = r.taken();
    ASSERT_FALSE(s.empty());
    const report::Snapshot& last = s.back();
    EXPECT_EQ(last.at_ns, kT0 + 11 * kSecond);
    ASSERT_EQ(last.services.at(0).name, "http");
    EXPECT_EQ(last.services[0].flows, 2U);
    EXPECT_EQ(last.services[0].bytes, 600U);
    EXPECT_DOUBLE_EQ(last.services[0].rate_bps, 400.0 * 8);
    EXPECT_DOUBLE_EQ(last.categories[0].rate_bps, 400.0 * 8); // no DNS packet in [10 s, 11 s)
    const auto b = std::find_if(last.flows.begin(), last.flows.end(),
                                [](const report::FlowRow& f) { return f.orig == "192.0.2.2:40001"; });
    ASSERT_NE(b, last.flows.end());
    EXPECT_DOUBLE_EQ(b->rate_bps, 400.0 * 8);
    // Between the reports at 1 s and 10 s nothing of A's was new: every block in between
    // rated HTTP at 0.
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        EXPECT_DOUBLE_EQ(s[i].services.at(0).rate_bps, 0) << "report at " << s[i].at_ns - kT0;
    }
}

TEST(LiveReport, AServersOpenTotalsFollowItsOwnFlowsThroughSlotReuseAndLateAnswers) {
    Rig r;
    using namespace decode::tcp_flag;
    const Endpoint c1{"192.0.2.1", 40000}, c2{"192.0.2.2", 40001};
    const Endpoint web{"198.51.100.1", 80}, ssh{"198.51.100.2", 22};
    const Endpoint dns_client{"192.0.2.9", 50000}, dns{"198.51.100.9", 53};
    const auto server = [](const report::Snapshot& s, const std::string& endpoint) {
        const auto it = std::find_if(s.servers.begin(), s.servers.end(),
                                     [&](const report::ServerRow& row) { return row.endpoint == endpoint; });
        return it == s.servers.end() ? nullptr : &*it;
    };
    // A: web's conversation, open (lingering) at the 1 s report.
    r.closed_conversation(kT0 + 1, c1, web);
    r.feed(udp_packet(kT0 + kSecond + 1, dns_client, dns, 10));
    auto s = r.taken();
    ASSERT_EQ(s.size(), 1U);
    const report::ServerRow* w = server(s[0], "198.51.100.1:80");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->active, 1U);
    EXPECT_EQ(w->bytes_to + w->bytes_from, 200U);
    // B takes A's slot once A has ended, talking to ssh, and is not answered at 11 s.
    r.feed(tcp_packet(kT0 + 10 * kSecond, c2, ssh, kSyn, 100, 0));
    EXPECT_EQ(r.table.slot_count(), 2U) << "B should reuse A's record";
    r.feed(udp_packet(kT0 + 11 * kSecond + 1, dns_client, dns, 10));
    s = r.taken();
    ASSERT_FALSE(s.empty());
    w = server(s.back(), "198.51.100.1:80");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->active, 0U) << "B's packets counted for A's server";
    EXPECT_EQ(w->flows, 1U);
    EXPECT_EQ(w->bytes_to + w->bytes_from, 200U);
    EXPECT_EQ(server(s.back(), "198.51.100.2:22"), nullptr);
    // ssh answers after B's first report: from the next one on, B is ssh's open conversation.
    r.feed(tcp_packet(kT0 + 11 * kSecond + 2, ssh, c2, kSyn | kAck, 500, 101));
    r.feed(tcp_packet(kT0 + 11 * kSecond + 3, c2, ssh, kAck, 101, 501));
    r.feed(udp_packet(kT0 + 12 * kSecond + 1, dns_client, dns, 10));
    s = r.taken();
    ASSERT_FALSE(s.empty());
    const report::ServerRow* h = server(s.back(), "198.51.100.2:22");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->active, 1U);
    EXPECT_EQ(h->bytes_to, 80U);
    EXPECT_EQ(h->bytes_from, 40U);
    EXPECT_EQ(server(s.back(), "198.51.100.1:80")->active, 0U);
}

TEST(LiveReport, AQuietStretchOfAReplayGivesAFewBlocksNotOnePerSecond) {
    Rig r;
    r.feed(udp_packet(kT0, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 10));
    r.feed(udp_packet(kT0 + 3600 * kSecond, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 10));
    const auto s = r.taken();
    // Boundaries 1-10 s after the packet, then 16, 32, ... 2048 s: 10 + 8.
    ASSERT_EQ(s.size(), 18U);
    EXPECT_EQ(s[9].at_ns, kT0 + 10 * kSecond);
    EXPECT_EQ(s[10].at_ns, kT0 + 16 * kSecond);
    EXPECT_EQ(s.back().at_ns, kT0 + 2048 * kSecond);
    EXPECT_DOUBLE_EQ(s[10].interval_s, 6.0); // rates over the whole skipped stretch
    // The UDP conversation expired after 60 s of silence, between the blocks.
    EXPECT_EQ(s[12].at_ns, kT0 + 64 * kSecond);
    EXPECT_EQ(s[12].flows_active, 0U);
    EXPECT_EQ(s[11].flows_active, 1U);
}

TEST(LiveReport, TheEndOfInputGivesAFinalSnapshotBeforeTheFlowsEnd) {
    Rig r;
    r.feed(udp_packet(kT0 + kSecond / 2, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 10));
    r.table.on_end();
    const auto s = r.taken();
    ASSERT_EQ(s.size(), 1U);
    EXPECT_TRUE(s[0].final);
    EXPECT_EQ(s[0].at_ns, kT0 + kSecond / 2);
    EXPECT_EQ(s[0].flows_active, 1U);
    EXPECT_EQ(s[0].flows.size(), 1U);
}

TEST(LiveReport, ALossyQueueDropsTheOldestAndSaysHowMany) {
    Rig r;
    const int n = static_cast<int>(report::LiveReport::kQueued) + 4;
    for (int i = 0; i < n; ++i) {
        r.feed(udp_packet(kT0 + i * kSecond + 1, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 10));
    }
    const auto s = r.taken();
    ASSERT_EQ(s.size(), report::LiveReport::kQueued);
    // n - 1 boundaries, the oldest 3 dropped
    EXPECT_EQ(s.front().at_ns, kT0 + 4 * kSecond);
    EXPECT_EQ(s.front().skipped_before, 3U);
}

TEST(LiveReport, TopListsKeepTheLeadersOfEverySortKey) {
    services::ServiceRegistry registry;
    flow::FlowTable table({}, client_rule(registry), nullptr);
    report::LiveReportOptions options;
    options.top = 1;
    report::LiveReport live(table, registry, nullptr, options);
    table.set_report(&live, kSecond, true);
    auto feed = [&](const decode::PacketInfo& p) {
        table.on_packet(p);
        live.on_packet(p);
    };
    feed(udp_packet(kT0 + 1, {"192.0.2.1", 50000}, {"198.51.100.1", 53}, 1000)); // oldest, most bytes
    for (int i = 0; i < 5; ++i) { // most packets
        feed(udp_packet(kT0 + 2 + i, {"192.0.2.2", 50000}, {"198.51.100.1", 123}, 1));
    }
    feed(udp_packet(kT0 + kSecond + 1, {"192.0.2.3", 50000}, {"198.51.100.1", 161}, 500)); // rate
    feed(udp_packet(kT0 + 2 * kSecond + 1, {"192.0.2.3", 50000}, {"198.51.100.1", 161}, 1));
    const auto s = live.take();
    ASSERT_TRUE(s.has_value());
    const auto s2 = live.take();
    ASSERT_TRUE(s2.has_value());
    std::vector<std::string> services;
    for (const auto& row : s2->flows) services.push_back(row.service);
    std::sort(services.begin(), services.end());
    // bytes: dns; packets: ntp; rate (this interval): snmp; age: dns again.
    EXPECT_EQ(services, (std::vector<std::string>{"dns", "ntp", "snmp"}));
}

} // namespace
} // namespace pairwatch::test
