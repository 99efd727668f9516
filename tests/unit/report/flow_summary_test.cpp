#include "pairwatch/report/flow_summary.h"

#include "pairwatch/flow/flow_table.h"
#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

using pairwatch::flow::EndReason;
using pairwatch::flow::FlowTable;
using pairwatch::flow::FlowTableOptions;
using pairwatch::report::FlowSummary;
using pairwatch::report::Totals;
using pairwatch::services::ServiceRegistry;
using pairwatch::test::Endpoint;
using pairwatch::test::kSecond;
using pairwatch::test::tcp_packet;
using pairwatch::test::udp_packet;

namespace {

constexpr std::uint8_t F = 0x01, S = 0x02, R = 0x04, A = 0x10;
constexpr std::uint8_t SA = S | A, FA = F | A, RA = R | A;

const ServiceRegistry &registry() {
    static const ServiceRegistry r;
    return r;
}

std::string pad_left(const std::string &s, std::size_t w) {
    return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}
std::string pad_right(const std::string &s, std::size_t w) {
    return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

/// The top-conversations line as the summary formats it.
std::string conversation_line(const std::string &proto, const std::string &orig,
                              const std::string &resp, const std::string &service,
                              const std::string &state, std::uint64_t packets,
                              std::uint64_t bytes) {
    return "  " + pad_right(proto, 3) + " " + pad_left(orig, 22) + " > " + pad_right(resp, 22) +
           " " + pad_right(service, 12) + " " + pad_right(state, 6) + " " +
           pad_left(std::to_string(packets), 8) + " " + pad_left(std::to_string(bytes), 12);
}

std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

/// The lines after `title` up to the next unindented line.
std::vector<std::string> section(const std::string &text, const std::string &title) {
    const auto lines = lines_of(text);
    std::vector<std::string> out;
    bool in = false;
    for (const auto &l : lines) {
        if (l == title) {
            in = true;
            continue;
        }
        if (in) {
            if (!l.starts_with("  "))
                break;
            out.push_back(l);
        }
    }
    return out;
}

void expect_totals(const Totals &t, std::uint64_t flows, std::uint64_t packets,
                   std::uint64_t bytes) {
    EXPECT_EQ(t.flows, flows);
    EXPECT_EQ(t.packets, packets);
    EXPECT_EQ(t.bytes, bytes);
}

struct SummaryRun {
    explicit SummaryRun(std::size_t top = 10)
        : summary(registry(), top),
          table(FlowTableOptions{}, pairwatch::test::client_rule(registry()), &summary) {}
    FlowSummary summary;
    FlowTable table;
    std::int64_t ts = 1 * kSecond;

    void udp(Endpoint src, Endpoint dst, std::uint32_t payload) {
        table.on_packet(udp_packet(ts, src, dst, payload));
        ts += 1000;
    }
    // A TCP conversation closed by FINs: 3 + 2 packets.
    void tcp_sf(Endpoint c, Endpoint s) {
        table.on_packet(tcp_packet(ts, c, s, S, 1, 0));
        table.on_packet(tcp_packet(ts + 1, s, c, SA, 9, 2));
        table.on_packet(tcp_packet(ts + 2, c, s, A, 2, 10));
        table.on_packet(tcp_packet(ts + 3, c, s, FA, 2, 10));
        table.on_packet(tcp_packet(ts + 4, s, c, FA, 10, 3));
        ts += 1000;
    }
};

} // namespace

TEST(FlowSummary, TotalsAndAggregation) {
    SummaryRun run;
    const Endpoint dns{"10.0.0.53", 53};
    run.udp({"10.0.0.1", 50000}, dns, 10);                // 38 IP bytes
    run.udp(dns, {"10.0.0.1", 50000}, 100);               // 128
    run.udp({"10.0.0.2", 50000}, dns, 20);                // 48, S0
    run.tcp_sf({"10.0.0.1", 50001}, {"10.0.0.80", 80});   // 5 x 40 = 200
    run.udp({"10.0.0.1", 61000}, {"10.0.0.9", 60000}, 2); // 30, unknown service
    run.table.on_end();

    const FlowSummary &s = run.summary;
    expect_totals(s.totals(), 4, 9, 38 + 128 + 48 + 200 + 30);

    ASSERT_EQ(s.by_service().size(), 3U);
    expect_totals(s.by_service().at("dns"), 2, 3, 38 + 128 + 48);
    expect_totals(s.by_service().at("http"), 1, 5, 200);
    // A responder port without a service: "PORT/proto".
    expect_totals(s.by_service().at("60000/udp"), 1, 1, 30);

    ASSERT_EQ(s.by_category().size(), 2U);
    expect_totals(s.by_category().at("well-known"), 3, 8, 38 + 128 + 48 + 200);
    expect_totals(s.by_category().at("dynamic"), 1, 1, 30);

    ASSERT_EQ(s.by_conn_state().size(), 3U);
    expect_totals(s.by_conn_state().at("udp SF"), 1, 2, 38 + 128);
    expect_totals(s.by_conn_state().at("udp S0"), 2, 2, 48 + 30);
    expect_totals(s.by_conn_state().at("tcp SF"), 1, 5, 200);

    ASSERT_EQ(s.by_end_reason().size(), 2U);
    EXPECT_EQ(s.by_end_reason().at("capture-end"), 3U);
    EXPECT_EQ(s.by_end_reason().at("fin"), 1U);

    const std::string text = s.text();
    EXPECT_TRUE(text.starts_with("flows: 4 conversations, 9 packets, 444 IP bytes\n"
                                 "ended: capture-end 3, fin 1\n"))
        << text;
    // by service, sorted by bytes: dns 214, http 200, 60000/udp 30; shares of 444.
    const auto svc = section(text, "by service:");
    ASSERT_EQ(svc.size(), 4U) << text;
    EXPECT_EQ(svc[1], "  " + pad_right("dns", 22) + " " + pad_left("2", 9) + " " +
                          pad_left("3", 12) + " " + pad_left("214", 15) + " " +
                          pad_left("48.2", 6) + "%");
    EXPECT_TRUE(svc[2].starts_with("  http ")) << svc[2];
    EXPECT_TRUE(svc[3].starts_with("  60000/udp ")) << svc[3];
    EXPECT_TRUE(svc[3].ends_with("   6.8%")) << svc[3];
}

TEST(FlowSummary, EmptyRun) {
    const FlowSummary s(registry());
    const std::string text = s.text();
    EXPECT_TRUE(text.starts_with("flows: 0 conversations, 0 packets, 0 IP bytes\nended: none\n"))
        << text;
    EXPECT_TRUE(section(text, "top conversations by bytes:").size() == 1U) << text; // header
}

TEST(FlowSummary, TopConversationsOrderedByBytes) {
    SummaryRun run(3);
    const Endpoint dns{"10.0.0.53", 53};
    // IP bytes 28 + payload: 128, 528, 78, 1028, 228.
    for (const auto &[port, payload] : std::vector<std::pair<std::uint16_t, std::uint32_t>>{
             {50001, 100}, {50002, 500}, {50003, 50}, {50004, 1000}, {50005, 200}}) {
        run.udp({"10.0.0.1", port}, dns, payload);
    }
    run.table.on_end();
    const auto top = section(run.summary.text(), "top conversations by bytes:");
    ASSERT_EQ(top.size(), 4U); // the column header and the top 3
    EXPECT_EQ(top[1],
              conversation_line("udp", "10.0.0.1:50004", "10.0.0.53:53", "dns", "S0", 1, 1028));
    EXPECT_EQ(top[2],
              conversation_line("udp", "10.0.0.1:50002", "10.0.0.53:53", "dns", "S0", 1, 528));
    EXPECT_EQ(top[3],
              conversation_line("udp", "10.0.0.1:50005", "10.0.0.53:53", "dns", "S0", 1, 228));
}

TEST(FlowSummary, TopConversationsIpv6Brackets) {
    SummaryRun run;
    run.table.on_packet(udp_packet(run.ts, {"2001:db8::1", 50000}, {"2001:db8::53", 53}, 12, true));
    run.table.on_end();
    const auto top = section(run.summary.text(), "top conversations by bytes:");
    ASSERT_EQ(top.size(), 2U);
    EXPECT_EQ(top[1], conversation_line("udp", "[2001:db8::1]:50000", "[2001:db8::53]:53", "dns",
                                        "S0", 1, 60));
}

TEST(FlowSummary, TopZeroKeepsNoConversations) {
    SummaryRun run(0);
    run.udp({"10.0.0.1", 50000}, {"10.0.0.53", 53}, 10);
    run.table.on_end();
    EXPECT_EQ(run.summary.totals().flows, 1U);
    EXPECT_EQ(section(run.summary.text(), "top conversations by bytes:").size(), 1U);
}

TEST(FlowSummary, MoreThanTwelveRowsFoldIntoAMoreRow) {
    SummaryRun run;
    // 15 services on dynamic ports 60000..60014, none known; bytes 28 + 10 * (i + 1).
    for (std::uint16_t i = 0; i < 15; ++i) {
        run.udp({"10.0.0.1", 65000}, {"10.0.0.2", static_cast<std::uint16_t>(60000 + i)},
                10U * (i + 1U));
    }
    run.table.on_end();
    ASSERT_EQ(run.summary.by_service().size(), 15U);
    const std::string text = run.summary.text();
    const auto svc = section(text, "by service:");
    ASSERT_EQ(svc.size(), 1U + 12U + 1U) << text;
    // Largest first: 60014 (178 bytes) ... the 12th is 60003; the rest are 60002..60000.
    EXPECT_TRUE(svc[1].starts_with("  60014/udp ")) << svc[1];
    EXPECT_TRUE(svc[12].starts_with("  60003/udp ")) << svc[12];
    const std::uint64_t rest_bytes = (28 + 30) + (28 + 20) + (28 + 10);
    const std::uint64_t all = 15 * 28 + 10 * (15 * 16 / 2);
    char share[16];
    std::snprintf(share, sizeof share, "%.1f",
                  100.0 * static_cast<double>(rest_bytes) / static_cast<double>(all));
    EXPECT_EQ(svc[13], "  " + pad_right("(3 more)", 22) + " " + pad_left("3", 9) + " " +
                           pad_left("3", 12) + " " + pad_left(std::to_string(rest_bytes), 15) +
                           " " + pad_left(share, 6) + "%");
    // The port-category table has one row: no "more" row.
    const auto cat = section(text, "by port category:");
    ASSERT_EQ(cat.size(), 2U) << text;
    EXPECT_TRUE(cat[1].starts_with("  dynamic ")) << cat[1];
    EXPECT_TRUE(cat[1].ends_with("100.0%")) << cat[1];
}

TEST(FlowSummary, EndReasonsCounted) {
    pairwatch::flow::FlowTableOptions opts;
    opts.max_flows = 1;
    FlowSummary summary(registry());
    FlowTable table(opts, pairwatch::test::client_rule(registry()), &summary);
    table.on_packet(udp_packet(kSecond, {"10.0.0.1", 50000}, {"10.0.0.53", 53}));
    table.on_packet(udp_packet(2 * kSecond, {"10.0.0.1", 50001}, {"10.0.0.53", 53})); // evicts
    table.on_packet(tcp_packet(3 * kSecond, {"10.0.0.1", 50002}, {"10.0.0.80", 80}, S, 1, 0));
    table.on_packet(tcp_packet(3 * kSecond + 1, {"10.0.0.80", 80}, {"10.0.0.1", 50002}, RA, 0, 2));
    table.advance_time(100 * kSecond);
    table.on_end();
    EXPECT_EQ(summary.by_end_reason().at("evicted"), 2U);
    EXPECT_EQ(summary.by_end_reason().at("rst"), 1U);
    EXPECT_EQ(summary.by_conn_state().at("tcp REJ").flows, 1U);
    EXPECT_NE(summary.text().find("ended: evicted 2, rst 1\n"), std::string::npos)
        << summary.text();
}
