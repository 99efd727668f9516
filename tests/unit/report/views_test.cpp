#include "pairwatch/report/views.h"

#include <gtest/gtest.h>

namespace pairwatch::report {
namespace {

Snapshot sample() {
    Snapshot s;
    s.at_ns = 1'700'000'000'000'000'000;
    s.elapsed_s = 65;
    s.interval_s = 1;
    s.interval_packets = 1500;
    s.interval_bytes = 125'000;
    s.packets = 90'000;
    s.malformed = 2;
    s.flows_active = 2;
    s.flows_total = 7;
    s.capture = capture::CaptureCounters{90'000, 3, 0};
    FlowRow web{"tcp", "192.0.2.10:51000", "198.51.100.1:443", "https",
                services::PortCategory::WellKnown, flow::ConnState::S1, 40, 52'000, 8000, 12};
    FlowRow refused{"tcp", "192.0.2.11:51001", "198.51.100.1:23", "telnet",
                    services::PortCategory::WellKnown, flow::ConnState::REJ, 2, 80, 640, 30};
    s.flows = {refused, web};
    s.services = {TotalsRow{"https", "tcp", services::PortCategory::WellKnown, 5, 1, 60, 60'000, 8000},
                  TotalsRow{"telnet", "tcp", services::PortCategory::WellKnown, 2, 1, 4, 20'000, 640}};
    return s;
}

TEST(Views, HumanUnitsStayShort) {
    EXPECT_EQ(human_count(999), "999");
    EXPECT_EQ(human_count(1234), "1.2k");
    EXPECT_EQ(human_count(52'000), "52k");
    EXPECT_EQ(human_count(999'600), "1.0M");
    EXPECT_EQ(human_count(3.4e9), "3.4G");
    EXPECT_EQ(human_bits(0), "0b/s");
    EXPECT_EQ(human_bits(8000), "8.0kb/s");
    EXPECT_EQ(human_duration(42), "42s");
    EXPECT_EQ(human_duration(307), "5m07s");
    EXPECT_EQ(human_duration(7380), "2h03m");
    EXPECT_EQ(human_duration(273600), "3d04h");
}

TEST(Views, FlowsViewSortsByTheChosenKeyAndColoursStateAndCategory) {
    const Snapshot s = sample();
    auto lines = view_lines(s, View::Flows, SortKey::Bytes, 200, 10);
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(lines[0].text,
              "PROTO ORIGINATOR       RESPONDER        SERVICE CATEGORY   STATE PACKETS BYTES    RATE AGE");
    EXPECT_EQ(lines[1].text,
              "tcp   192.0.2.10:51000 198.51.100.1:443 https   well-known S1         40   52k 8.0kb/s 12s");
    EXPECT_EQ(lines[2].text,
              "tcp   192.0.2.11:51001 198.51.100.1:23  telnet  well-known REJ         2    80  640b/s 30s");
    // REJ stands out; the service and category carry the category's colour.
    bool refused = false;
    for (const Span& sp : lines[2].spans) {
        if (sp.style == Style::Refused) {
            refused = true;
            EXPECT_EQ(lines[2].text.substr(sp.begin, sp.end - sp.begin), "REJ");
        }
    }
    EXPECT_TRUE(refused);
    lines = view_lines(s, View::Flows, SortKey::Age, 200, 10);
    EXPECT_NE(lines[1].text.find("telnet"), std::string::npos); // the older one first
    lines = view_lines(s, View::Flows, SortKey::Bytes, 200, 1);
    EXPECT_EQ(lines.size(), 2U); // one row
}

TEST(Views, ANarrowTerminalDropsTheLeastNeededColumnsBeforeCuttingAddresses) {
    const Snapshot s = sample();
    const auto lines = view_lines(s, View::Flows, SortKey::Bytes, 80, 10);
    for (const auto& l : lines) EXPECT_LE(l.text.size(), 80U) << l.text;
    EXPECT_EQ(lines[0].text,
              "PROTO ORIGINATOR       RESPONDER        SERVICE CATEGORY   STATE BYTES    RATE");
    const auto tiny = view_lines(s, View::Flows, SortKey::Bytes, 40, 10);
    for (const auto& l : tiny) EXPECT_LE(l.text.size(), 40U) << l.text;
    EXPECT_NE(tiny[1].text.find('~'), std::string::npos) << "cut in the middle: " << tiny[1].text;
}

TEST(Views, ServicesViewShowsShareWithABar) {
    const Snapshot s = sample();
    const auto lines = view_lines(s, View::Services, SortKey::Bytes, 200, 10);
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(lines[1].text,
              "https   tcp   well-known     5      1      60   60k 75.0% ########   8.0kb/s");
    EXPECT_EQ(lines[2].text,
              "telnet  tcp   well-known     2      1       4   20k 25.0% ###         640b/s");
}

TEST(Views, HeaderShowsRatesDropsAndMalformedAsWarnings) {
    const Snapshot s = sample();
    const auto lines = header_lines(s, HeaderInfo{"eth0", true, 0, {}}, 200);
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_NE(lines[0].text.find("pairwatch  eth0 (live)  "), std::string::npos) << lines[0].text;
    EXPECT_NE(lines[0].text.find("up 1m05s"), std::string::npos);
    EXPECT_EQ(lines[1].text,
              "1.5k pkt/s  1.0Mb/s  | packets 90000  kernel drops 3  interface drops 0  malformed 2  truncated 0");
    int warnings = 0;
    for (const Span& sp : lines[1].spans) warnings += sp.style == Style::Warning ? 1 : 0;
    EXPECT_EQ(warnings, 2); // the 3 kernel drops and the 2 malformed
    EXPECT_EQ(lines[2].text, "flows 2 active, 7 total, 0 evicted  | servers 0  | alerts 0");
}

TEST(Views, EmptyViewsSaySo) {
    const Snapshot s;
    EXPECT_EQ(view_lines(s, View::Flows, SortKey::Bytes, 80, 10).back().text, "(no open conversations)");
    EXPECT_EQ(view_lines(s, View::Servers, SortKey::Bytes, 80, 10).back().text,
              "(no server has answered yet)");
}

} // namespace
} // namespace pairwatch::report
