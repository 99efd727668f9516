#include "pairwatch/report/packet_printer.h"

#include <array>
#include <cerrno>
#include <string_view>

namespace pairwatch::report {

namespace {

void append_timestamp(fmt::memory_buffer& out, std::int64_t ts_ns, int decimals) {
    // Sign, then magnitude: -0.5 s is "-0.500000", which awk, Python and tshark's
    // frame.time_epoch all read as -0.5 (floor seconds plus a positive fraction, "-1.500000",
    // would read as -1.5). The magnitude is unsigned so INT64_MIN does not overflow.
    const bool negative = ts_ns < 0;
    const std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(ts_ns) : static_cast<std::uint64_t>(ts_ns);
    const std::uint64_t seconds = magnitude / 1'000'000'000;
    const std::uint64_t nanos = magnitude % 1'000'000'000;
    const std::string_view sign = negative ? "-" : "";
    // A pcapng interface may be finer than the first one the file declared: never drop digits.
    if (decimals == 9 || nanos % 1000 != 0) {
        fmt::format_to(std::back_inserter(out), "{}{}.{:09}", sign, seconds, nanos);
    } else {
        fmt::format_to(std::back_inserter(out), "{}{}.{:06}", sign, seconds, nanos / 1000);
    }
}

} // namespace

std::string format_tcp_flags(std::uint8_t flags) {
    // The order and letters of tcpdump's print-tcp.c, so lines read like tcpdump's.
    using namespace decode::tcp_flag;
    constexpr std::array<std::pair<std::uint8_t, char>, 8> kLetters = {{
        {kFin, 'F'},
        {kSyn, 'S'},
        {kRst, 'R'},
        {kPsh, 'P'},
        {kAck, '.'},
        {kUrg, 'U'},
        {kEce, 'E'},
        {kCwr, 'W'},
    }};
    std::string out = "[";
    for (auto [bit, letter] : kLetters) {
        if ((flags & bit) != 0) out += letter;
    }
    if (out.size() == 1) out += "none";
    out += ']';
    return out;
}

std::string format_packet_line(const decode::PacketInfo& p, int ts_decimals) {
    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out), "{} ", p.frame_no);
    append_timestamp(out, p.ts_ns, ts_decimals);
    const bool tcp = p.outcome == decode::Outcome::Tcp;
    out.append(std::string_view(tcp ? " TCP " : " UDP "));
    const std::string src = decode::format_endpoint(p.src, p.sport, p.ip_version);
    out.append(src.data(), src.data() + src.size());
    out.append(std::string_view(" > "));
    const std::string dst = decode::format_endpoint(p.dst, p.dport, p.ip_version);
    out.append(dst.data(), dst.data() + dst.size());
    out.push_back(' ');
    if (tcp && !p.non_first_fragment && !p.tcp_flags_known) {
        out.append(std::string_view("[|tcp]")); // tcpdump's mark for a header cut short
    } else if (tcp && !p.non_first_fragment) {
        const std::string flags = format_tcp_flags(p.tcp_flags);
        out.append(flags.data(), flags.data() + flags.size());
    } else {
        out.push_back('-');
    }
    fmt::format_to(std::back_inserter(out), " {}", p.payload_len);
    if (p.non_first_fragment) out.append(std::string_view(" frag"));
    return fmt::to_string(out);
}

void PacketPrinter::on_packet(const decode::PacketInfo& packet) {
    if (closed_ || !packet.has_ports()) return;
    const std::string line = format_packet_line(packet, ts_decimals_);
    buffer_.append(line.data(), line.data() + line.size());
    buffer_.push_back('\n');
    if (buffer_.size() >= 64 * 1024) flush();
}

void PacketPrinter::flush() {
    if (closed_ || buffer_.size() == 0) return;
    const std::size_t written = std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
    buffer_.clear();
    if (written == 0 || std::fflush(out_) != 0) {
        closed_ = true; // a closed pipe (| head): stop quietly, the caller ends the capture
    }
}

} // namespace pairwatch::report
