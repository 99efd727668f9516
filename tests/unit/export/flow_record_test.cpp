#include "pairwatch/export/flow_record.h"

#include "support/export_fixtures.h"

#include <gtest/gtest.h>

#include <string>

using pairwatch::exporter::append_epoch_seconds;
using pairwatch::exporter::FlowRecord;
using pairwatch::exporter::ValueKind;
using pairwatch::flow::EndReason;
using pairwatch::test::default_registry;
using pairwatch::test::http_flow;
using pairwatch::test::kT0;
using pairwatch::test::run_flows;
using pairwatch::test::udp_packet;

namespace {

std::string seconds(std::int64_t ns) {
    std::string out;
    append_epoch_seconds(out, ns);
    return out;
}

/// "name=kind:text" for every field, kinds as n (null), # (number), s (string).
std::string describe(const FlowRecord& r) {
    std::string out;
    for (std::size_t i = 0; i < FlowRecord::kFieldCount; ++i) {
        const auto v = r.value(i);
        const char kind = v.kind == ValueKind::Null ? 'n' : v.kind == ValueKind::Number ? '#' : 's';
        out +=
            std::string(FlowRecord::kFieldNames[i]) + "=" + kind + ":" + std::string(v.text) + " ";
    }
    return out;
}

} // namespace

TEST(FlowRecord, EveryFieldWithItsKindAndText) {
    const auto f = http_flow();
    const FlowRecord r(f, EndReason::Fin, default_registry(), 99);
    EXPECT_EQ(describe(r),
              "uid=s:" + pairwatch::flow::flow_uid(f, 99) +
                  " ts=#:1700000000.123456 last_ts=#:1700000000.623456 duration=#:0.500000 "
                  "proto=s:tcp orig_h=s:192.0.2.10 orig_p=#:50000 resp_h=s:198.51.100.7 "
                  "resp_p=#:80 vlan=n: service=s:http service_source=s:resp_port "
                  "port_category=s:well-known app=n: conn_state=s:SF history=s:ShADdFf "
                  "dir_reason=s:syn end_reason=s:fin orig_pkts=#:5 resp_pkts=#:3 "
                  "orig_bytes=#:100 resp_bytes=#:1000 orig_ip_bytes=#:300 resp_ip_bytes=#:1120 "
                  "orig_wire_bytes=#:370 resp_wire_bytes=#:1162 ");
}

TEST(FlowRecord, UnnamedServiceIsNullBothTimes) {
    const auto ended = run_flows({udp_packet(kT0, {"10.0.0.1", 60001}, {"10.0.0.2", 60000})});
    ASSERT_EQ(ended.size(), 1U);
    const FlowRecord r(ended[0].flow, ended[0].why, default_registry(), 0);
    EXPECT_EQ(r.value(10).kind, ValueKind::Null); // service
    EXPECT_EQ(r.value(11).kind, ValueKind::Null); // service_source
    EXPECT_EQ(r.value(13).kind, ValueKind::Null); // app: no inspector given
    EXPECT_EQ(r.value(17).text, "capture-end");   // end_reason
    EXPECT_EQ(FlowRecord::kFieldNames[10], "service");
    EXPECT_EQ(FlowRecord::kFieldNames[11], "service_source");
    EXPECT_EQ(FlowRecord::kFieldNames[13], "app");
    EXPECT_EQ(FlowRecord::kFieldNames[17], "end_reason");
}

TEST(FlowRecord, AppIsTheInspectorsNameWhenGiven) {
    const auto f = http_flow();
    const FlowRecord r(f, EndReason::Fin, default_registry(), 99, "SSH");
    EXPECT_EQ(r.value(13).kind, ValueKind::String);
    EXPECT_EQ(r.value(13).text, "SSH");
    EXPECT_EQ(r.value(12).text, "well-known"); // the port's label stays what the port says
    EXPECT_EQ(r.value(10).text, "http");
}

TEST(FlowRecord, EpochSecondsTruncateToTheMicrosecond) {
    EXPECT_EQ(seconds(0), "0.000000");
    EXPECT_EQ(seconds(1'999), "0.000001");
    EXPECT_EQ(seconds(1'000'000'999), "1.000000");
    EXPECT_EQ(seconds(kT0), "1700000000.123456");
    // Before 1970 (a capture's clock gone wrong): the sign, then the magnitude.
    EXPECT_EQ(seconds(-500'000'000), "-0.500000");
    EXPECT_EQ(seconds(-1'500'001'000), "-1.500001");
}
