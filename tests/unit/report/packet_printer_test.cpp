// --packets lines (packet_printer.cpp): exact text, tcpdump's flag letters, the timestamp in 6
// or 9 decimals, IPv6 in brackets, and the printer's buffering and closed-output handling.
#include "pairwatch/report/packet_printer.h"

#include "support/frame_builder.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace pairwatch::test {
namespace {

using decode::Outcome;
using decode::PacketInfo;
using report::format_packet_line;
using report::format_tcp_flags;
namespace flag = decode::tcp_flag;

PacketInfo decoded(const Bytes& frame, std::int64_t ts_ns, std::uint64_t frame_no) {
    decode::Decoder decoder(DLT_EN10MB);
    PacketInfo info;
    decoder.decode(raw_frame(frame, 0, ts_ns, frame_no), info);
    return info;
}

PacketInfo tcp_at(std::int64_t ts_ns) {
    return decoded(FrameBuilder{}.ethernet().ipv4().tcp().build(), ts_ns, 1);
}

TEST(TcpFlags, TcpdumpLetters) {
    EXPECT_EQ(format_tcp_flags(flag::kSyn), "[S]");
    EXPECT_EQ(format_tcp_flags(flag::kSyn | flag::kAck), "[S.]");
    EXPECT_EQ(format_tcp_flags(flag::kPsh | flag::kAck), "[P.]");
    EXPECT_EQ(format_tcp_flags(flag::kFin | flag::kAck), "[F.]");
    EXPECT_EQ(format_tcp_flags(flag::kRst), "[R]");
    EXPECT_EQ(format_tcp_flags(flag::kRst | flag::kAck), "[R.]");
    EXPECT_EQ(format_tcp_flags(flag::kAck), "[.]");
    EXPECT_EQ(format_tcp_flags(0), "[none]");
    EXPECT_EQ(format_tcp_flags(flag::kSyn | flag::kEce | flag::kCwr), "[SEW]");
    EXPECT_EQ(format_tcp_flags(flag::kFin | flag::kPsh | flag::kAck), "[FP.]");
    EXPECT_EQ(format_tcp_flags(flag::kUrg | flag::kAck), "[.U]");
    EXPECT_EQ(format_tcp_flags(0xff), "[FSRP.UEW]");
}

TEST(PacketLine, TcpOverIpv4) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4({.src = "10.0.0.1", .dst = "10.0.0.2"})
                            .tcp({.sport = 51514, .dport = 443, .flags = flag::kSyn | flag::kAck})
                            .build();
    const PacketInfo info = decoded(frame, 1'700'000'000'123'456'789, 1);
    // A microsecond source never loses digits it has: sub-microsecond parts print all nine
    // (a pcapng's later interface may be finer than the first one declared).
    EXPECT_EQ(format_packet_line(info, 6),
              "1 1700000000.123456789 TCP 10.0.0.1:51514 > 10.0.0.2:443 [S.] 0");
    EXPECT_EQ(format_packet_line(info, 9),
              "1 1700000000.123456789 TCP 10.0.0.1:51514 > 10.0.0.2:443 [S.] 0");
}

TEST(PacketLine, UdpOverIpv6InBrackets) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv6({.src = "fe80::1", .dst = "ff02::fb"})
                            .udp({.sport = 5353, .dport = 5353})
                            .payload(42)
                            .build();
    const PacketInfo info = decoded(frame, 1000, 7);
    EXPECT_EQ(format_packet_line(info, 6), "7 0.000001 UDP [fe80::1]:5353 > [ff02::fb]:5353 - 42");
    EXPECT_EQ(format_packet_line(info, 9),
              "7 0.000001000 UDP [fe80::1]:5353 > [ff02::fb]:5353 - 42");
}

TEST(PacketLine, Ipv4MappedAddressInAnIpv6HeaderStaysIpv6) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv6({.src = "::ffff:192.0.2.1", .dst = "2001:db8::2"})
                            .udp()
                            .build();
    EXPECT_EQ(format_packet_line(decoded(frame, 0, 1), 6),
              "1 0.000000 UDP [::ffff:192.0.2.1]:50000 > [2001:db8::2]:53 - 0");
}

TEST(PacketLine, TunnelledPacketShowsTheInnerPair) {
    const Bytes frame = FrameBuilder{}
                            .ethernet()
                            .ipv4()
                            .udp({.sport = 40000, .dport = decode::kVxlanPort})
                            .vxlan()
                            .ethernet()
                            .ipv6({.src = "fd00::a", .dst = "fd00::b"})
                            .tcp({.sport = 1, .dport = 2, .flags = flag::kPsh | flag::kAck})
                            .payload(100)
                            .build();
    EXPECT_EQ(format_packet_line(decoded(frame, 2'000'000'000, 3), 6),
              "3 2.000000 TCP [fd00::a]:1 > [fd00::b]:2 [P.] 100");
}

TEST(PacketLine, LaterFragmentsHaveNoFlagsAndAFragSuffix) {
    decode::Decoder decoder(DLT_EN10MB);
    PacketInfo info;
    const Bytes first = FrameBuilder{}
                            .ethernet()
                            .ipv4({.id = 5, .mf = true})
                            .tcp({.sport = 1234, .dport = 80, .flags = flag::kAck})
                            .payload(12)
                            .build();
    decoder.decode(raw_frame(first, 0, 0, 1), info);
    EXPECT_EQ(format_packet_line(info, 6),
              "1 0.000000 TCP 192.0.2.1:1234 > 198.51.100.2:80 [.] 12");
    const Bytes later = FrameBuilder{}
                            .ethernet()
                            .ipv4({.proto = 6, .id = 5, .frag_offset = 4})
                            .payload(100)
                            .build();
    decoder.decode(raw_frame(later, 0, 0, 2), info);
    EXPECT_EQ(format_packet_line(info, 6),
              "2 0.000000 TCP 192.0.2.1:1234 > 198.51.100.2:80 - 100 frag");

    PacketInfo udp = info;
    udp.outcome = Outcome::Udp;
    EXPECT_EQ(format_packet_line(udp, 6),
              "2 0.000000 UDP 192.0.2.1:1234 > 198.51.100.2:80 - 100 frag");
}

TEST(PacketLine, TimestampDecimals) {
    const auto ts = [](std::int64_t ts_ns, int decimals) {
        const std::string line = format_packet_line(tcp_at(ts_ns), decimals);
        return line.substr(2, line.find(' ', 2) - 2);
    };
    EXPECT_EQ(ts(0, 6), "0.000000");
    EXPECT_EQ(ts(0, 9), "0.000000000");
    EXPECT_EQ(ts(999, 6), "0.000000999"); // sub-microsecond digits are kept, never truncated
    EXPECT_EQ(ts(999, 9), "0.000000999");
    EXPECT_EQ(ts(1'999'999'999, 6), "1.999999999");
    EXPECT_EQ(ts(1'999'999'000, 6), "1.999999");
    EXPECT_EQ(ts(1'999'999'999, 9), "1.999999999");
    EXPECT_EQ(ts(-1'000'000'000, 6), "-1.000000");
    EXPECT_EQ(ts(-2'000'000'000, 9), "-2.000000000");
}

// A negative time prints its sign and its magnitude: -0.5 s is "-0.500000", as any reader of a
// decimal number (awk, Python, tshark's frame.time_epoch "-0.500000000") takes it; floor
// seconds plus a positive fraction ("-1.500000") would put the line a whole second off.
TEST(PacketLine, NegativeTimestampsReadAsTheirValue) {
    const auto ts = [](std::int64_t ts_ns, int decimals) {
        const std::string line = format_packet_line(tcp_at(ts_ns), decimals);
        return line.substr(2, line.find(' ', 2) - 2);
    };
    EXPECT_EQ(ts(-500'000'000, 6), "-0.500000");
    EXPECT_EQ(ts(-500'000'000, 9), "-0.500000000");
    EXPECT_EQ(ts(-1'250'000'000, 6), "-1.250000");
    EXPECT_EQ(ts(-1, 9), "-0.000000001");
}

// ---- The printer ----

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string contents(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    return out;
}

TEST(PacketPrinter, PrintsOnlyPacketsWithPortsAtTheEndOfABatch) {
    File out(std::tmpfile());
    ASSERT_NE(out, nullptr);
    report::PacketPrinter printer(out.get(), 6);
    const PacketInfo tcp = tcp_at(1'000'000'000);
    PacketInfo udp =
        decoded(FrameBuilder{}.ethernet().ipv4().udp().payload(3).build(), 2'000'000'000, 2);
    const PacketInfo arp = decoded(FrameBuilder{}.ethernet().arp().build(), 0, 3);
    const PacketInfo bad = decoded(FrameBuilder{}.ethernet().ipv4({.ihl = 1}).tcp().build(), 0, 4);
    for (const PacketInfo& p : {tcp, arp, udp, bad}) printer.on_packet(p);
    EXPECT_EQ(contents(out.get()), ""); // buffered until the batch ends
    printer.on_batch_end();
    EXPECT_EQ(contents(out.get()), "1 1.000000 TCP 192.0.2.1:40000 > 198.51.100.2:80 [S] 0\n"
                                   "2 2.000000 UDP 192.0.2.1:50000 > 198.51.100.2:53 - 3\n");
    udp.frame_no = 5;
    printer.on_packet(udp);
    printer.on_end();
    const std::size_t first_two = std::string("1 1.000000 TCP 192.0.2.1:40000 > 198.51.100.2:80 [S] 0\n"
                                              "2 2.000000 UDP 192.0.2.1:50000 > 198.51.100.2:53 - 3\n")
                                      .size();
    EXPECT_EQ(contents(out.get()).substr(first_two),
              "5 2.000000 UDP 192.0.2.1:50000 > 198.51.100.2:53 - 3\n");
    EXPECT_FALSE(printer.wants_stop());
}

TEST(PacketPrinter, FlushesALargeBufferOnItsOwn) {
    File out(std::tmpfile());
    ASSERT_NE(out, nullptr);
    report::PacketPrinter printer(out.get(), 9);
    const PacketInfo tcp = tcp_at(0);
    for (int i = 0; i < 2000; ++i) printer.on_packet(tcp);
    EXPECT_GE(contents(out.get()).size(), 64U * 1024);
    printer.on_end();
    EXPECT_EQ(contents(out.get()).size(), 2000 * (format_packet_line(tcp, 9).size() + 1));
}

TEST(PacketPrinter, StopsWhenTheOutputCloses) {
    File out(std::fopen("/dev/full", "w"));
    if (!out) GTEST_SKIP() << "no /dev/full";
    report::PacketPrinter printer(out.get(), 6);
    printer.on_packet(tcp_at(0));
    printer.on_batch_end();
    EXPECT_TRUE(printer.wants_stop());
    printer.on_packet(tcp_at(0)); // quietly ignored
    printer.on_end();
    EXPECT_TRUE(printer.wants_stop());
}

} // namespace
} // namespace pairwatch::test
