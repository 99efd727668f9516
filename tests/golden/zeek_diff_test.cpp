// Differential test against Zeek: for every capture in ../shared/captures with a conn.log from
// Zeek's own test suite, each TCP/UDP connection's orig/resp packets and IP bytes, conn_state
// and history must equal ours. Connections are matched by unordered 5-tuple in time order.
// Every exception is listed in zeek-known-differences.tsv with its reason; the agreement is
// printed per file and in total.
#include "capture_files.h"
#include "flow_records.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace pairwatch::testing {
namespace {

struct ZeekConn {
    std::map<std::string, std::string> fields;
    [[nodiscard]] const std::string& get(const std::string& k) const {
        static const std::string kUnset = "-";
        auto it = fields.find(k);
        return it == fields.end() ? kUnset : it->second;
    }
};

std::vector<ZeekConn> read_conn_log(const std::string& path) {
    std::vector<ZeekConn> rows;
    std::ifstream in(path);
    std::string line;
    std::vector<std::string> names;
    while (std::getline(in, line)) {
        if (line.rfind("#fields", 0) == 0) {
            std::istringstream f(line);
            std::string name;
            std::getline(f, name, '\t'); // "#fields"
            while (std::getline(f, name, '\t')) names.push_back(name);
            continue;
        }
        if (line.empty() || line[0] == '#' || names.empty()) continue;
        std::istringstream f(line);
        std::string value;
        ZeekConn c;
        for (const auto& n : names) {
            if (!std::getline(f, value, '\t')) break;
            c.fields[n] = value;
        }
        rows.push_back(std::move(c));
    }
    return rows;
}

struct Tally {
    std::size_t conns = 0, matched = 0, packets = 0, ip_bytes = 0, state = 0, history = 0;
};
Tally g_total;

std::vector<std::string> zeek_captures() {
    std::vector<std::string> out;
    for (const auto& f : capture_files_in(shared_captures_dir())) {
        if (std::filesystem::exists(f + ".zeek-conn.log")) out.push_back(f);
    }
    return out;
}

class ZeekDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(ZeekDiff, ConnectionsAgree) {
    const std::string file = GetParam();
    const std::string name = std::filesystem::path(file).filename().string();
    std::string error;
    const auto records = flow_records(file, &error);
    ASSERT_TRUE(error.empty()) << error;
    const auto zeek = read_conn_log(file + ".zeek-conn.log");

    // Ours by unordered 5-tuple, oldest first (the records come out as flows end).
    std::map<TupleKey, std::vector<const nlohmann::json*>> ours;
    std::vector<const nlohmann::json*> sorted;
    for (const auto& r : records) sorted.push_back(&r);
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
        return (*a)["ts"].template get<double>() < (*b)["ts"].template get<double>();
    });
    for (const auto* r : sorted) {
        ours[make_tuple_key((*r)["proto"], {(*r)["orig_h"], (*r)["orig_p"]},
                            {(*r)["resp_h"], (*r)["resp_p"]})]
            .push_back(r);
    }

    std::map<std::string, std::string> differences; // "what" -> detail
    Tally t;
    const bool has_ids = !zeek.empty() && zeek[0].fields.count("id.orig_h") != 0;
    for (const auto& z : zeek) {
        const std::string& proto = has_ids ? z.get("proto") : std::string("tcp");
        if (proto != "tcp" && proto != "udp") continue; // ICMP is not a socket pair
        ++t.conns;
        const nlohmann::json* r = nullptr;
        std::string what;
        if (has_ids) {
            const Endpoint o{z.get("id.orig_h"), std::stoul(z.get("id.orig_p"))};
            const Endpoint p{z.get("id.resp_h"), std::stoul(z.get("id.resp_p"))};
            const TupleKey key = make_tuple_key(proto, o, p);
            what = fmt::format("{} {}:{} > {}:{}", proto, o.first, o.second, p.first, p.second);
            auto it = ours.find(key);
            if (it != ours.end() && !it->second.empty()) {
                r = it->second.front();
                it->second.erase(it->second.begin());
            }
        } else if (!sorted.empty()) {
            // This log keeps only uid, service and history: one connection, compared by history.
            r = sorted.front();
            what = "history-only";
        }
        if (r == nullptr) {
            differences["missing " + what] = fmt::format("zeek {} {}", z.get("conn_state"), z.get("history"));
            continue;
        }
        ++t.matched;
        const bool same_dir = !has_ids || ((*r)["orig_h"] == z.get("id.orig_h") &&
                                           std::to_string((*r)["orig_p"].get<unsigned>()) == z.get("id.orig_p"));
        const bool pk = !has_ids || (std::to_string((*r)["orig_pkts"].get<std::uint64_t>()) == z.get("orig_pkts") &&
                                     std::to_string((*r)["resp_pkts"].get<std::uint64_t>()) == z.get("resp_pkts"));
        const bool ipb = !has_ids || (std::to_string((*r)["orig_ip_bytes"].get<std::uint64_t>()) == z.get("orig_ip_bytes") &&
                                      std::to_string((*r)["resp_ip_bytes"].get<std::uint64_t>()) == z.get("resp_ip_bytes"));
        const bool st = !has_ids || (*r)["conn_state"] == z.get("conn_state");
        const bool hi = (*r)["history"] == z.get("history");
        t.packets += pk;
        t.ip_bytes += ipb;
        t.state += st;
        t.history += hi;
        if (!(same_dir && pk && ipb && st && hi)) {
            differences[what] = fmt::format(
                "zeek {} {} pkts {}/{} ip {}/{} | ours {} {} pkts {}/{} ip {}/{}{} (dir_reason {})",
                z.get("conn_state"), z.get("history"), z.get("orig_pkts"), z.get("resp_pkts"),
                z.get("orig_ip_bytes"), z.get("resp_ip_bytes"), (*r)["conn_state"].get<std::string>(),
                (*r)["history"].get<std::string>(), (*r)["orig_pkts"].get<std::uint64_t>(),
                (*r)["resp_pkts"].get<std::uint64_t>(), (*r)["orig_ip_bytes"].get<std::uint64_t>(),
                (*r)["resp_ip_bytes"].get<std::uint64_t>(), same_dir ? "" : ", originator differs",
                (*r)["dir_reason"].get<std::string>());
        }
    }
    if (has_ids) {
        for (const auto& [key, left] : ours) {
            for (const auto* r : left) {
                differences[fmt::format("extra {} {}:{} > {}:{}", key.proto, (*r)["orig_h"].get<std::string>(),
                                        (*r)["orig_p"].get<unsigned>(), (*r)["resp_h"].get<std::string>(),
                                        (*r)["resp_p"].get<unsigned>())] = "not in Zeek's log";
            }
        }
    }

    const auto known = known_differences_for("zeek-known-differences.tsv", name);
    std::vector<bool> used(known.size(), false);
    std::string unexpected;
    for (const auto& [what, detail] : differences) {
        bool listed = false;
        for (std::size_t i = 0; i < known.size(); ++i) {
            if (known[i].what == what) listed = used[i] = true;
        }
        if (!listed) unexpected += fmt::format("\n  {}: {}", what, detail);
    }
    std::string stale;
    for (std::size_t i = 0; i < known.size(); ++i) {
        if (!used[i]) stale += "\n  " + known[i].what;
    }
    std::cout << fmt::format("{}: {} Zeek TCP/UDP conns, {} matched; packets {}, IP bytes {}, "
                             "conn_state {}, history {} agree\n",
                             name, t.conns, t.matched, t.packets, t.ip_bytes, t.state, t.history);
    g_total.conns += t.conns;
    g_total.matched += t.matched;
    g_total.packets += t.packets;
    g_total.ip_bytes += t.ip_bytes;
    g_total.state += t.state;
    g_total.history += t.history;
    EXPECT_TRUE(unexpected.empty()) << name << ": not in zeek-known-differences.tsv:" << unexpected;
    EXPECT_TRUE(stale.empty()) << name << ": listed but no longer different:" << stale;
}

INSTANTIATE_TEST_SUITE_P(Captures, ZeekDiff, ::testing::ValuesIn(zeek_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ZeekDiff);

/// The bar over all files at once: conn_state agrees on at least 95% of Zeek's TCP/UDP
/// connections. Runs after the per-file tests in the same process (ctest runs each test alone,
/// so it recomputes what it needs).
TEST(ZeekDiffTotal, ConnStateAgreesOnAtLeast95Percent) {
    if (shared_captures_dir().empty()) GTEST_SKIP() << "../shared/captures is absent";
    std::size_t conns = 0, state = 0, packets = 0;
    for (const auto& file : zeek_captures()) {
        std::string error;
        const auto records = flow_records(file, &error);
        ASSERT_TRUE(error.empty()) << error;
        std::map<TupleKey, std::vector<const nlohmann::json*>> ours;
        for (const auto& r : records) {
            ours[make_tuple_key(r["proto"], {r["orig_h"], r["orig_p"]}, {r["resp_h"], r["resp_p"]})]
                .push_back(&r);
        }
        for (auto& [k, v] : ours) {
            std::stable_sort(v.begin(), v.end(), [](const auto* a, const auto* b) {
                return (*a)["ts"].template get<double>() < (*b)["ts"].template get<double>();
            });
        }
        for (const auto& z : read_conn_log(file + ".zeek-conn.log")) {
            const std::string& proto = z.get("proto");
            if (proto != "tcp" && proto != "udp") continue;
            ++conns;
            auto it = ours.find(make_tuple_key(proto, {z.get("id.orig_h"), std::stoul(z.get("id.orig_p"))},
                                               {z.get("id.resp_h"), std::stoul(z.get("id.resp_p"))}));
            if (it == ours.end() || it->second.empty()) continue;
            const auto* r = it->second.front();
            it->second.erase(it->second.begin());
            state += (*r)["conn_state"] == z.get("conn_state");
            packets += std::to_string((*r)["orig_pkts"].get<std::uint64_t>()) == z.get("orig_pkts") &&
                       std::to_string((*r)["resp_pkts"].get<std::uint64_t>()) == z.get("resp_pkts");
        }
    }
    std::cout << fmt::format("all files: {} Zeek TCP/UDP conns; conn_state agrees on {} ({:.1f}%), "
                             "packets on {} ({:.1f}%)\n",
                             conns, state, 100.0 * static_cast<double>(state) / static_cast<double>(conns),
                             packets, 100.0 * static_cast<double>(packets) / static_cast<double>(conns));
    EXPECT_GE(static_cast<double>(state), 0.95 * static_cast<double>(conns));
}

} // namespace
} // namespace pairwatch::testing
