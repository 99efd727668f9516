#include "pairwatch/export/zeek_conn_writer.h"

#include "pairwatch/export/output_file.h"
#include "support/export_fixtures.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

using pairwatch::exporter::append_zeek_string;
using pairwatch::exporter::flow_to_zeek_conn;
using pairwatch::exporter::kZeekConnFields;
using pairwatch::exporter::kZeekConnTypes;
using pairwatch::exporter::OutputFile;
using pairwatch::exporter::zeek_conn_header;
using pairwatch::exporter::zeek_log_time;
using pairwatch::exporter::ZeekConnWriter;
using pairwatch::flow::EndReason;
using pairwatch::flow::Flow;
using pairwatch::services::CidrList;
using pairwatch::services::parse_cidr_list;
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

/// Local time is UTC while it lives, so #open and #close read the same on every machine.
class UtcTimeZone {
public:
    UtcTimeZone() {
        if (const char* tz = std::getenv("TZ")) saved_ = tz;
        ::setenv("TZ", "UTC0", 1);
        ::tzset();
    }
    ~UtcTimeZone() {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    UtcTimeZone(const UtcTimeZone&) = delete;
    UtcTimeZone& operator=(const UtcTimeZone&) = delete;

private:
    std::optional<std::string> saved_;
};

std::time_t fixed_clock() {
    return 1'700'000'000;
} // 2023-11-14 22:13:20 UTC

std::string row(const Flow& f, const char* local_nets = nullptr,
                const ServiceRegistry& reg = default_registry()) {
    const CidrList nets = local_nets != nullptr ? parse_cidr_list(local_nets) : CidrList{};
    return flow_to_zeek_conn(f, reg, 7, nets);
}

constexpr std::uint8_t S = 0x02, A = 0x10;

const char* const kHeaderAtEpoch = "#separator \\x09\n"
                                   "#set_separator\t,\n"
                                   "#empty_field\t(empty)\n"
                                   "#unset_field\t-\n"
                                   "#path\tconn\n"
                                   "#open\t1970-01-01-00-00-00\n"
                                   "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\t"
                                   "proto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\t"
                                   "local_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\t"
                                   "orig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n"
                                   "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\t"
                                   "interval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\t"
                                   "count\tcount\tcount\tcount\tset[string]\n";

} // namespace

TEST(ZeekConnWriter, ExactRowForAKnownFlow) {
    const Flow f = http_flow();
    const std::string uid = pairwatch::flow::flow_uid(f, 7);
    EXPECT_EQ(row(f), "1700000000.123456\t" + uid +
                          "\t192.0.2.10\t50000\t198.51.100.7\t80\ttcp\thttp\t0.500000\t100\t1000\t"
                          "SF\t-\t-\t0\tShADdFf\t5\t300\t3\t1120\t-");
}

TEST(ZeekConnWriter, LocalNetsFillLocalOrigAndLocalResp) {
    const Flow f = http_flow(); // 192.0.2.10 -> 198.51.100.7
    const auto locals = [&f](const char* nets) {
        const std::string r = row(f, nets);
        // Columns 13 and 14 (local_orig, local_resp), counted from 1.
        std::size_t pos = 0;
        for (int i = 0; i < 12; ++i) pos = r.find('\t', pos) + 1;
        return r.substr(pos, 3);
    };
    EXPECT_EQ(locals("192.0.2.0/24"), "T\tF");
    EXPECT_EQ(locals("198.51.100.0/24,2001:db8::/32"), "F\tT");
    EXPECT_EQ(locals("::/0"), "T\tT");
    EXPECT_EQ(locals("10.0.0.0/8"), "F\tF");
    EXPECT_EQ(locals("private"), "T\tT"); // TEST-NET-1 and -2 are special-purpose blocks
    EXPECT_EQ(locals("192.0.2.10/32,198.51.100.7"), "T\tT");
}

TEST(ZeekConnWriter, ZeroDurationLeavesDurationAndBytesUnset) {
    // Zeek's set_conn() fills duration, orig_bytes and resp_bytes only for a duration above 0.
    const auto ended = run_flows({udp_packet(kT0, {"10.0.0.1", 50000}, {"10.0.0.2", 53}, 30)});
    ASSERT_EQ(ended.size(), 1U);
    const Flow& f = ended[0].flow;
    EXPECT_EQ(row(f, "10.0.0.0/8"), "1700000000.123456\t" + pairwatch::flow::flow_uid(f, 7) +
                                        "\t10.0.0.1\t50000\t10.0.0.2\t53\tudp\tdns\t-\t-\t-\tS0\t"
                                        "T\tT\t0\tD\t1\t58\t0\t0\t-");
}

TEST(ZeekConnWriter, UnnamedPortServiceIsUnset) {
    const auto ended = run_flows({udp_packet(kT0, {"10.0.0.1", 60001}, {"10.0.0.2", 60000}),
                                  udp_packet(kT0 + kMs, {"10.0.0.2", 60000}, {"10.0.0.1", 60001})});
    ASSERT_EQ(ended.size(), 1U);
    const std::string r = row(ended[0].flow);
    EXPECT_NE(r.find("\t60000\tudp\t-\t0.001000\t10\t10\tSF\t-\t-\t0\tDd\t"), std::string::npos)
        << r;
}

TEST(ZeekConnWriter, ServiceNamesLowerCasedAndEscaped) {
    TempPath file("zeek-services");
    {
        std::ofstream out(file.str());
        out << "MyProto 61000/udp\n"
            << "we\\ird 61001/udp\n";
    }
    ServiceRegistry reg;
    ASSERT_EQ(reg.load_user_file(file.str()).entries, 2U);
    const auto a = run_flows({udp_packet(kT0, {"10.0.0.1", 62000}, {"10.0.0.2", 61000})}, reg);
    const auto b = run_flows({udp_packet(kT0, {"10.0.0.1", 62000}, {"10.0.0.2", 61001})}, reg);
    ASSERT_EQ(a.size(), 1U);
    ASSERT_EQ(b.size(), 1U);
    EXPECT_NE(row(a[0].flow, nullptr, reg).find("\tudp\tmyproto\t-\t"), std::string::npos);
    EXPECT_NE(row(b[0].flow, nullptr, reg).find("\tudp\twe\\x5cird\t-\t"), std::string::npos);
}

TEST(ZeekConnWriter, Ipv6AndIpv4MappedAddresses) {
    const auto v6 = run_flows({tcp_packet(kT0, {"2001:db8::10", 50000}, {"2001:db8:0:0:1::1", 443},
                                          S, 1, 0, 0, 100, true),
                               tcp_packet(kT0 + kMs, {"2001:db8:0:0:1::1", 443},
                                          {"2001:db8::10", 50000}, S | A, 9, 2, 0, 100, true)});
    ASSERT_EQ(v6.size(), 1U);
    const std::string r = row(v6[0].flow, "2001:db8::/80"); // the client's /80, not the server's
    EXPECT_NE(r.find("\t2001:db8::10\t50000\t2001:db8::1:0:0:1\t443\ttcp\thttps\t0.001000\t0\t0\t"
                     "S1\tT\tF\t0\tSh\t1\t60\t1\t60\t-"),
              std::string::npos)
        << r;
    // Zeek holds ::ffff:a.b.c.d as the IPv4 address and prints it so; the JSON keeps the
    // IPv6 header's text.
    const auto mapped = run_flows(
        {udp_packet(kT0, {"::ffff:192.0.2.1", 50000}, {"::ffff:192.0.2.2", 53}, 10, true)});
    ASSERT_EQ(mapped.size(), 1U);
    EXPECT_NE(row(mapped[0].flow, "192.0.2.0/24")
                  .find("\t192.0.2.1\t50000\t192.0.2.2\t53\tudp\t"
                        "dns\t-\t-\t-\tS0\tT\tT\t"),
              std::string::npos)
        << row(mapped[0].flow);
}

TEST(ZeekConnWriter, EmptyHistoryIsUnset) {
    // A SYN whose flags the snaplen cut: the flow exists, but no history letter was earned.
    auto p = tcp_packet(kT0, {"10.0.0.1", 50000}, {"10.0.0.2", 80}, S, 1, 0);
    p.tcp_flags_known = false;
    p.tcp_flags = 0;
    const auto ended = run_flows({p});
    ASSERT_EQ(ended.size(), 1U);
    ASSERT_EQ(ended[0].history(), "");
    const std::string r = row(ended[0].flow);
    EXPECT_NE(r.find("\t0\t-\t1\t40\t0\t0\t-"), std::string::npos) << r;
}

TEST(ZeekConnWriter, StringsEscapedAsZeeksAsciiWriter) {
    const auto esc = [](std::string_view s) {
        std::string out;
        append_zeek_string(out, s);
        return out;
    };
    EXPECT_EQ(esc(""), "(empty)");
    EXPECT_EQ(esc("-"), "\\x2d");             // would read back as unset
    EXPECT_EQ(esc("(empty)"), "\\x28empty)"); // would read back as empty
    EXPECT_EQ(esc("--"), "--");               // only the whole value is reserved
    EXPECT_EQ(esc("(empty)x"), "(empty)x");
    EXPECT_EQ(esc("a\tb"), "a\\x09b"); // the separator
    EXPECT_EQ(esc("a\\b"), "a\\x5cb"); // the escape character itself
    EXPECT_EQ(esc("a\nb\x7f"), "a\\x0ab\\x7f");
    EXPECT_EQ(esc("caf\xc3\xa9"), "caf\\xc3\\xa9"); // not ASCII: escaped, as without utf8
    EXPECT_EQ(esc(std::string_view("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(esc("http,ssl ok~"), "http,ssl ok~"); // a comma is only special inside a set
}

TEST(ZeekConnWriter, HeaderAsZeeksAsciiWriter) {
    static_assert(kZeekConnFields.size() == kZeekConnTypes.size());
    const UtcTimeZone utc;
    EXPECT_EQ(zeek_conn_header(0), kHeaderAtEpoch);
    EXPECT_EQ(zeek_log_time(1'700'000'000), "2023-11-14-22-13-20");
    EXPECT_EQ(zeek_log_time(951'782'400), "2000-02-29-00-00-00");
}

TEST(ZeekConnWriter, LogTimeIsLocalTime) {
    const UtcTimeZone utc;      // restores TZ after the next line changes it
    ::setenv("TZ", "XYZ-2", 1); // two hours east of UTC, whatever the tz database holds
    ::tzset();
    EXPECT_EQ(zeek_log_time(1'700'000'000), "2023-11-15-00-13-20");
}

TEST(ZeekConnWriter, WritesHeaderRowsAndCloseOnce) {
    const UtcTimeZone utc;
    TempPath file("zeek-conn");
    {
        ZeekConnWriter writer(std::make_unique<OutputFile>(file.str(), "--zeek-conn"),
                              default_registry(), 7, parse_cidr_list("192.0.2.0/24"), &fixed_clock);
        const Flow f = http_flow();
        writer.on_flow_end(f, EndReason::Fin);
        writer.on_finish();
        writer.on_finish(); // a second finish (e.g. a signal during the last flush) adds nothing
        EXPECT_FALSE(writer.output().failed());
        std::string want = kHeaderAtEpoch;
        want.replace(want.find("1970-01-01-00-00-00"), 19, "2023-11-14-22-13-20");
        want += row(f, "192.0.2.0/24") + "\n";
        want += "#close\t2023-11-14-22-13-20\n";
        EXPECT_EQ(slurp(file.str()), want);
    }
}

TEST(ZeekConnWriter, AReopenClosesTheOldLogAndOpensTheNextAsZeekRotates) {
    const UtcTimeZone utc;
    TempPath file("zeek-reopen");
    const std::string moved = file.str() + ".1";
    const Flow f = http_flow();
    {
        ZeekConnWriter writer(std::make_unique<OutputFile>(file.str(), "--zeek-conn"),
                              default_registry(), 7, CidrList{}, &fixed_clock);
        writer.on_flow_end(f, EndReason::Fin);
        std::filesystem::rename(file.str(), moved);
        writer.reopen();
        writer.on_flow_end(f, EndReason::Idle);
        writer.on_finish();
    }
    std::string header = kHeaderAtEpoch;
    header.replace(header.find("1970-01-01-00-00-00"), 19, "2023-11-14-22-13-20");
    const std::string close = "#close\t2023-11-14-22-13-20\n";
    EXPECT_EQ(slurp(moved), header + row(f) + "\n" + close);
    EXPECT_EQ(slurp(file.str()), header + row(f) + "\n" + close);
    std::filesystem::remove(moved);
}

TEST(ZeekConnWriter, WithoutFlowsStillAWholeLog) {
    const UtcTimeZone utc;
    TempPath file("zeek-empty");
    {
        ZeekConnWriter writer(std::make_unique<OutputFile>(file.str()), default_registry(), 7,
                              CidrList{}, &fixed_clock);
        writer.on_finish();
    }
    const std::string text = slurp(file.str());
    EXPECT_EQ(text.rfind("#separator \\x09\n#set_separator\t,\n", 0), 0U);
    EXPECT_EQ(text.substr(text.size() - 28), "\n#close\t2023-11-14-22-13-20\n");
}

TEST(ZeekConnWriter, DiskFullIsReported) {
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    ZeekConnWriter writer(std::make_unique<OutputFile>("/dev/full", "--zeek-conn"),
                          default_registry(), 0, CidrList{});
    writer.on_flow_end(http_flow(), EndReason::Fin);
    writer.on_finish();
    EXPECT_TRUE(writer.output().failed());
    EXPECT_FALSE(writer.output().closed_by_reader());
}
