#include "pairwatch/export/csv_writer.h"

#include "pairwatch/export/json_writer.h"
#include "pairwatch/export/output_file.h"
#include "support/export_fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>

using pairwatch::exporter::append_csv_field;
using pairwatch::exporter::csv_header;
using pairwatch::exporter::CsvWriter;
using pairwatch::exporter::flow_to_csv;
using pairwatch::exporter::flow_to_json;
using pairwatch::exporter::OutputFile;
using pairwatch::flow::EndReason;
using pairwatch::flow::Flow;
using pairwatch::services::ServiceRegistry;
using pairwatch::test::default_registry;
using pairwatch::test::http_flow;
using pairwatch::test::kMs;
using pairwatch::test::kT0;
using pairwatch::test::run_flows;
using pairwatch::test::slurp;
using pairwatch::test::TempPath;
using pairwatch::test::udp_packet;

namespace {

std::string field(std::string_view text) {
    std::string out;
    append_csv_field(out, text);
    return out;
}

} // namespace

TEST(CsvWriter, HeaderIsTheJsonKeysInOrder) {
    const std::string header = csv_header();
    EXPECT_EQ(header, "uid,ts,last_ts,duration,proto,orig_h,orig_p,resp_h,resp_p,vlan,service,"
                      "service_source,port_category,app,conn_state,history,dir_reason,end_reason,"
                      "orig_pkts,resp_pkts,orig_bytes,resp_bytes,orig_ip_bytes,resp_ip_bytes,"
                      "orig_wire_bytes,resp_wire_bytes\n");
    // The same list the JSON record has, read from a JSON line.
    const auto j = nlohmann::ordered_json::parse(
        flow_to_json(http_flow(), EndReason::Fin, default_registry(), 1));
    std::string keys;
    for (const auto& [k, v] : j.items()) keys += (keys.empty() ? "" : ",") + k;
    EXPECT_EQ(header, keys + "\n");
}

TEST(CsvWriter, ExactRowForAKnownFlow) {
    const Flow f = http_flow();
    const std::string uid = pairwatch::flow::flow_uid(f, 99);
    EXPECT_EQ(flow_to_csv(f, EndReason::Fin, default_registry(), 99),
              uid + ",1700000000.123456,1700000000.623456,0.500000,tcp,192.0.2.10,50000,"
                    "198.51.100.7,80,,http,resp_port,well-known,,SF,ShADdFf,syn,fin,5,3,100,1000,"
                    "300,1120,370,1162\n");
}

TEST(CsvWriter, AppIsItsOwnColumn) {
    const Flow f = http_flow();
    const std::string row = flow_to_csv(f, EndReason::Fin, default_registry(), 99, "TLS.Google");
    EXPECT_NE(row.find(",80,,http,resp_port,well-known,TLS.Google,SF,ShADdFf,"), std::string::npos)
        << row;
}

TEST(CsvWriter, NullsAreEmptyFieldsAndVlanIsANumber) {
    auto p1 = udp_packet(kT0, {"10.1.1.1", 60001}, {"10.1.1.2", 60000}, 20);
    p1.vlan_count = 1;
    p1.vlan = {42, 0};
    auto p2 = udp_packet(kT0 + kMs, {"10.1.1.2", 60000}, {"10.1.1.1", 60001}, 30);
    p2.vlan_count = 1;
    p2.vlan = {42, 0};
    const auto ended = run_flows({p1, p2});
    ASSERT_EQ(ended.size(), 1U);
    const std::string row = flow_to_csv(ended[0].flow, ended[0].why, default_registry(), 5);
    EXPECT_NE(row.find(",udp,10.1.1.1,60001,10.1.1.2,60000,42,,,dynamic,,SF,Dd,port,capture-end,"),
              std::string::npos)
        << row;
}

TEST(CsvWriter, FieldsQuotedOnlyWhenRfc4180SaysSo) {
    EXPECT_EQ(field("http"), "http");
    EXPECT_EQ(field("a b"), "a b"); // spaces belong to the field (RFC 4180 2.4)
    EXPECT_EQ(field("a,b"), "\"a,b\"");
    EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(field("\""), "\"\"\"\"");
    EXPECT_EQ(field("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(field("cr\r"), "\"cr\r\"");
    EXPECT_EQ(field(""), "\"\""); // an empty string is not a null
    EXPECT_EQ(field("^dD"), "^dD");
}

TEST(CsvWriter, UserServiceNamesAreQuoted) {
    TempPath file("csv-services");
    {
        std::ofstream out(file.str());
        out << "odd\"name,x 61000/udp\n";
    }
    ServiceRegistry reg;
    ASSERT_EQ(reg.load_user_file(file.str()).entries, 1U);
    const auto ended = run_flows({udp_packet(kT0, {"10.0.0.1", 62000}, {"10.0.0.2", 61000})}, reg);
    ASSERT_EQ(ended.size(), 1U);
    const std::string row = flow_to_csv(ended[0].flow, ended[0].why, reg, 0);
    EXPECT_NE(row.find(",61000,,\"odd\"\"name,x\",resp_port,dynamic,,S0,D,"), std::string::npos)
        << row;
}

TEST(CsvWriter, WritesHeaderThenOneRowPerFlow) {
    TempPath file("csv-out");
    const Flow f = http_flow();
    {
        CsvWriter writer(std::make_unique<OutputFile>(file.str(), "--csv"), default_registry(), 3);
        writer.on_flow_end(f, EndReason::Fin);
        writer.on_flow_end(f, EndReason::Idle);
        writer.on_finish();
        EXPECT_FALSE(writer.output().failed());
    }
    EXPECT_EQ(slurp(file.str()), csv_header() +
                                     flow_to_csv(f, EndReason::Fin, default_registry(), 3) +
                                     flow_to_csv(f, EndReason::Idle, default_registry(), 3));
}

TEST(CsvWriter, AReopenedNewFileStartsWithTheHeaderAndTheSameFileDoesNot) {
    TempPath file("csv-reopen");
    const std::string moved = file.str() + ".1";
    const Flow f = http_flow();
    {
        CsvWriter writer(std::make_unique<OutputFile>(file.str(), "--csv"), default_registry(), 3);
        writer.on_flow_end(f, EndReason::Fin);
        std::filesystem::rename(file.str(), moved);
        writer.reopen();
        writer.on_flow_end(f, EndReason::Idle);
        writer.reopen(); // not moved: appended to, no second header
        writer.on_flow_end(f, EndReason::Rst);
        writer.on_finish();
    }
    EXPECT_EQ(slurp(moved), csv_header() + flow_to_csv(f, EndReason::Fin, default_registry(), 3));
    EXPECT_EQ(slurp(file.str()), csv_header() + flow_to_csv(f, EndReason::Idle, default_registry(), 3) +
                                     flow_to_csv(f, EndReason::Rst, default_registry(), 3));
    std::filesystem::remove(moved);
}

TEST(CsvWriter, WithoutFlowsTheHeaderAlone) {
    TempPath file("csv-empty");
    {
        CsvWriter writer(std::make_unique<OutputFile>(file.str()), default_registry(), 3);
        writer.on_finish();
    }
    EXPECT_EQ(slurp(file.str()), csv_header());
}

TEST(CsvWriter, DiskFullIsReported) {
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    CsvWriter writer(std::make_unique<OutputFile>("/dev/full", "--csv"), default_registry(), 0);
    writer.on_flow_end(http_flow(), EndReason::Fin);
    writer.on_finish();
    EXPECT_TRUE(writer.output().failed());
    EXPECT_FALSE(writer.output().closed_by_reader());
}
