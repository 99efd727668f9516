// Differential test of conversations: summed per unordered 5-tuple, pairwatch's packets and
// wire bytes in each direction equal tshark's `-z conv,tcp` and `-z conv,udp`. tshark prints
// bytes from 10000 on rounded down to kB/MB; ours are printed the same way and compared as text,
// and packets exactly. Differences are listed in tshark-conv-known-differences.tsv.
#include "capture_files.h"
#include "flow_records.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <regex>
#include <sstream>

namespace pairwatch::testing {
namespace {

struct TsharkSent {
    std::uint64_t frames = 0;
    std::uint64_t exact_bytes = 0; // when every entry printed exact bytes
    bool approximate = false;
    std::string text;              // tshark's text for a single entry
};

/// Wireshark's format_size() with SI prefixes, as the conversation table prints it.
std::string tshark_size(std::uint64_t n) {
    if (n < 10'000) return fmt::format("{} bytes", n);
    if (n < 10'000'000) return fmt::format("{} kB", n / 1000);
    if (n < 10'000'000'000) return fmt::format("{} MB", n / 1'000'000);
    return fmt::format("{} GB", n / 1'000'000'000);
}

using TsharkTotals = std::map<TupleKey, std::map<Endpoint, std::vector<std::pair<std::uint64_t, std::string>>>>;

TsharkTotals tshark_conversations(const std::string& file) {
    const CommandResult r =
        run_command({"tshark", "-n", "-q", "-r", file, "-z", "conv,tcp", "-z", "conv,udp"});
    TsharkTotals totals;
    std::istringstream in(r.out);
    std::string line, proto;
    // "A:port <-> B:port  <-frames <-bytes unit  ->frames ->bytes unit ..."; "<-" is B to A.
    static const std::regex kRow(
        R"(^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+) (\d+ (?:bytes|kB|MB|GB))\s+(\d+) (\d+ (?:bytes|kB|MB|GB)))");
    while (std::getline(in, line)) {
        if (line.find("TCP Conversations") != std::string::npos) proto = "tcp";
        if (line.find("UDP Conversations") != std::string::npos) proto = "udp";
        std::smatch m;
        if (!std::regex_search(line, m, kRow)) continue;
        const Endpoint a{m[1], static_cast<unsigned>(std::stoul(m[2]))};
        const Endpoint b{m[3], static_cast<unsigned>(std::stoul(m[4]))};
        auto& entry = totals[make_tuple_key(proto, a, b)];
        entry[b].emplace_back(std::stoull(m[5]), m[6]);
        entry[a].emplace_back(std::stoull(m[7]), m[8]);
    }
    return totals;
}

std::string describe(const std::map<Endpoint, Sent>& ours) {
    std::string s;
    for (const auto& [ep, sent] : ours) {
        s += fmt::format(" {}:{} sent {} pkts {} bytes;", ep.first, ep.second, sent.packets, sent.bytes);
    }
    return s;
}

class TsharkConversations : public ::testing::TestWithParam<std::string> {};

TEST_P(TsharkConversations, PacketsAndWireBytesAgree) {
    if (!have_program("tshark")) GTEST_SKIP() << "tshark is not installed";
    const std::string file = GetParam();
    const std::string name = std::filesystem::path(file).filename().string();
    if (name.find("unsupported") != std::string::npos) GTEST_SKIP() << "link type refused by design";
    std::string error;
    const auto records = flow_records(file, &error);
    ASSERT_TRUE(error.empty()) << error;

    ConversationTotals ours;
    for (const auto& r : records) {
        const Endpoint o{r["orig_h"], r["orig_p"]};
        const Endpoint p{r["resp_h"], r["resp_p"]};
        auto& entry = ours[make_tuple_key(r["proto"], o, p)];
        entry[o].packets += r["orig_pkts"].get<std::uint64_t>();
        entry[o].bytes += r["orig_wire_bytes"].get<std::uint64_t>();
        entry[p].packets += r["resp_pkts"].get<std::uint64_t>();
        entry[p].bytes += r["resp_wire_bytes"].get<std::uint64_t>();
    }
    const TsharkTotals theirs = tshark_conversations(file);

    std::map<std::string, std::string> differences; // "KIND TUPLE" -> detail
    std::size_t agree = 0;
    for (const auto& [key, per_endpoint] : theirs) {
        auto it = ours.find(key);
        if (it == ours.end()) {
            differences["missing " + key.text()] = "tshark has it, pairwatch does not";
            continue;
        }
        bool same = true;
        std::string detail;
        for (const auto& [ep, entries] : per_endpoint) {
            std::uint64_t frames = 0;
            for (const auto& e : entries) frames += e.first;
            const Sent mine = it->second.count(ep) != 0 ? it->second.at(ep) : Sent{};
            // Several tshark entries for one tuple (a dissector that opened a second
            // conversation) are summed; their byte texts then only add up when exact.
            bool bytes_ok = true;
            if (entries.size() == 1) {
                bytes_ok = entries[0].second == tshark_size(mine.bytes);
            } else {
                std::uint64_t sum = 0;
                for (const auto& e : entries) {
                    if (e.second.ends_with(" bytes")) sum += std::stoull(e.second);
                    else bytes_ok = false;
                }
                if (bytes_ok) bytes_ok = sum == mine.bytes;
            }
            if (frames != mine.packets || !bytes_ok) same = false;
            detail += fmt::format(" {}:{} tshark {} frames {}; ours {} pkts {} bytes.", ep.first,
                                  ep.second, frames, entries.size() == 1 ? entries[0].second : "(several)",
                                  mine.packets, mine.bytes);
        }
        if (same) ++agree;
        else differences["counts " + key.text()] = detail;
    }
    for (const auto& [key, per_endpoint] : ours) {
        if (theirs.count(key) == 0) differences["extra " + key.text()] = "pairwatch:" + describe(per_endpoint);
    }

    const auto known = known_differences_for("tshark-conv-known-differences.tsv", name);
    std::vector<bool> used(known.size(), false);
    std::string unexpected;
    for (const auto& [what, detail] : differences) {
        bool listed = false;
        for (std::size_t i = 0; i < known.size(); ++i) {
            const std::string& k = known[i].what;
            const bool wildcard = k.ends_with(" *") && what.starts_with(k.substr(0, k.size() - 1));
            if (k == what || wildcard) {
                listed = true;
                used[i] = true;
            }
        }
        if (!listed) unexpected += fmt::format("\n  {}: {}", what, detail);
    }
    std::string stale;
    for (std::size_t i = 0; i < known.size(); ++i) {
        if (!used[i]) stale += "\n  " + known[i].what;
    }
    std::cout << fmt::format("{}: {} tshark conversations, {} agree, {} differ ({} listed)\n", name,
                             theirs.size(), agree, differences.size(),
                             differences.size() - static_cast<std::size_t>(std::count(unexpected.begin(), unexpected.end(), '\n')));
    EXPECT_TRUE(unexpected.empty()) << name << ": not in tshark-conv-known-differences.tsv:" << unexpected;
    EXPECT_TRUE(stale.empty()) << name << ": listed but no longer different:" << stale;
}

INSTANTIATE_TEST_SUITE_P(Captures, TsharkConversations, ::testing::ValuesIn(all_test_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TsharkConversations);

} // namespace
} // namespace pairwatch::testing
