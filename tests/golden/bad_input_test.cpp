// Broken files and bad arguments get their documented outcome (README, "What bad input gets"),
// never a crash: a capture cut at any offset keeps every whole packet before the cut and warns
// once; files that are not captures, directories and missing files get one line and exit 1; a
// FIFO reads as a stream; every bad option value gets one line naming the option and exit 2.
#include "export_outputs.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

namespace pairwatch::testing {
namespace {

std::uint32_t le32(const std::string& bytes, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3])) << 24;
}

/// Where a capture's blocks end, read here independently of libpcap. `readable_from`: the
/// shortest prefix libpcap opens (the file header; for pcapng the section header and the first
/// interface). `packet_ends`: the end of each packet record.
struct Layout {
    std::size_t readable_from = 0;
    std::vector<std::size_t> block_ends;
    std::vector<std::size_t> packet_ends;
};

/// Little-endian files only: the ones in captures/ this test cuts are.
Layout pcap_layout(const std::string& bytes) {
    Layout l;
    l.readable_from = 24;
    for (std::size_t at = 24; at + 16 <= bytes.size();) {
        at += 16 + le32(bytes, at + 8); // the record header, then caplen bytes
        l.block_ends.push_back(at);
        l.packet_ends.push_back(at);
    }
    return l;
}

Layout pcapng_layout(const std::string& bytes) {
    constexpr std::uint32_t kInterface = 1, kSimplePacket = 3, kEnhancedPacket = 6, kObsoletePacket = 2;
    Layout l;
    for (std::size_t at = 0; at + 12 <= bytes.size();) {
        const std::uint32_t type = le32(bytes, at);
        at += le32(bytes, at + 4);
        l.block_ends.push_back(at);
        if (type == kInterface && l.readable_from == 0) l.readable_from = at;
        if (type == kEnhancedPacket || type == kSimplePacket || type == kObsoletePacket) {
            l.packet_ends.push_back(at);
        }
    }
    return l;
}

std::uint64_t frames_read(const std::string& out) {
    static const std::regex line("(^|\n)decode: ([0-9]+) frames read\n");
    std::smatch m;
    if (!std::regex_search(out, m, line)) return UINT64_MAX;
    return std::stoull(m[2].str());
}

std::vector<std::string> stderr_lines_with(const std::string& err, const std::string& what) {
    std::vector<std::string> found;
    std::size_t start = 0;
    while (start < err.size()) {
        std::size_t end = err.find('\n', start);
        if (end == std::string::npos) end = err.size();
        std::string line = err.substr(start, end - start);
        if (line.find(what) != std::string::npos) found.push_back(std::move(line));
        start = end + 1;
    }
    return found;
}

/// Offsets worth cutting at: the ends of the first and last blocks and of every 16th block
/// between, with a byte either side, and every `stride`th byte.
std::set<std::size_t> cut_offsets(const Layout& l, std::size_t size, std::size_t stride) {
    std::set<std::size_t> cuts{0, 1, 4, 8, 12, 23, 24, 25};
    const std::size_t n = l.block_ends.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i >= 8 && i + 4 < n && i % 16 != 0) continue;
        for (std::size_t c : {l.block_ends[i] - 1, l.block_ends[i], l.block_ends[i] + 1}) cuts.insert(c);
    }
    for (std::size_t c = 0; c < size; c += stride) cuts.insert(c);
    std::erase_if(cuts, [&](std::size_t c) { return c >= size; });
    return cuts;
}

void expect_cut_outcomes(const std::string& capture, const Layout& layout, std::size_t stride) {
    const std::string bytes = read_file(capture);
    ASSERT_FALSE(layout.packet_ends.empty());
    ASSERT_EQ(layout.block_ends.back(), bytes.size()) << "the layout must cover the whole file";
    const ScratchDir dir("cut");
    const std::string extension = capture.substr(capture.rfind('.'));
    for (std::size_t cut : cut_offsets(layout, bytes.size(), stride)) {
        SCOPED_TRACE("cut at byte " + std::to_string(cut) + " of " + capture);
        const std::string path = dir.file("cut-" + std::to_string(cut) + extension);
        std::ofstream(path, std::ios::binary) << bytes.substr(0, cut);
        const CommandResult r = run_command({pairwatch_binary(), "-r", path, "--no-dpi"});
        if (cut < layout.readable_from) {
            // Nothing to keep: one line naming the file, status 1.
            EXPECT_EQ(r.exit_status, 1) << r.err;
            EXPECT_EQ(r.out, "");
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
            EXPECT_EQ(r.err.rfind("pairwatch: " + path + ": ", 0), 0U) << r.err;
            if (cut == 0) {
                EXPECT_NE(r.err.find("empty file"), std::string::npos) << r.err;
            }
            continue;
        }
        const auto whole = static_cast<std::uint64_t>(std::count_if(
            layout.packet_ends.begin(), layout.packet_ends.end(), [&](std::size_t e) { return e <= cut; }));
        EXPECT_EQ(r.exit_status, 0) << r.err;
        EXPECT_EQ(frames_read(r.out), whole) << r.out;
        const bool at_boundary = cut == layout.readable_from ||
                                 std::find(layout.block_ends.begin(), layout.block_ends.end(), cut) !=
                                     layout.block_ends.end();
        const auto warnings = stderr_lines_with(r.err, "stopped reading");
        if (at_boundary) {
            EXPECT_TRUE(warnings.empty()) << r.err;
        } else {
            ASSERT_EQ(warnings.size(), 1U) << r.err;
            EXPECT_NE(warnings[0].find("stopped reading after " + std::to_string(whole) + " packets"),
                      std::string::npos)
                << warnings[0];
        }
    }
}

TEST(BadInput, APcapCutAnywhereKeepsEveryWholePacketAndWarnsOnce) {
    const std::string capture = source_dir() + "/captures/lan-http.pcap";
    expect_cut_outcomes(capture, pcap_layout(read_file(capture)), 211);
}

TEST(BadInput, APcapngCutAnywhereKeepsEveryWholePacketAndWarnsOnce) {
    const std::string capture = source_dir() + "/captures/demo.pcapng";
    expect_cut_outcomes(capture, pcapng_layout(read_file(capture)), 4999);
}

struct FileCase {
    std::string name;
    std::string contents;
    int exit_status;
    std::string message; // a part of the one stderr line
};

TEST(BadInput, FilesThatAreNotCapturesGetOneLineAndStatusOne) {
    const ScratchDir dir("not-captures");
    std::string garbage(64, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 37 + 11);
    const std::vector<FileCase> cases = {
        {"empty.pcap", "", 1, "empty file, not a capture"},
        {"garbage.pcap", garbage, 1, "not a pcap or pcapng capture file"},
        {"text.pcap", "GET / HTTP/1.1\r\nHost: example\r\n\r\n", 1, "not a pcap or pcapng capture file"},
    };
    for (const FileCase& c : cases) {
        SCOPED_TRACE(c.name);
        std::ofstream(dir.file(c.name), std::ios::binary) << c.contents;
        const CommandResult r = run_command({pairwatch_binary(), "-r", dir.file(c.name)});
        EXPECT_EQ(r.exit_status, c.exit_status);
        EXPECT_EQ(r.err, "pairwatch: " + dir.file(c.name) + ": " + c.message + "\n");
    }
    std::filesystem::create_directory(dir.file("a-directory"));
    CommandResult r = run_command({pairwatch_binary(), "-r", dir.file("a-directory")});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "pairwatch: " + dir.file("a-directory") + ": is a directory, not a capture file\n");
    r = run_command({pairwatch_binary(), "-r", dir.file("missing.pcap")});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "pairwatch: " + dir.file("missing.pcap") + ": no such file\n");
}

TEST(BadInput, ACorruptPcapngBlockKeepsThePacketsBeforeIt) {
    const std::string capture = source_dir() + "/captures/demo.pcapng";
    std::string bytes = read_file(capture);
    const Layout layout = pcapng_layout(bytes);
    // The fifth packet block claims 4 GiB: libpcap refuses it, and what came before stays.
    const std::size_t fifth_end = layout.packet_ends.at(4);
    const std::size_t fourth_end = layout.packet_ends.at(3);
    ASSERT_EQ(std::find(layout.block_ends.begin(), layout.block_ends.end(), fourth_end) + 1,
              std::find(layout.block_ends.begin(), layout.block_ends.end(), fifth_end))
        << "the test expects the fifth packet block right after the fourth";
    bytes.replace(fourth_end + 4, 4, std::string("\xF0\xFF\xFF\xFF", 4)); // its length field
    const ScratchDir dir("corrupt-block");
    std::ofstream(dir.file("corrupt.pcapng"), std::ios::binary) << bytes;
    const CommandResult r = run_command({pairwatch_binary(), "-r", dir.file("corrupt.pcapng"), "--no-dpi"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(frames_read(r.out), 4U);
    const auto warnings = stderr_lines_with(r.err, "stopped reading");
    ASSERT_EQ(warnings.size(), 1U) << r.err;
    EXPECT_NE(warnings[0].find("stopped reading after 4 packets: pcapng block size"), std::string::npos)
        << warnings[0];
}

TEST(BadInput, ARecordLongerThanTheSnaplenIsKeptAsLibpcapCutsIt) {
    // A pcap whose header says snaplen 64 and whose records carry 100 bytes: libpcap keeps
    // the first 64 bytes of each, as a capture at that snaplen would have.
    auto u32 = [](std::uint32_t v) {
        return std::string{static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                           static_cast<char>(v >> 24)};
    };
    auto u16 = [](std::uint16_t v) { return std::string{static_cast<char>(v), static_cast<char>(v >> 8)}; };
    std::string file = u32(0xa1b2c3d4) + u16(2) + u16(4) + u32(0) + u32(0) + u32(64) + u32(1);
    // Ethernet, IPv4, UDP 192.0.2.1:5000 > 192.0.2.2:53, 58 bytes of payload.
    std::string frame = std::string("\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14) +
                        std::string("\x45\0\0\x56\0\0\x40\0\x40\x11\0\0\xc0\0\x02\x01\xc0\0\x02\x02", 20) +
                        std::string("\x13\x88\0\x35\0\x42\0\0", 8) + std::string(58, 'x');
    ASSERT_EQ(frame.size(), 100U);
    for (std::uint32_t i = 0; i < 2; ++i) file += u32(1 + i) + u32(0) + u32(100) + u32(100) + frame;
    const ScratchDir dir("over-snaplen");
    std::ofstream(dir.file("over.pcap"), std::ios::binary) << file;
    const CommandResult r = run_command({pairwatch_binary(), "-r", dir.file("over.pcap"), "--packets"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(frames_read(r.out), 2U) << r.out;
    EXPECT_NE(r.out.find("UDP 192.0.2.1:5000 > 192.0.2.2:53"), std::string::npos) << r.out;
}

TEST(BadInput, AFifoReadsAsAStream) {
    const ScratchDir dir("fifo");
    const std::string fifo = dir.file("capture.fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    const std::string capture = source_dir() + "/captures/lan-http.pcap";
    std::thread writer([&] {
        std::ofstream(fifo, std::ios::binary) << read_file(capture); // blocks until the reader opens
    });
    const CommandResult from_fifo = run_command({pairwatch_binary(), "-r", fifo, "--no-dpi", "-q", "--json", "-",
                                                 "--hash-seed", "1"});
    writer.join();
    const CommandResult from_file = run_command({pairwatch_binary(), "-r", capture, "--no-dpi", "-q", "--json",
                                                 "-", "--hash-seed", "1"});
    EXPECT_EQ(from_fifo.exit_status, 0) << from_fifo.err;
    EXPECT_FALSE(from_file.out.empty());
    EXPECT_EQ(from_fifo.out, from_file.out);
}

struct OptionCase {
    std::vector<std::string> args;
    std::string option; // the one line must name it
};

TEST(BadInput, EveryBadOptionValueGetsOneLineNamingTheOptionAndStatusTwo) {
    const std::vector<OptionCase> cases = {
        {{"--interval", "-1"}, "--interval"},
        {{"--interval", "soon"}, "--interval"},
        {{"--interval", "1e400"}, "--interval"},
        {{"--replay-speed", "0"}, "--replay-speed"},
        {{"--tcp-timeout", "-5"}, "--tcp-timeout"},
        {{"--udp-timeout", "nan"}, "--udp-timeout"},
        {{"--linger", "inf"}, "--linger"},
        {{"--active-timeout", "-5"}, "--active-timeout"},
        {{"--max-flows", "0"}, "--max-flows"},
        {{"--max-flows", "12abc"}, "--max-flows"},
        {{"--hash-seed", "-1"}, "--hash-seed"},
        {{"--metrics", "70000"}, "--metrics"},
        {{"--metrics", "127.0.0.1:"}, "--metrics"},
        {{"--ipfix", "collector:99999"}, "--ipfix"},
        {{"--ipfix", "sctp://collector:4739"}, "--ipfix"},
        {{"--ipfix-domain", "4294967296"}, "--ipfix-domain"},
        {{"--local-nets", "10.0.0.0/33"}, "--local-nets"},
        {{"--local-nets", "10.0.0.0/8,not-a-net"}, "--local-nets"},
        {{"--local-nets", "2001:db8::/129"}, "--local-nets"},
        {{"--scan-threshold", "x"}, "--scan-threshold"},
        {{"--scan-window", "0"}, "--scan-window"},
        {{"-s", "-3"}, "-s"},
        {{"-B", "lots"}, "-B"},
        {{"-Z", "no-such-user-here"}, "-Z"},
        {{"--no-such-option"}, "--no-such-option"},
        {{"--json"}, "--json"},
    };
    const std::string capture = source_dir() + "/captures/demo.pcapng";
    for (const OptionCase& c : cases) {
        std::vector<std::string> argv = {pairwatch_binary(), "-r", capture, "-q"};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        const CommandResult r = run_command(argv);
        SCOPED_TRACE(argv.back());
        EXPECT_EQ(r.exit_status, 2) << r.err;
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(r.err.rfind("pairwatch: ", 0), 0U) << r.err;
        EXPECT_NE(r.err.find(c.option), std::string::npos) << r.err;
    }
}

} // namespace
} // namespace pairwatch::testing
