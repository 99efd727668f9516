// The generated IANA table (src/services/iana_services.inc) against what the registry says.
#include "services/iana_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using pairwatch::services::Proto;
using pairwatch::services::detail::iana_entries;
using pairwatch::services::detail::iana_lookup;
using pairwatch::services::detail::iana_service;
using pairwatch::services::detail::iana_table_bytes;

namespace {

std::string name_of(Proto p, std::uint16_t port) {
    const auto s = iana_lookup(p, port);
    return s ? std::string(s->name) : std::string("(none)");
}

/// RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(std::move(field));
            field.clear();
        } else if (c == '\n') {
            rows.back().push_back(std::move(field));
            field.clear();
            rows.emplace_back();
        } else if (c != '\r') {
            field += c;
        }
    }
    if (!field.empty() || !rows.back().empty()) {
        rows.back().push_back(std::move(field));
    } else {
        rows.pop_back();
    }
    return rows;
}

} // namespace

TEST(IanaServiceTable, SpotChecks) {
    EXPECT_EQ(name_of(Proto::Tcp, 443), "https");
    EXPECT_EQ(name_of(Proto::Udp, 5353), "mdns");
    EXPECT_EQ(name_of(Proto::Udp, 3544), "teredo");
    EXPECT_EQ(name_of(Proto::Tcp, 22), "ssh");
    EXPECT_EQ(name_of(Proto::Udp, 53), "domain");
    EXPECT_EQ(name_of(Proto::Udp, 67), "bootps");
    EXPECT_EQ(name_of(Proto::Tcp, 3306), "mysql");
    EXPECT_EQ(name_of(Proto::Tcp, 8080), "http-alt");
    EXPECT_EQ(iana_lookup(Proto::Tcp, 443)->description, "http protocol over TLS/SSL");
}

TEST(IanaServiceTable, FirstRegisteredNameWins) {
    EXPECT_EQ(name_of(Proto::Tcp, 80), "http");    // before www and www-http
    EXPECT_EQ(name_of(Proto::Tcp, 63), "whoispp"); // the well-formed name, before "whois++"
    EXPECT_EQ(name_of(Proto::Tcp, 113), "ident");
    // ident has no description of its own; the next row for 113/tcp (auth) lends one.
    EXPECT_EQ(iana_lookup(Proto::Tcp, 113)->description, "Authentication Service");
    EXPECT_EQ(name_of(Proto::Udp, 113), "auth");
}

TEST(IanaServiceTable, BoilerplateTrimmedAndDescriptionsShort) {
    EXPECT_EQ(iana_lookup(Proto::Tcp, 63)->description, "whois++");
    for (const Proto p : {Proto::Tcp, Proto::Udp}) {
        for (const auto& e : iana_entries(p)) {
            const auto s = iana_service(e);
            EXPECT_FALSE(s.name.empty()) << e.port;
            EXPECT_LE(s.description.size(), 60U) << s.name;
            EXPECT_EQ(s.description.find("IANA assigned this"), std::string_view::npos) << s.name;
            EXPECT_EQ(s.description.find('\n'), std::string_view::npos) << s.name;
        }
    }
}

TEST(IanaServiceTable, NamelessRowsAndSmallRanges) {
    EXPECT_FALSE(iana_lookup(Proto::Tcp, 0));    // Reserved, no name
    EXPECT_FALSE(iana_lookup(Proto::Tcp, 32));   // Unassigned
    EXPECT_FALSE(iana_lookup(Proto::Udp, 6665)); // "Reserved" range without a name
    EXPECT_EQ(name_of(Proto::Tcp, 6000), "x11");
    EXPECT_EQ(name_of(Proto::Udp, 6063), "x11");
    EXPECT_EQ(name_of(Proto::Tcp, 6667), "ircu");
    EXPECT_FALSE(iana_lookup(Proto::Tcp, 49152)); // dynamic ports are never assigned
    EXPECT_FALSE(iana_lookup(Proto::Udp, 65535));
}

TEST(IanaServiceTable, SizeIsCompact) {
    EXPECT_GT(iana_entries(Proto::Tcp).size(), 5000U);
    EXPECT_GT(iana_entries(Proto::Udp).size(), 5000U);
    EXPECT_LT(iana_table_bytes(), 300U * 1024U);
}

// Every tcp/udp row of the CSV that names a service, first per port: exactly the table's names.
TEST(IanaServiceTable, MatchesTheRegistryCsv) {
    const std::filesystem::path csv = std::filesystem::path(PAIRWATCH_SOURCE_DIR) / ".." /
                                      "shared" / "iana" / "service-names-port-numbers.csv";
    if (!std::filesystem::exists(csv)) {
        GTEST_SKIP() << csv << " not found (../shared is not checked out)";
    }
    const auto rows = read_csv(csv);
    ASSERT_GT(rows.size(), 10000U);
    ASSERT_EQ(rows[0].at(0), "Service Name");
    std::map<std::pair<Proto, std::uint16_t>, std::string> expected;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& r = rows[i];
        ASSERT_GE(r.size(), 4U) << "row " << i;
        const auto& name = r[0];
        const auto& ports = r[1];
        const auto& proto = r[2];
        if (name.empty() || ports.empty() || (proto != "tcp" && proto != "udp")) {
            continue;
        }
        const auto dash = ports.find('-');
        const unsigned long lo = std::stoul(ports.substr(0, dash));
        const unsigned long hi =
            dash == std::string::npos ? lo : std::stoul(ports.substr(dash + 1));
        ASSERT_LE(hi - lo, 63U) << "a range the generator would skip: " << name;
        for (unsigned long port = lo; port <= hi; ++port) {
            expected.try_emplace(
                {proto == "tcp" ? Proto::Tcp : Proto::Udp, static_cast<std::uint16_t>(port)}, name);
        }
    }
    std::size_t table_size = 0;
    for (const Proto p : {Proto::Tcp, Proto::Udp}) {
        table_size += iana_entries(p).size();
    }
    EXPECT_EQ(table_size, expected.size()) << "rerun scripts/gen-services.py?";
    for (const auto& [key, name] : expected) {
        ASSERT_EQ(name_of(key.first, key.second), name) << key.second;
    }
}
