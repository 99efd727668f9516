// Differential test against nDPI's own verdicts: beside each ndpi-* capture in ../shared/captures
// lies ndpiReader's report (FILE.ndpi.out, from nDPI's test suite, a newer nDPI than Debian 12's
// 4.2). For every TCP/UDP flow in it, the `app` of our records with the same unordered 5-tuple
// must be nDPI's protocol name when nDPI decided by payload ("Confidence: DPI"), and null when
// it only guessed (by port or address) or found nothing: `app` never guesses. Every exception is
// listed in ndpi-known-differences.tsv with its reason; the agreement is printed per file.
#include "capture_files.h"
#include "flow_records.h"
#include "support/process.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>

namespace pairwatch::testing {
namespace {

struct NdpiFlow {
    TupleKey key;
    std::string name;       // "TLS.ntop", "DNS", "Unknown"
    std::string confidence; // "DPI", "Match by port", "Unknown", ...
    [[nodiscard]] bool by_payload() const { return confidence.rfind("DPI", 0) == 0; }
};

/// One text per address: ndpiReader shortens a single zero group to "::" (face:b00c::2), which
/// RFC 5952 4.2.2 and our records do not (face:b00c:0:2).
std::string canonical(const std::string& addr) {
    in6_addr a6{};
    if (addr.find(':') == std::string::npos || ::inet_pton(AF_INET6, addr.c_str(), &a6) != 1) {
        return addr;
    }
    char text[INET6_ADDRSTRLEN] = {};
    return ::inet_ntop(AF_INET6, &a6, text, sizeof text) != nullptr ? text : addr;
}

/// "[2001:db8::1]:443" or "10.0.0.1:80" -> (address, port)
Endpoint parse_endpoint(const std::string& text) {
    const auto colon = text.rfind(':');
    std::string addr = text.substr(0, colon);
    if (addr.size() >= 2 && addr.front() == '[') addr = addr.substr(1, addr.size() - 2);
    return {canonical(addr), static_cast<unsigned>(std::stoul(text.substr(colon + 1)))};
}

/// The flow lines of an ndpiReader report ("->" for a flow seen one way only):
///   <tab>N<tab>TCP 10.0.0.1:80 <-> 10.0.0.2:40000 [proto: 7/HTTP]...[Confidence: DPI]...
std::vector<NdpiFlow> read_ndpi_out(const std::string& path) {
    static const std::regex kLine(
        R"(^\t\d+\t(TCP|UDP) (\S+) <?-> (\S+) .*?\[proto: [0-9.]+/([^\]]+)\].*?\[Confidence: ([^\]]+)\])");
    std::vector<NdpiFlow> flows;
    std::ifstream in(path);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (!std::regex_search(line, m, kLine)) continue;
        const std::string proto = m[1] == "TCP" ? "tcp" : "udp";
        flows.push_back({make_tuple_key(proto, parse_endpoint(m[2]), parse_endpoint(m[3])), m[4],
                         m[5]});
    }
    return flows;
}

std::vector<std::string> ndpi_captures() {
    std::vector<std::string> out;
    for (const auto& f : capture_files_in(shared_captures_dir())) {
        if (std::filesystem::exists(f + ".ndpi.out")) out.push_back(f);
    }
    return out;
}

class NdpiDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(NdpiDiff, AppAgreesWithNdpisVerdicts) {
    const std::string file = GetParam();
    const std::string name = std::filesystem::path(file).filename().string();
    std::string error;
    const auto records = flow_records(file, &error);
    ASSERT_TRUE(error.empty()) << error;

    // Ours by unordered 5-tuple: the distinct names among its records (one conversation may be
    // several records of ours, after a port reuse or an idle gap; nDPI keeps one flow).
    std::map<TupleKey, std::set<std::string>> ours;
    std::set<TupleKey> seen;
    for (const auto& r : records) {
        const TupleKey key = make_tuple_key(r["proto"], {canonical(r["orig_h"]), r["orig_p"]},
                                            {canonical(r["resp_h"]), r["resp_p"]});
        seen.insert(key);
        if (!r["app"].is_null()) ours[key].insert(r["app"].get<std::string>());
    }

    std::map<std::string, std::string> differences; // what -> detail
    std::size_t by_payload = 0, agree = 0, unnamed = 0, unnamed_agree = 0;
    for (const auto& n : read_ndpi_out(file + ".ndpi.out")) {
        const std::string what = n.key.text();
        const std::set<std::string> want =
            n.by_payload() ? std::set<std::string>{n.name} : std::set<std::string>{};
        const auto it = ours.find(n.key);
        const std::set<std::string> got = it == ours.end() ? std::set<std::string>{} : it->second;
        (n.by_payload() ? by_payload : unnamed) += 1;
        if (got == want && (seen.count(n.key) != 0 || !n.by_payload())) {
            (n.by_payload() ? agree : unnamed_agree) += 1;
            continue;
        }
        std::string ours_text = seen.count(n.key) == 0 ? "no such conversation" : "null";
        if (!got.empty()) ours_text = fmt::format("{}", fmt::join(got, ","));
        differences[what] = fmt::format("nDPI {} ({}) | ours {}", n.name, n.confidence, ours_text);
    }

    const auto check = check_known_differences(
        differences, known_differences_for("ndpi-known-differences.tsv", name));
    std::cout << fmt::format("{}: nDPI named {} flows by payload, {} agree; {} flows it did not "
                             "name by payload, {} null in ours too\n",
                             name, by_payload, agree, unnamed, unnamed_agree);
    EXPECT_TRUE(check.unexpected.empty())
        << name << ": not in ndpi-known-differences.tsv:" << check.unexpected;
    EXPECT_TRUE(check.stale.empty()) << name << ": listed but no longer different:" << check.stale;
}

INSTANTIATE_TEST_SUITE_P(Captures, NdpiDiff, ::testing::ValuesIn(ndpi_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NdpiDiff);

TEST(NdpiDiffShared, SkippedWithoutSharedCaptures) {
    if (shared_captures_dir().empty()) {
        GTEST_SKIP() << "../shared/captures is absent: no nDPI reference verdicts to compare with";
    }
    EXPECT_FALSE(ndpi_captures().empty()) << "no FILE.ndpi.out beside the shared captures";
}

// ---- The option, end to end ----

TEST(AppField, NamedByDefaultNullWithNoDpi) {
    const std::string file = source_dir() + "/captures/lan-ssh-nano.pcap";
    std::string error;
    const auto with = flow_records(file, &error);
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_EQ(with.size(), 1U);
    EXPECT_EQ(with[0]["app"], "SSH");

    const auto without = flow_records(file, &error, {"--no-dpi"});
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_EQ(without.size(), 1U);
    EXPECT_TRUE(without[0]["app"].is_null());
    // Nothing else changes.
    auto a = with[0];
    auto b = without[0];
    a.erase("app");
    b.erase("app");
    EXPECT_EQ(a, b);
}

} // namespace
} // namespace pairwatch::testing
