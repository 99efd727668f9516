// Floods stay within bounded memory and the counters say what was left out (issue 8): a million
// SYNs from random sources and ports, a million distinct UDP pairs, and a million first
// fragments that never complete, each replayed through the real binary with --max-flows 100000. The peak RSS bound is
// the README's ("What bad input gets"); under a sanitizer only the counters are checked, since
// its shadow memory and quarantine are not pairwatch's.
#include "export_outputs.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <regex>
#include <string>

namespace pairwatch::testing {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// A million packets per flood; a fifth of that under ASan, where each packet costs ~5x and the
// counters' logic is the same at any size (CI runs the suite in both builds).
constexpr std::uint32_t kFloodPackets = kSanitized ? 200'000 : 1'000'000;
constexpr std::uint32_t kMaxFlows = kSanitized ? 20'000 : 100'000;
constexpr std::uint64_t kPeakRssBoundKb = 128 * 1024; // the README's bound, with --max-flows 100000

/// A little-endian pcap of Ethernet frames, written byte by byte.
class PcapWriter {
public:
    explicit PcapWriter(const std::string& path) : out_(path, std::ios::binary) {
        u32(0xa1b2c3d4);
        u16(2);
        u16(4);
        u32(0);
        u32(0);
        u32(65535);
        u32(1); // Ethernet
    }
    /// One frame at `usec` microseconds into the capture.
    void frame(std::uint32_t usec, const std::string& bytes) {
        u32(1'700'000'000 + usec / 1'000'000);
        u32(usec % 1'000'000);
        u32(static_cast<std::uint32_t>(bytes.size()));
        u32(static_cast<std::uint32_t>(bytes.size()));
        out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }

private:
    void u16(std::uint16_t v) { out_.put(static_cast<char>(v)).put(static_cast<char>(v >> 8)); }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v));
        u16(static_cast<std::uint16_t>(v >> 16));
    }
    std::ofstream out_;
};

void be16(std::string& s, std::uint16_t v) {
    s += static_cast<char>(v >> 8);
    s += static_cast<char>(v);
}
void be32(std::string& s, std::uint32_t v) {
    be16(s, static_cast<std::uint16_t>(v >> 16));
    be16(s, static_cast<std::uint16_t>(v));
}

/// Ethernet + IPv4 header (no options, checksum 0: pairwatch does not check it).
std::string ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, std::uint16_t payload_len,
                 std::uint16_t id = 0, std::uint16_t frag = 0x4000) {
    std::string f("\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    f += '\x45';
    f += '\0';
    be16(f, static_cast<std::uint16_t>(20 + payload_len));
    be16(f, id);
    be16(f, frag);
    f += '\x40';
    f += static_cast<char>(proto);
    be16(f, 0);
    be32(f, src);
    be32(f, dst);
    return f;
}

struct Flood {
    std::string name;
    std::function<std::string(std::uint32_t i, std::mt19937& rng)> frame;
};

struct RunFigures {
    std::uint64_t created = 0, peak = 0, evicted = 0, fragments_evicted = 0, rss_kb = 0;
};

RunFigures run_flood(const Flood& flood, const std::vector<std::string>& options = {}) {
    const ScratchDir dir("flood");
    const std::string path = dir.file(flood.name + ".pcap");
    {
        PcapWriter w(path);
        std::mt19937 rng(7);
        // All within one second of capture time: nothing expires, so the cap alone decides.
        for (std::uint32_t i = 0; i < kFloodPackets; ++i) w.frame(i / 2, flood.frame(i, rng));
    }
    std::vector<std::string> argv = {"/usr/bin/time", "-f", "peak_rss_kb=%M", pairwatch_binary(), "-r", path,
                                     "--max-flows", std::to_string(kMaxFlows)};
    argv.insert(argv.end(), options.begin(), options.end());
    const CommandResult r = run_command(argv);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    RunFigures f;
    std::smatch m;
    static const std::regex table("table: ([0-9]+) flows created, peak ([0-9]+) open, ([0-9]+) evicted");
    if (std::regex_search(r.out, m, table)) {
        f.created = std::stoull(m[1].str());
        f.peak = std::stoull(m[2].str());
        f.evicted = std::stoull(m[3].str());
    } else {
        ADD_FAILURE() << "no table line in:\n" << r.out;
    }
    static const std::regex frag("fragment_entries_evicted +([0-9]+)");
    if (std::regex_search(r.out, m, frag)) f.fragments_evicted = std::stoull(m[1].str());
    static const std::regex rss("peak_rss_kb=([0-9]+)");
    if (std::regex_search(r.err, m, rss)) f.rss_kb = std::stoull(m[1].str());
    return f;
}

void expect_rss_within_bound(const RunFigures& f) {
    if (kSanitized) return;
    ASSERT_GT(f.rss_kb, 0U) << "no peak RSS from /usr/bin/time";
    EXPECT_LE(f.rss_kb, kPeakRssBoundKb);
    std::cout << "peak RSS " << f.rss_kb / 1024 << " MB (bound " << kPeakRssBoundKb / 1024 << " MB)\n";
}

bool have_time() {
    return std::filesystem::exists("/usr/bin/time");
}

TEST(Flood, AMillionSynsFromRandomSourcesStayWithinTheTableCap) {
    if (!have_time()) GTEST_SKIP() << "no /usr/bin/time (Debian package time)";
    const RunFigures f = run_flood({"syn", [](std::uint32_t /*i*/, std::mt19937& rng) {
        std::string p = ipv4(static_cast<std::uint32_t>(rng()), 0x0A000001, 6, 20);
        be16(p, static_cast<std::uint16_t>(rng())); // source port
        be16(p, 80);
        be32(p, static_cast<std::uint32_t>(rng())); // sequence
        be32(p, 0);
        p += '\x50';
        p += '\x02'; // SYN
        be16(p, 65535);
        be32(p, 0);
        return p;
    }});
    // Random 48-bit (address, port) sources: a few collide, so slightly under a million flows.
    EXPECT_GT(f.created, kFloodPackets - 100);
    EXPECT_EQ(f.peak, kMaxFlows);
    EXPECT_EQ(f.evicted, f.created - kMaxFlows); // every flow still open at the end is the cap's
    expect_rss_within_bound(f);
}

TEST(Flood, AMillionDistinctUdpPairsStayWithinTheTableCap) {
    if (!have_time()) GTEST_SKIP() << "no /usr/bin/time (Debian package time)";
    const RunFigures f = run_flood({"udp", [](std::uint32_t i, std::mt19937& rng) {
        // Distinct by construction: the index spread over source address and port.
        std::string p = ipv4(0x0A000000 | (i >> 8), 0xC0000201 + static_cast<std::uint32_t>(rng() % 16), 17, 8 + 32);
        be16(p, static_cast<std::uint16_t>(1024 + (i & 255)));
        be16(p, 53);
        be16(p, 8 + 32);
        be16(p, 0);
        p.append(32, 'q');
        return p;
    }});
    EXPECT_EQ(f.created, kFloodPackets);
    EXPECT_EQ(f.peak, kMaxFlows);
    EXPECT_EQ(f.evicted, kFloodPackets - kMaxFlows);
    expect_rss_within_bound(f);
}

TEST(Flood, AMillionFragmentsThatNeverCompleteStayInTheFragmentTable) {
    if (!have_time()) GTEST_SKIP() << "no /usr/bin/time (Debian package time)";
    const RunFigures f = run_flood({"fragments", [](std::uint32_t i, std::mt19937& /*rng*/) {
        // First fragments (more fragments set, offset 0) of a million datagrams, none completed.
        std::string p = ipv4(0x0A000000 | (i >> 16), 0x0A0000FE, 17, 16, static_cast<std::uint16_t>(i), 0x2000);
        // (i >> 16: a new source every 65536 datagrams, so the IP ids never repeat per pair)
        be16(p, 5000);
        be16(p, 53);
        be16(p, 8 + 1400);
        be16(p, 0);
        p.append(8, 'f');
        return p;
    }});
    // Each first fragment carries the ports, so each is a (one-packet) conversation as well.
    EXPECT_EQ(f.created, (kFloodPackets + 65535) / 65536); // one pair per source
    EXPECT_GT(f.fragments_evicted, kFloodPackets / 2) << "the table is fixed: old datagrams give way";
    expect_rss_within_bound(f);
}

} // namespace
} // namespace pairwatch::testing
