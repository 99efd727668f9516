// Differential test: for every frame tshark decodes as TCP or UDP, pairwatch's innermost socket
// pair is tshark's, and so are TCP flags and payload length for whole (unfragmented) packets.
// Every remaining difference is listed in tshark-known-differences.tsv with its reason; a listed
// difference that no longer occurs fails too, so the list stays true.
#include "capture_files.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <sstream>

namespace pairwatch::testing {
namespace {

struct TsharkFrame {
    std::string proto, src, sport, dst, dport, flags_hex, len, protocols;
    bool first_fragment = false; // tshark's length is the datagram's, not this packet's
};

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, sep)) out.push_back(part);
    if (!s.empty() && s.back() == sep) out.emplace_back();
    return out;
}

/// tshark's view, one entry per frame that has a TCP or UDP layer. In a tunnel the innermost
/// transport layer counts, with the IP header right before it (frame.protocols says which
/// occurrence of ip/ipv6/tcp/udp that is: -E occurrence=a gives them all).
std::map<std::uint64_t, TsharkFrame> tshark_frames(const std::string& file, bool defragment) {
    const std::string d = defragment ? "TRUE" : "FALSE";
    const CommandResult r = run_command(
        {"tshark", "-n", "-r", file, "-o", "ip.defragment:" + d, "-o", "ipv6.defragment:" + d,
         "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields", "-E", "occurrence=a", "-E",
         "aggregator=,", "-e", "frame.number", "-e", "frame.protocols", "-e", "ip.src", "-e",
         "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
         "-e", "udp.srcport", "-e", "udp.dstport", "-e", "tcp.flags", "-e", "tcp.len", "-e",
         "udp.length", "-e", "ip.flags.mf"});
    std::map<std::uint64_t, TsharkFrame> frames;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        const auto col = split(line, '\t');
        if (col.size() < 14) continue;
        const auto layers = split(col[1], ':');
        std::optional<std::size_t> transport, ip;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            if (layers[i] == "tcp" || layers[i] == "udp") transport = i;
        }
        if (!transport) continue;
        for (std::size_t i = 0; i < *transport; ++i) {
            if (layers[i] == "ip" || layers[i] == "ipv6") ip = i;
        }
        if (!ip) continue;
        auto occurrence = [&](std::size_t upto) {
            return static_cast<std::size_t>(
                std::count(layers.begin(), layers.begin() + static_cast<long>(upto), layers[upto]));
        };
        const std::size_t nip = occurrence(*ip), ntr = occurrence(*transport);
        auto nth = [&](std::size_t column, std::size_t n) -> std::string {
            const auto values = split(col[column], ',');
            return n < values.size() ? values[n] : "?";
        };
        TsharkFrame f;
        const bool tcp = layers[*transport] == "tcp";
        const bool v4 = layers[*ip] == "ip";
        f.proto = tcp ? "TCP" : "UDP";
        f.src = nth(v4 ? 2 : 4, nip);
        f.dst = nth(v4 ? 3 : 5, nip);
        f.sport = nth(tcp ? 6 : 8, ntr);
        f.dport = nth(tcp ? 7 : 9, ntr);
        if (tcp) {
            f.flags_hex = nth(10, ntr);
            f.len = nth(11, ntr);
        } else {
            const std::string udp_len = nth(12, ntr);
            f.len = udp_len == "?" || udp_len.empty() ? "?" : std::to_string(std::stoi(udp_len) - 8);
        }
        f.protocols = col[1];
        // A TCP/UDP layer whose ports were not captured is no socket pair, for tshark either.
        if (f.sport == "?" || f.dport == "?" || f.sport.empty() || f.dport.empty()) continue;
        const std::string more = v4 ? nth(13, nip) : "";
        f.first_fragment = more == "1" || more == "True" ||
                           col[1].find("ipv6.fraghdr") != std::string::npos;
        frames[std::stoull(col[0])] = f;
    }
    return frames;
}

std::string tcpdump_flags(const std::string& hex) {
    const unsigned flags = static_cast<unsigned>(std::stoul(hex, nullptr, 16)) & 0xffU;
    std::string s = "[";
    const std::pair<unsigned, char> letters[] = {{1, 'F'},  {2, 'S'},  {4, 'R'},  {8, 'P'},
                                                 {16, '.'}, {32, 'U'}, {64, 'E'}, {128, 'W'}};
    for (auto [bit, c] : letters) {
        if ((flags & bit) != 0) s += c;
    }
    return s.size() == 1 ? "[none]" : s + "]";
}

bool same_pair(const TsharkFrame& t, const PacketLine& p) {
    return t.proto == p.proto && t.src == p.src && t.dst == p.dst && t.sport == p.sport &&
           t.dport == p.dport;
}

std::string describe(const TsharkFrame& t) {
    return fmt::format("{} {}:{} > {}:{} flags {} len {} ({})", t.proto, t.src, t.sport, t.dst,
                       t.dport, t.flags_hex.empty() || t.flags_hex == "?" ? "-" : tcpdump_flags(t.flags_hex), t.len,
                       t.protocols);
}
std::string describe(const PacketLine& p) {
    return fmt::format("{} {}:{} > {}:{} {} {}{}", p.proto, p.src, p.sport, p.dst, p.dport,
                       p.flags, p.len, p.frag ? " frag" : "");
}

struct KnownDifferences {
    std::set<std::uint64_t> frames;
    std::vector<std::string> reasons;
};

KnownDifferences known_differences(const std::string& file_name) {
    KnownDifferences k;
    const auto path = source_dir() + "/tests/golden/tshark-known-differences.tsv";
    for (const auto& row : read_tsv(path)) {
        if (row.size() < 3 || row[0] != file_name) continue;
        const auto frames = parse_frame_list(row[1]);
        k.frames.insert(frames.begin(), frames.end());
        k.reasons.push_back(row[1] + ": " + row[2]);
    }
    return k;
}

class TsharkDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(TsharkDiff, SocketPairsAgree) {
    if (!have_program("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/test.sh installs it)";
    const std::string file = GetParam();
    const std::string name = std::filesystem::path(file).filename().string();
    const CommandResult pw = run_command({pairwatch_binary(), "-r", file, "--packets"});
    if (name.find("unsupported") != std::string::npos) {
        GTEST_SKIP() << name << " has a link type pairwatch refuses by design";
    }
    ASSERT_EQ(pw.exit_status, 0) << pw.err;
    const auto ours = parse_packet_lines(pw.out);
    const auto whole = tshark_frames(file, false);     // each packet on its own
    const auto reassembled = tshark_frames(file, true); // ports on the reassembling fragment

    std::map<std::uint64_t, std::string> differences;
    std::size_t agree = 0;
    for (const auto& [frame, t] : whole) {
        auto it = ours.find(frame);
        if (it == ours.end()) {
            differences[frame] = "pairwatch has no socket pair; tshark: " + describe(t);
            continue;
        }
        const PacketLine& p = it->second;
        bool ok = same_pair(t, p);
        // Lengths of fragments differ by design: tshark gives the datagram's UDP length, we
        // count the bytes each fragment carries so that they add up.
        if (ok && !p.frag && !t.first_fragment && t.len != "?" && t.len != p.len) ok = false;
        if (ok && p.proto == "TCP" && !p.frag && !t.flags_hex.empty() && t.flags_hex != "?" &&
            tcpdump_flags(t.flags_hex) != p.flags) {
            ok = false;
        }
        if (ok) {
            ++agree;
        } else {
            differences[frame] = "tshark: " + describe(t) + " | pairwatch: " + describe(p);
        }
    }
    // Lines tshark does not have must be later fragments that we attribute from the first;
    // when tshark reassembled the datagram at that frame, its ports must be ours.
    for (const auto& [frame, p] : ours) {
        if (whole.count(frame) != 0) continue;
        auto r = reassembled.find(frame);
        if (!p.frag) {
            differences[frame] = "tshark has no TCP/UDP here; pairwatch: " + describe(p);
        } else if (r != reassembled.end() && !same_pair(r->second, p)) {
            differences[frame] = "reassembled by tshark: " + describe(r->second) +
                                 " | pairwatch: " + describe(p);
        }
    }

    const KnownDifferences known = known_differences(name);
    std::string unexpected, stale;
    std::size_t listed = 0;
    for (const auto& [frame, what] : differences) {
        if (known.frames.count(frame) == 0) {
            unexpected += fmt::format("\n  frame {}: {}", frame, what);
        } else {
            ++listed;
        }
    }
    for (auto frame : known.frames) {
        if (differences.count(frame) == 0) stale += fmt::format(" {}", frame);
    }
    std::cout << fmt::format("{}: tshark decodes {} frames as TCP/UDP; {} agree; {} differ, {} "
                             "of them listed with a reason\n",
                             name, whole.size(), agree, differences.size(), listed);
    for (const auto& reason : known.reasons) std::cout << "  known: " << reason << "\n";
    EXPECT_TRUE(unexpected.empty()) << name << ": differences not in tshark-known-differences.tsv:"
                                    << unexpected;
    EXPECT_TRUE(stale.empty()) << name << ": listed as differing but now agree, remove:" << stale;
}

INSTANTIATE_TEST_SUITE_P(Captures, TsharkDiff, ::testing::ValuesIn(all_test_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TsharkDiff);

TEST(TsharkDiffSetup, SharedCapturesPresent) {
    if (shared_captures_dir().empty()) {
        GTEST_SKIP() << "../shared/captures is absent: the differential test over third-party "
                        "captures did not run";
    }
    EXPECT_GE(capture_files_in(shared_captures_dir()).size(), 80U);
}

} // namespace
} // namespace pairwatch::testing
