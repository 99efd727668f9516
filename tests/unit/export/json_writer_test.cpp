#include "pairwatch/export/json_writer.h"

#include "pairwatch/export/output_file.h"
#include "pairwatch/flow/flow_table.h"
#include "support/export_fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using pairwatch::exporter::append_json_string;
using pairwatch::exporter::flow_to_json;
using pairwatch::exporter::JsonWriter;
using pairwatch::exporter::OutputFile;
using pairwatch::flow::EndReason;
using pairwatch::flow::Flow;
using pairwatch::flow::FlowTable;
using pairwatch::flow::FlowTableOptions;
using pairwatch::services::ServiceRegistry;
using pairwatch::test::default_registry;
using pairwatch::test::Endpoint;
using pairwatch::test::http_flow;
using pairwatch::test::kMs;
using pairwatch::test::kT0;
using pairwatch::test::run_flows;
using pairwatch::test::slurp;
using pairwatch::test::tcp_packet;
using pairwatch::test::TempPath;
using pairwatch::test::udp_packet;

namespace {

constexpr std::uint8_t S = 0x02, A = 0x10;
constexpr std::uint8_t SA = S | A;

const std::vector<std::string> kKeys = {"uid",
                                        "ts",
                                        "last_ts",
                                        "duration",
                                        "proto",
                                        "orig_h",
                                        "orig_p",
                                        "resp_h",
                                        "resp_p",
                                        "vlan",
                                        "service",
                                        "service_source",
                                        "port_category",
                                        "app",
                                        "conn_state",
                                        "history",
                                        "dir_reason",
                                        "end_reason",
                                        "orig_pkts",
                                        "resp_pkts",
                                        "orig_bytes",
                                        "resp_bytes",
                                        "orig_ip_bytes",
                                        "resp_ip_bytes",
                                        "orig_wire_bytes",
                                        "resp_wire_bytes"};

} // namespace

TEST(JsonWriter, ExactLineForAKnownFlow) {
    const Flow f = http_flow();
    const std::string uid = pairwatch::flow::flow_uid(f, 99);
    const std::string want =
        "{\"uid\":\"" + uid +
        "\",\"ts\":1700000000.123456,\"last_ts\":1700000000.623456,\"duration\":0.500000,"
        "\"proto\":\"tcp\",\"orig_h\":\"192.0.2.10\",\"orig_p\":50000,"
        "\"resp_h\":\"198.51.100.7\",\"resp_p\":80,\"vlan\":null,\"service\":\"http\","
        "\"service_source\":\"resp_port\",\"port_category\":\"well-known\",\"app\":null,"
        "\"conn_state\":\"SF\",\"history\":\"ShADdFf\",\"dir_reason\":\"syn\","
        "\"end_reason\":\"fin\",\"orig_pkts\":5,\"resp_pkts\":3,\"orig_bytes\":100,"
        "\"resp_bytes\":1000,\"orig_ip_bytes\":300,\"resp_ip_bytes\":1120,"
        "\"orig_wire_bytes\":370,\"resp_wire_bytes\":1162}";
    EXPECT_EQ(flow_to_json(f, EndReason::Fin, default_registry(), 99), want);
}

TEST(JsonWriter, ValidJsonWithKeysInOrder) {
    const Flow f = http_flow();
    const std::string line = flow_to_json(f, EndReason::Fin, default_registry(), 1);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const auto j = nlohmann::ordered_json::parse(line);
    ASSERT_TRUE(j.is_object());
    std::vector<std::string> keys;
    for (const auto &[k, v] : j.items())
        keys.push_back(k);
    EXPECT_EQ(keys, kKeys);
    EXPECT_DOUBLE_EQ(j["duration"].get<double>(), 0.5);
    EXPECT_EQ(j["orig_pkts"].get<int>(), 5);
    EXPECT_EQ(j["history"].get<std::string>(), "ShADdFf");
}

TEST(JsonWriter, UidIsZeekStyleAndDependsOnTheSeed) {
    const Flow f = http_flow();
    const std::string a = pairwatch::flow::flow_uid(f, 1);
    ASSERT_EQ(a.size(), 12U);
    EXPECT_EQ(a[0], 'C');
    for (const char ch : a.substr(1))
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)));
    EXPECT_EQ(a, pairwatch::flow::flow_uid(f, 1));
    EXPECT_NE(a, pairwatch::flow::flow_uid(f, 2));
    Flow later = f;
    later.first_ns += 1;
    EXPECT_NE(a, pairwatch::flow::flow_uid(later, 1));
}

TEST(JsonWriter, VlanNumberAndUnknownServiceNull) {
    auto p1 = udp_packet(kT0, {"10.1.1.1", 60001}, {"10.1.1.2", 60000}, 20);
    p1.vlan_count = 1;
    p1.vlan = {42, 0};
    auto p2 = udp_packet(kT0 + 1000, {"10.1.1.2", 60000}, {"10.1.1.1", 60001}, 30);
    p2.vlan_count = 1;
    p2.vlan = {42, 0};
    const auto ended = run_flows({p1, p2});
    ASSERT_EQ(ended.size(), 1U);
    const std::string line = flow_to_json(ended[0].flow, ended[0].why, default_registry(), 5);
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["vlan"], 42);
    EXPECT_TRUE(j["service"].is_null());
    EXPECT_TRUE(j["service_source"].is_null());
    EXPECT_EQ(j["port_category"], "dynamic");
    EXPECT_EQ(j["proto"], "udp");
    EXPECT_EQ(j["orig_p"], 60001); // both dynamic, unknown: the higher port
    EXPECT_EQ(j["resp_p"], 60000);
    EXPECT_EQ(j["conn_state"], "SF");
    EXPECT_EQ(j["history"], "Dd");
    EXPECT_EQ(j["dir_reason"], "port");
    EXPECT_EQ(j["end_reason"], "capture-end");
    EXPECT_EQ(j["orig_bytes"], 20);
    EXPECT_EQ(j["resp_bytes"], 30);
    EXPECT_EQ(j["ts"].get<double>(), 1700000000.123456);
    EXPECT_NE(line.find("\"duration\":0.000001,"), std::string::npos) << line;
    EXPECT_NE(line.find(",\"vlan\":42,"), std::string::npos) << line;
    EXPECT_NE(line.find(",\"service\":null,\"service_source\":null,"), std::string::npos) << line;
}

TEST(JsonWriter, ServiceFromTheOriginatorPort) {
    // The responder's port (39500) has no service, the originator's (3306, the SYN sender)
    // does: labelled from orig_port.
    const auto ended =
        run_flows({tcp_packet(kT0, {"10.0.0.1", 3306}, {"10.0.0.2", 39500}, S, 1, 0)});
    ASSERT_EQ(ended.size(), 1U);
    const auto j =
        nlohmann::json::parse(flow_to_json(ended[0].flow, ended[0].why, default_registry(), 0));
    EXPECT_EQ(j["orig_p"], 3306); // the SYN sender
    EXPECT_EQ(j["service"], "mysql");
    EXPECT_EQ(j["service_source"], "orig_port");
    EXPECT_EQ(j["port_category"], "registered"); // of the responder's port, 39500
}

TEST(JsonWriter, Ipv6Addresses) {
    const Endpoint c{"2001:db8::10", 50000};
    const Endpoint s{"2001:db8:0:0:1::1", 443};
    const auto ended = run_flows({tcp_packet(kT0, c, s, S, 1, 0, 0, 100, true),
                                  tcp_packet(kT0 + kMs, s, c, SA, 9, 2, 0, 100, true)});
    ASSERT_EQ(ended.size(), 1U);
    const std::string line = flow_to_json(ended[0].flow, ended[0].why, default_registry(), 0);
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["orig_h"], "2001:db8::10");
    EXPECT_EQ(j["resp_h"], "2001:db8::1:0:0:1");
    EXPECT_EQ(j["service"], "https");
    EXPECT_EQ(j["orig_ip_bytes"], 60);
    EXPECT_EQ(j["conn_state"], "S1");
}

TEST(JsonWriter, Ipv4MappedIpv6StaysIpv6Text) {
    const auto ended = run_flows(
        {udp_packet(kT0, {"::ffff:192.0.2.1", 50000}, {"::ffff:192.0.2.2", 53}, 10, true)});
    ASSERT_EQ(ended.size(), 1U);
    const auto j =
        nlohmann::json::parse(flow_to_json(ended[0].flow, ended[0].why, default_registry(), 0));
    EXPECT_EQ(j["orig_h"], "::ffff:192.0.2.1");
    EXPECT_EQ(j["resp_h"], "::ffff:192.0.2.2");
    EXPECT_EQ(j["service"], "dns");
}

TEST(JsonWriter, MicrosecondTimestampsTruncate) {
    // 999 ns past a microsecond: truncated like Zeek's µs timestamps, never rounded up.
    const auto ended =
        run_flows({udp_packet(5'000'000'999, {"10.0.0.1", 50000}, {"10.0.0.2", 53}),
                   udp_packet(7'250'001'999, {"10.0.0.1", 50000}, {"10.0.0.2", 53})});
    ASSERT_EQ(ended.size(), 1U);
    const std::string line = flow_to_json(ended[0].flow, ended[0].why, default_registry(), 0);
    EXPECT_NE(line.find("\"ts\":5.000000,\"last_ts\":7.250001,\"duration\":2.250001,"),
              std::string::npos)
        << line;
}

TEST(JsonWriter, EscapesStrings) {
    std::string out;
    append_json_string(out, std::string("a\"b\\c\nd\re\tf\x01g\x1fh\x7fi\xc3\xa9"));
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\\u007fi\xc3\xa9\"");
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j.get<std::string>(), std::string("a\"b\\c\nd\re\tf\x01g\x1fh\x7fi\xc3\xa9"));
    std::string empty;
    append_json_string(empty, "");
    EXPECT_EQ(empty, "\"\"");
    std::string nul;
    append_json_string(nul, std::string_view("x\0y", 3));
    EXPECT_EQ(nul, "\"x\\u0000y\"");
}

TEST(JsonWriter, UserServiceNamesAreEscaped) {
    TempPath file("json-services");
    {
        std::ofstream out(file.str());
        out << "we\"ird\\na\x01me 61000/udp\n";
    }
    ServiceRegistry reg;
    const auto load = reg.load_user_file(file.str());
    ASSERT_EQ(load.entries, 1U);
    const auto ended = run_flows({udp_packet(kT0, {"10.0.0.1", 62000}, {"10.0.0.2", 61000})}, reg);
    ASSERT_EQ(ended.size(), 1U);
    const std::string line = flow_to_json(ended[0].flow, ended[0].why, reg, 0);
    EXPECT_NE(line.find("\"service\":\"we\\\"ird\\\\na\\u0001me\",\"service_source\":"
                        "\"resp_port\""),
              std::string::npos)
        << line;
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["service"], "we\"ird\\na\x01me");
    EXPECT_EQ(j["resp_p"], 61000);
}

TEST(JsonWriter, WritesOneLinePerFlowToAFile) {
    TempPath file("json-out");
    {
        JsonWriter writer(std::make_unique<OutputFile>(file.str()), default_registry(), 3);
        FlowTable table(FlowTableOptions{}, pairwatch::test::client_rule(default_registry()),
                        &writer);
        table.on_packet(udp_packet(kT0, {"10.0.0.1", 50000}, {"10.0.0.2", 53}));
        table.on_packet(udp_packet(kT0 + kMs, {"10.0.0.1", 50001}, {"10.0.0.2", 53}));
        table.on_end(); // on_finish flushes
        EXPECT_FALSE(writer.output().failed());
        const std::string text = slurp(file.str());
        std::istringstream lines(text);
        std::string line;
        int n = 0;
        while (std::getline(lines, line)) {
            const auto j = nlohmann::json::parse(line);
            EXPECT_EQ(j["resp_p"], 53);
            EXPECT_EQ(j["end_reason"], "capture-end");
            ++n;
        }
        EXPECT_EQ(n, 2);
        EXPECT_EQ(text.back(), '\n');
    }
}

/// A stand-in for payload inspection: names flows by their responder port.
class PortApps final : public pairwatch::flow::AppLookup {
public:
    [[nodiscard]] std::string_view app_of(const Flow& f) const override {
        return f.resp_port() == 53 ? "DNS" : "";
    }
};

TEST(JsonWriter, AppComesFromTheLookupAsEachFlowEnds) {
    TempPath file("json-app");
    const PortApps apps;
    JsonWriter writer(std::make_unique<OutputFile>(file.str()), default_registry(), 3, &apps);
    FlowTable table(FlowTableOptions{}, pairwatch::test::client_rule(default_registry()), &writer);
    table.on_packet(udp_packet(kT0, {"10.0.0.1", 50000}, {"10.0.0.2", 53}));
    table.on_packet(udp_packet(kT0 + kMs, {"10.0.0.1", 50001}, {"10.0.0.2", 5353}));
    table.on_end();
    std::istringstream lines(slurp(file.str()));
    std::map<int, nlohmann::json> by_port;
    for (std::string line; std::getline(lines, line);) {
        const auto j = nlohmann::json::parse(line);
        by_port[j["resp_p"].get<int>()] = j;
    }
    ASSERT_EQ(by_port.size(), 2U);
    EXPECT_EQ(by_port[53]["app"], "DNS");
    EXPECT_TRUE(by_port[5353]["app"].is_null()); // nothing found: null, not ""
}

TEST(JsonWriter, OutputFileWriteFailureIsReported) {
    if (!std::filesystem::exists("/dev/full"))
        GTEST_SKIP() << "no /dev/full";
    OutputFile out("/dev/full");
    EXPECT_FALSE(out.failed());
    out.write("{\"a\":1}\n");
    out.flush();
    EXPECT_TRUE(out.failed());
    EXPECT_FALSE(out.closed_by_reader());
    EXPECT_FALSE(out.is_stdout());
    EXPECT_EQ(out.path(), "/dev/full");
    out.write("more"); // after a failure: dropped quietly
    out.flush();
    EXPECT_TRUE(out.failed());
}

TEST(JsonWriter, LargeWriteToDevFullFails) {
    if (!std::filesystem::exists("/dev/full"))
        GTEST_SKIP() << "no /dev/full";
    OutputFile out("/dev/full");
    out.write(std::string(300 * 1024, 'x')); // past the flush threshold: written at once
    out.flush();
    EXPECT_TRUE(out.failed());
}

TEST(JsonWriter, JsonWriterReportsDevFull) {
    if (!std::filesystem::exists("/dev/full"))
        GTEST_SKIP() << "no /dev/full";
    JsonWriter writer(std::make_unique<OutputFile>("/dev/full"), default_registry(), 0);
    const Flow f = http_flow();
    writer.on_flow_end(f, EndReason::Fin);
    writer.on_finish();
    EXPECT_TRUE(writer.output().failed());
}

TEST(JsonWriter, UnwritablePathThrows) {
    EXPECT_THROW(OutputFile("/nonexistent-dir/x.jsonl"), std::runtime_error);
}
