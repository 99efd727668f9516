// IPFIX through a real collector: nfdump's nfcapd receives what `pairwatch --ipfix` sends, nfdump
// reads it back, and per directed 5-tuple the flows, packets and bytes equal pairwatch's own
// JSON records (uniflow: one record per direction; biflow: the originator's forward). With
// active timeouts a conversation arrives in parts, which must add up to its JSON record.
// Skipped when nfcapd is not installed (Debian package nfdump; scripts/lib.sh installs it).
#include "capture_files.h"
#include "flow_records.h"
#include "support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

extern char **environ;

namespace pairwatch::testing {
namespace {

namespace fs = std::filesystem;

/// Where a record went: observation domain (one per capture), protocol, source, destination.
struct Direction {
    std::uint32_t domain = 0;
    unsigned proto = 0;
    Endpoint src, dst;
    auto operator<=>(const Direction &) const = default;
    [[nodiscard]] std::string text() const {
        return fmt::format("domain {} proto {} {}:{} -> {}:{}", domain, proto, src.first,
                           src.second, dst.first, dst.second);
    }
};
struct Totals {
    std::uint64_t records = 0, packets = 0, bytes = 0, out_packets = 0, out_bytes = 0;
    auto operator<=>(const Totals &) const = default;
};
using TotalsBy = std::map<Direction, Totals>;

/// One text form per address, whoever printed it (RFC 5952 via inet_ntop).
std::string canonical(const std::string &text) {
    in6_addr a6{};
    in_addr a4{};
    char buf[INET6_ADDRSTRLEN] = {};
    if (::inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
        return ::inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
    }
    if (::inet_pton(AF_INET, text.c_str(), &a4) == 1) {
        return ::inet_ntop(AF_INET, &a4, buf, sizeof(buf));
    }
    return text;
}

std::uint16_t free_udp_port() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto *sa = reinterpret_cast<sockaddr *>(&a); // NOLINT: the sockets API
    socklen_t len = sizeof(a);
    if (::bind(fd, sa, sizeof(a)) != 0 || ::getsockname(fd, sa, &len) != 0) {
        ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

/// True once something is bound to 127.0.0.1:port over UDP (/proc/net/udp).
bool udp_port_bound(std::uint16_t port) {
    std::ifstream in("/proc/net/udp");
    const std::string needle = fmt::format("0100007F:{:04X} ", port);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find(needle) != std::string::npos)
            return true;
    }
    return false;
}

/// An nfcapd on 127.0.0.1 writing into a fresh temporary directory.
class Nfcapd {
public:
    Nfcapd() {
        base_ = fs::temp_directory_path() / fmt::format("pairwatch-nfcapd-{}", ::getpid());
        fs::remove_all(base_);
        fs::create_directories(base_ / "flows");
        port_ = free_udp_port();
        // -B: an 8 MB socket buffer, so a replay's bursts wait in the kernel, not on the floor;
        // -t 3600: one file for the whole test (files rotate on the clock's interval edges).
        const std::vector<std::string> args{"nfcapd",
                                            "-w",
                                            (base_ / "flows").string(),
                                            "-b",
                                            "127.0.0.1",
                                            "-p",
                                            std::to_string(port_),
                                            "-B",
                                            "8388608",
                                            "-t",
                                            "3600"};
        std::vector<char *> argv;
        for (const auto &a : args)
            argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        const std::string log = (base_ / "nfcapd.log").string();
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        if (posix_spawnp(&pid_, "nfcapd", &actions, nullptr, argv.data(), environ) != 0)
            pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        // nfcapd binds a moment after it starts: wait for the socket rather than race it.
        for (int i = 0; i < 100 && pid_ > 0 && !udp_port_bound(port_); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ~Nfcapd() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    Nfcapd(const Nfcapd &) = delete;
    Nfcapd &operator=(const Nfcapd &) = delete;

    [[nodiscard]] bool ready() const { return pid_ > 0 && udp_port_bound(port_); }
    [[nodiscard]] std::string collector() const { return fmt::format("127.0.0.1:{}", port_); }
    [[nodiscard]] std::string log() const {
        std::ifstream in(base_ / "nfcapd.log");
        return {std::istreambuf_iterator<char>(in), {}};
    }

    /// SIGTERM (nfcapd writes and closes its file), then every record read back by nfdump,
    /// by direction; `sequence_failures` from nfdump's exporter list.
    TotalsBy stop_and_read(std::uint64_t *sequence_failures, std::string *error) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 200 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        pid_ = -1;
        TotalsBy got;
        *sequence_failures = 0;
        for (const auto &entry : fs::directory_iterator(base_ / "flows")) {
            const std::string file = entry.path().string();
            if (entry.path().filename().string().find("current") != std::string::npos)
                continue;
            // "SysID: 1, IP: 127.0.0.1, version: 10, ID:  5, Sequence failures: 0, ..."
            const CommandResult exporters = run_command({"nfdump", "-E", file});
            static const std::regex kExporter(
                R"(SysID: (\d+), IP: +\S+, version: 10, ID: +(\d+), Sequence failures: (\d+))");
            std::map<unsigned, std::uint32_t> domain_of;
            for (std::sregex_iterator m(exporters.out.begin(), exporters.out.end(), kExporter), end;
                 m != end; ++m) {
                domain_of[static_cast<unsigned>(std::stoul((*m)[1]))] =
                    static_cast<std::uint32_t>(std::stoul((*m)[2]));
                *sequence_failures += std::stoull((*m)[3]);
            }
            const CommandResult r = run_command({"nfdump", "-r", file, "-o", "json"});
            if (r.exit_status != 0) {
                *error = fmt::format("nfdump -r {}: exit {}: {}", file, r.exit_status, r.err);
                return got;
            }
            if (r.out.find('{') == std::string::npos)
                continue; // a file without flows
            for (const auto &j : nlohmann::json::parse(r.out)) {
                const bool v6 = j.contains("src6_addr");
                Direction d;
                d.domain = domain_of.at(j["export_sysid"].get<unsigned>());
                d.proto = j["proto"].get<unsigned>();
                d.src = {canonical(j[v6 ? "src6_addr" : "src4_addr"]),
                         j["src_port"].get<unsigned>()};
                d.dst = {canonical(j[v6 ? "dst6_addr" : "dst4_addr"]),
                         j["dst_port"].get<unsigned>()};
                Totals &t = got[d];
                ++t.records;
                t.packets += j["in_packets"].get<std::uint64_t>();
                t.bytes += j["in_bytes"].get<std::uint64_t>();
                t.out_packets += j.value("out_packets", std::uint64_t{0});
                t.out_bytes += j.value("out_bytes", std::uint64_t{0});
            }
        }
        return got;
    }

private:
    fs::path base_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

/// What nfdump should hold for pairwatch's JSON records of one capture.
void expect_from_json(const std::vector<nlohmann::json> &records, std::uint32_t domain, bool biflow,
                      TotalsBy &want) {
    for (const auto &r : records) {
        const unsigned proto = r["proto"] == "tcp" ? 6 : 17;
        const Endpoint orig{canonical(r["orig_h"]), r["orig_p"].get<unsigned>()};
        const Endpoint resp{canonical(r["resp_h"]), r["resp_p"].get<unsigned>()};
        const auto orig_pkts = r["orig_pkts"].get<std::uint64_t>();
        const auto resp_pkts = r["resp_pkts"].get<std::uint64_t>();
        if (biflow) {
            Totals &t = want[{domain, proto, orig, resp}];
            ++t.records;
            t.packets += orig_pkts;
            t.bytes += r["orig_ip_bytes"].get<std::uint64_t>();
            t.out_packets += resp_pkts;
            t.out_bytes += r["resp_ip_bytes"].get<std::uint64_t>();
            continue;
        }
        // Uniflow: a direction that sent nothing has no record.
        if (orig_pkts > 0) {
            Totals &t = want[{domain, proto, orig, resp}];
            ++t.records;
            t.packets += orig_pkts;
            t.bytes += r["orig_ip_bytes"].get<std::uint64_t>();
        }
        if (resp_pkts > 0) {
            Totals &t = want[{domain, proto, resp, orig}];
            ++t.records;
            t.packets += resp_pkts;
            t.bytes += r["resp_ip_bytes"].get<std::uint64_t>();
        }
    }
}

struct ExportRun {
    std::string file;
    std::vector<std::string> options; // beyond --ipfix and --ipfix-domain
};

/// Exports every run to one nfcapd (observation domain = run number + 1) and returns what
/// nfdump read back and what the JSON records say it should be.
void round_trip(const std::vector<ExportRun> &runs, bool biflow, TotalsBy &got, TotalsBy &want) {
    Nfcapd nfcapd;
    ASSERT_TRUE(nfcapd.ready()) << "nfcapd did not bind: " << nfcapd.log();
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto domain = static_cast<std::uint32_t>(i + 1);
        std::vector<std::string> extra{"--ipfix", nfcapd.collector(), "--ipfix-domain",
                                       std::to_string(domain)};
        if (biflow)
            extra.emplace_back("--ipfix-biflow");
        extra.insert(extra.end(), runs[i].options.begin(), runs[i].options.end());
        std::string error;
        const auto records = flow_records(runs[i].file, &error, extra);
        ASSERT_TRUE(error.empty()) << runs[i].file << ": " << error;
        expect_from_json(records, domain, biflow, want);
    }
    std::uint64_t sequence_failures = 0;
    std::string error;
    got = nfcapd.stop_and_read(&sequence_failures, &error);
    ASSERT_TRUE(error.empty()) << error;
    EXPECT_EQ(sequence_failures, 0U) << "records lost between pairwatch and nfcapd";
}

/// Every direction in one map and not the other, or with other totals, as readable lines.
std::string differences(const TotalsBy &got, const TotalsBy &want, bool compare_records) {
    std::string out;
    auto show = [](const Totals &t) {
        return fmt::format("{} records, {} packets, {} bytes, reverse {} packets {} bytes",
                           t.records, t.packets, t.bytes, t.out_packets, t.out_bytes);
    };
    std::set<Direction> all;
    for (const auto &[d, t] : got)
        all.insert(d);
    for (const auto &[d, t] : want)
        all.insert(d);
    for (const Direction &d : all) {
        Totals g = got.contains(d) ? got.at(d) : Totals{};
        Totals w = want.contains(d) ? want.at(d) : Totals{};
        if (!compare_records)
            g.records = w.records = 0;
        if (g != w)
            out += fmt::format("{}: nfdump {}; JSON {}\n", d.text(), show(g), show(w));
    }
    return out;
}

bool have_nfdump() {
    return have_program("nfcapd") && have_program("nfdump");
}

std::vector<ExportRun> every_capture(std::vector<std::string> options) {
    std::vector<ExportRun> runs;
    for (const auto &f : all_test_captures()) {
        if (f.find("unsupported") != std::string::npos)
            continue; // refused by design
        runs.push_back({f, options});
    }
    return runs;
}

TEST(IpfixCollector, UniflowRecordsEqualTheJsonRecordsPerDirection) {
    if (!have_nfdump())
        GTEST_SKIP() << "nfcapd/nfdump not installed (Debian package nfdump)";
    // --active-timeout 0: one record per direction and conversation, as the JSON has them.
    const auto runs = every_capture({"--active-timeout", "0"});
    TotalsBy got, want;
    round_trip(runs, false, got, want);
    EXPECT_GT(want.size(), 100U);
    EXPECT_EQ(differences(got, want, true), "");
    std::size_t v6 = 0;
    for (const auto &[d, t] : got)
        v6 += d.src.first.find(':') != std::string::npos ? 1U : 0U;
    EXPECT_GT(v6, 10U) << "IPv6 flows should be among them";
}

TEST(IpfixCollector, BiflowRecordsCarryTheResponderAsReverse) {
    if (!have_nfdump())
        GTEST_SKIP() << "nfcapd/nfdump not installed (Debian package nfdump)";
    std::vector<ExportRun> runs;
    for (const auto &f : capture_files_in(source_dir() + "/captures")) {
        if (f.find("unsupported") == std::string::npos)
            runs.push_back({f, {"--active-timeout", "0"}});
    }
    TotalsBy got, want;
    round_trip(runs, true, got, want);
    EXPECT_GT(want.size(), 50U);
    EXPECT_EQ(differences(got, want, true), "");
}

TEST(IpfixCollector, ActiveTimeoutPartsAddUpToTheWhole) {
    if (!have_nfdump())
        GTEST_SKIP() << "nfcapd/nfdump not installed (Debian package nfdump)";
    // Conversations longer than the timeout arrive in parts: lan-ssh-nano has one of 0.35 s
    // and 28 packets, demo one of 2 s; ndpi-ssh (../shared) one of 248 s and 258 packets.
    const std::string ours = source_dir() + "/captures/";
    std::vector<ExportRun> runs{{ours + "lan-ssh-nano.pcap", {"--active-timeout", "0.05"}},
                                {ours + "demo.pcapng", {"--active-timeout", "0.5"}},
                                {ours + "lan-http.pcap", {"--active-timeout", "0.002"}}};
    const std::string shared = shared_captures_dir();
    if (!shared.empty() && fs::exists(shared + "/ndpi-ssh.pcap")) {
        runs.push_back({shared + "/ndpi-ssh.pcap", {"--active-timeout", "30"}});
        runs.push_back({shared + "/ndpi-sip.pcap", {}}); // the default: 60 s
    }
    TotalsBy got, want;
    round_trip(runs, false, got, want);
    // Packets and bytes per direction are the JSON's; the records are more than the JSON's.
    EXPECT_EQ(differences(got, want, false), "");
    std::uint64_t got_records = 0, want_records = 0;
    for (const auto &[d, t] : got)
        got_records += t.records;
    for (const auto &[d, t] : want)
        want_records += t.records;
    EXPECT_GT(got_records, want_records + 10) << "the long conversations should come in parts";
    // lan-ssh-nano's one conversation, 0.35 s long: a report falls due about every 50 ms, and
    // SSH's key exchange talks both ways in most of those intervals (5 parts from the client,
    // 4 from the server).
    for (const auto &[d, t] : got) {
        if (d.domain == 1) {
            EXPECT_GE(t.records, 4U) << d.text();
        }
    }
}

} // namespace
} // namespace pairwatch::testing
