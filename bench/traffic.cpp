#include "traffic.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace pairwatch::bench {
namespace {

// Every field is written byte by byte in network order: no struct is laid over the buffer.
void put8(std::byte* p, std::uint8_t v) { p[0] = static_cast<std::byte>(v); }
void put16(std::byte* p, std::uint16_t v) {
    p[0] = static_cast<std::byte>(v >> 8);
    p[1] = static_cast<std::byte>(v);
}
void put32(std::byte* p, std::uint32_t v) {
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
}

/// RFC 1071 sum of bytes that start on a 16-bit word boundary (an odd last byte is padded).
std::uint64_t word_sum(const std::byte* p, std::size_t n) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2)
        sum += static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(p[i])) << 8 |
               std::to_integer<std::uint8_t>(p[i + 1]);
    if (n % 2 != 0) sum += static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(p[n - 1])) << 8;
    return sum;
}

std::uint16_t fold(std::uint64_t sum) {
    while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

constexpr std::size_t kEthernet = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kIpv4 = 20;
constexpr std::size_t kIpv6 = 40;
constexpr std::size_t kUdp = 8;
constexpr std::size_t kTcp = 20;
constexpr std::size_t kMtu = 1500;
constexpr std::int64_t kStartNs = 1'700'000'000'000'000'000;

// SYN and SYN-ACK carry what Linux sends: MSS 1460, SACK permitted, window scale 7.
constexpr std::array<std::uint8_t, 12> kSynOptions{2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2};

// Responder ports, common ones first. None is a tunnel port the decoder opens (VXLAN 4789,
// GENEVE 6081, Teredo 3544, MPLS-in-UDP 6635): their payloads would be decoded as frames.
constexpr std::array<std::uint16_t, 10> kTcpPorts{443, 443, 443, 80, 80, 22, 25, 993, 3306, 8080};
constexpr std::array<std::uint16_t, 10> kUdpPorts{443, 443, 53, 53, 123, 161, 514, 1194, 5060, 3478};

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

// Steps of a TCP conversation; data repeats while data_left > 0.
enum Step : std::uint8_t { kSynStep, kSynAckStep, kAckStep, kDataStep, kFin1Step, kFin2Step, kLastAckStep };

} // namespace

TrafficGenerator::TrafficGenerator(const TrafficOptions& options)
    : options_(options), rng_(options.seed), open_(options.conversations),
      frame_(kEthernet + kVlanTag + kIpv6 + kTcp + kSynOptions.size() + kMtu) {
    pattern_.resize(kMtu);
    pattern_sum_.resize(kMtu + 1);
    for (std::size_t i = 0; i < pattern_.size(); ++i) {
        const auto b = static_cast<std::uint8_t>(rng_());
        pattern_[i] = static_cast<std::byte>(b);
        // Each prefix's RFC 1071 sum: a byte at an even offset is a word's high byte.
        pattern_sum_[i + 1] = pattern_sum_[i] + (i % 2 == 0 ? std::uint64_t{b} << 8 : b);
    }
    for (std::uint32_t slot = 0; slot < options_.conversations; ++slot)
        start(slot, kStartNs + data_gap_ns());
}

std::int64_t TrafficGenerator::rtt_ns() {
    return 100'000 + static_cast<std::int64_t>(rng_() % 20'000'000); // 0.1-20 ms
}

std::int64_t TrafficGenerator::data_gap_ns() {
    const auto mean = static_cast<std::uint64_t>(options_.data_gap_s * 1e9);
    return static_cast<std::int64_t>(rng_() % (2 * mean + 1));
}

void TrafficGenerator::start(std::uint32_t slot, std::int64_t at_ns) {
    Conversation& c = open_[slot];
    c = Conversation{};
    c.id = next_id_++;
    c.udp = rng_() % 100 < 34; // with the same length spread, ~35% of packets
    c.ipv6 = rng_() % 100 < 15;
    c.vlan = rng_() % 100 < 10 ? static_cast<std::uint16_t>(2 + rng_() % 4000) : 0;
    c.server = static_cast<std::uint32_t>(rng_() % 1024);
    c.client_port = static_cast<std::uint16_t>(32768 + rng_() % 28232); // Linux's ephemeral range
    c.server_port = c.udp ? kUdpPorts[rng_() % kUdpPorts.size()] : kTcpPorts[rng_() % kTcpPorts.size()];
    c.data_left = static_cast<std::uint16_t>(1 + rng_() % 400);
    c.client_seq = static_cast<std::uint32_t>(rng_());
    c.server_seq = static_cast<std::uint32_t>(rng_());
    c.rst = rng_() % 100 < 20;
    c.rst_by_server = rng_() % 2 == 0;
    c.step = c.udp ? kDataStep : kSynStep;
    due_.push({at_ns, slot});
}

bool TrafficGenerator::next(GeneratedFrame& out) {
    if (stats_.packets >= options_.packets || due_.empty()) return false;
    const Due due = due_.top();
    due_.pop();
    Conversation& c = open_[due.slot];
    if (!c.counted) {
        c.counted = true;
        ++stats_.conversations;
        ++(c.udp ? stats_.udp_conversations : stats_.tcp_conversations);
    }
    const std::int64_t gap = build(c);
    if (gap < 0)
        start(due.slot, due.ts_ns + rtt_ns());
    else
        due_.push({due.ts_ns + gap, due.slot});

    const std::size_t captured = options_.snaplen != 0 ? std::min<std::size_t>(frame_len_, options_.snaplen)
                                                       : frame_len_;
    ++stats_.packets;
    stats_.wire_bytes += frame_len_;
    stats_.captured_bytes += captured;
    stats_.udp_packets += c.udp ? 1 : 0;
    stats_.ipv6_packets += c.ipv6 ? 1 : 0;
    stats_.vlan_packets += c.vlan != 0 ? 1 : 0;
    out.ts_ns = due.ts_ns;
    out.wire_len = static_cast<std::uint32_t>(frame_len_);
    out.bytes = std::span<const std::byte>(frame_.data(), captured);
    return true;
}

std::int64_t TrafficGenerator::build(Conversation& c) {
    const std::size_t max_payload = kMtu - (c.ipv6 ? kIpv6 : kIpv4) - (c.udp ? kUdp : kTcp);
    if (c.udp) {
        // A first datagram from the client, answered within a round trip, then both ways.
        const bool first = c.step == kDataStep;
        const bool from_client = first || rng_() % 2 == 0;
        const auto len = static_cast<std::uint32_t>(
            rng_() % 4 == 0 ? max_payload : 20 + rng_() % (max_payload - 20));
        frame_len_ = build_frame(c, from_client, 0, len);
        c.step = kDataStep + 1;
        if (--c.data_left == 0) return -1;
        return first ? rtt_ns() : data_gap_ns();
    }
    switch (c.step) {
    case kSynStep:
        frame_len_ = build_frame(c, true, kSyn, 0);
        c.step = kSynAckStep;
        return rtt_ns();
    case kSynAckStep:
        frame_len_ = build_frame(c, false, kSyn | kAck, 0);
        c.step = kAckStep;
        return rtt_ns();
    case kAckStep:
        frame_len_ = build_frame(c, true, kAck, 0);
        c.step = kDataStep;
        return data_gap_ns();
    case kDataStep: {
        // Requests are small, answers mostly full segments; a quarter of the time the receiver
        // of the last data acknowledges it alone (never otherwise: tshark would call a bare ACK
        // that acknowledges nothing new a duplicate).
        bool from_client = false;
        std::uint32_t len = 0;
        if (c.unacked_data && rng_() % 100 < 25) {
            from_client = !c.last_from_client;
        } else {
            from_client = rng_() % 100 < 40;
            const auto roll = rng_() % 100;
            len = from_client   ? static_cast<std::uint32_t>(40 + rng_() % 560)
                  : roll < 75 ? static_cast<std::uint32_t>(max_payload)
                              : static_cast<std::uint32_t>(1 + rng_() % max_payload);
        }
        frame_len_ = build_frame(c, from_client, len != 0 ? kPsh | kAck : kAck, len);
        c.unacked_data = len != 0;
        c.last_from_client = from_client;
        if (--c.data_left == 0) c.step = kFin1Step;
        return data_gap_ns();
    }
    case kFin1Step:
        if (c.rst) {
            frame_len_ = build_frame(c, !c.rst_by_server, kRst | kAck, 0);
            ++stats_.rst_closes;
            return -1;
        }
        frame_len_ = build_frame(c, true, kFin | kAck, 0);
        c.step = kFin2Step;
        return rtt_ns();
    case kFin2Step:
        frame_len_ = build_frame(c, false, kFin | kAck, 0);
        c.step = kLastAckStep;
        return rtt_ns();
    default:
        frame_len_ = build_frame(c, true, kAck, 0);
        ++stats_.fin_closes;
        return -1;
    }
}

std::size_t TrafficGenerator::build_frame(Conversation& c, bool from_client,
                                          std::uint8_t tcp_flags, std::uint32_t payload_len) {
    std::byte* const f = frame_.data();
    // Ethernet: the client behind one MAC, every server behind the router's.
    constexpr std::array<std::uint8_t, 6> kClientMac{2, 0, 0, 0, 0, 1};
    constexpr std::array<std::uint8_t, 6> kRouterMac{2, 0, 0, 0, 0, 2};
    for (std::size_t i = 0; i < 6; ++i) {
        put8(f + i, from_client ? kRouterMac[i] : kClientMac[i]);
        put8(f + 6 + i, from_client ? kClientMac[i] : kRouterMac[i]);
    }
    std::size_t at = 12;
    if (c.vlan != 0) {
        put16(f + at, 0x8100); // IEEE 802.1Q
        put16(f + at + 2, c.vlan);
        at += kVlanTag;
    }
    put16(f + at, c.ipv6 ? 0x86dd : 0x0800);
    at += 2;

    const std::size_t ip_at = at;
    const std::size_t l4_header =
        c.udp ? kUdp : kTcp + ((tcp_flags & kSyn) != 0 ? kSynOptions.size() : 0);
    const std::size_t l4_len = l4_header + payload_len;
    const std::size_t l4_at = ip_at + (c.ipv6 ? kIpv6 : kIpv4);
    const std::uint8_t proto = c.udp ? 17 : 6;

    // Addresses: the client's from the conversation id (unique in the file, so every
    // conversation has its own 5-tuple), the server's from a pool of 1024.
    std::array<std::byte, 16> client{};
    std::array<std::byte, 16> server{};
    std::uint64_t pseudo = 0;
    if (c.ipv6) {
        put32(client.data(), 0x20010db8);
        put32(client.data() + 4, 0x000c0000);
        put32(client.data() + 12, c.id);
        put32(server.data(), 0x20010db8);
        put32(server.data() + 4, 0x00050000);
        put32(server.data() + 12, c.server + 1);
        std::byte* ip = f + ip_at;
        put32(ip, 0x60000000 | (c.id & 0xfffff)); // version 6, flow label per conversation
        put16(ip + 4, static_cast<std::uint16_t>(l4_len));
        put8(ip + 6, proto);
        put8(ip + 7, 64);
        std::memcpy(ip + 8, from_client ? client.data() : server.data(), 16);
        std::memcpy(ip + 24, from_client ? server.data() : client.data(), 16);
        pseudo = word_sum(ip + 8, 32) + l4_len + proto; // RFC 8200 8.1
    } else {
        put32(client.data(), (10u + (c.id >> 24)) << 24 | (c.id & 0xffffff));
        put32(server.data(), 0xc0a80000 | (c.server + 1));
        std::byte* ip = f + ip_at;
        put8(ip, 0x45);
        put8(ip + 1, 0);
        put16(ip + 2, static_cast<std::uint16_t>(kIpv4 + l4_len));
        put16(ip + 4, ip_id_++);
        put16(ip + 6, 0x4000); // DF
        put8(ip + 8, 64);
        put8(ip + 9, proto);
        put16(ip + 10, 0);
        std::memcpy(ip + 12, from_client ? client.data() : server.data(), 4);
        std::memcpy(ip + 16, from_client ? server.data() : client.data(), 4);
        put16(ip + 10, fold(word_sum(ip, kIpv4)));
        pseudo = word_sum(ip + 12, 8) + l4_len + proto; // RFC 793 3.1
    }

    std::byte* l4 = f + l4_at;
    const std::uint16_t sport = from_client ? c.client_port : c.server_port;
    const std::uint16_t dport = from_client ? c.server_port : c.client_port;
    put16(l4, sport);
    put16(l4 + 2, dport);
    if (c.udp) {
        put16(l4 + 4, static_cast<std::uint16_t>(l4_len));
        put16(l4 + 6, 0);
    } else {
        std::uint32_t& seq = from_client ? c.client_seq : c.server_seq;
        const std::uint32_t ack = from_client ? c.server_seq : c.client_seq;
        put32(l4 + 4, seq);
        put32(l4 + 8, (tcp_flags & kAck) != 0 ? ack : 0);
        put8(l4 + 12, static_cast<std::uint8_t>(l4_header / 4 << 4));
        put8(l4 + 13, tcp_flags);
        // 502 scaled by 2^7 is the SYN's 64256: a steady window, which tshark does not flag.
        put16(l4 + 14, (tcp_flags & kSyn) != 0 ? 64256 : 502);
        put16(l4 + 16, 0);
        put16(l4 + 18, 0);
        if ((tcp_flags & kSyn) != 0)
            for (std::size_t i = 0; i < kSynOptions.size(); ++i) put8(l4 + kTcp + i, kSynOptions[i]);
        // SYN and FIN take one sequence number (RFC 793 3.3).
        seq += payload_len + ((tcp_flags & (kSyn | kFin)) != 0 ? 1 : 0);
    }
    // Only the bytes a capture keeps are copied; the checksum covers the whole payload anyway,
    // from the pattern's prefix sums (the header is an even number of bytes, so the payload's
    // words line up with the pattern's).
    const std::size_t frame_len = l4_at + l4_len;
    const std::size_t keep = options_.snaplen != 0 ? std::min<std::size_t>(frame_len, options_.snaplen)
                                                   : frame_len;
    if (keep > l4_at + l4_header)
        std::memcpy(l4 + l4_header, pattern_.data(), keep - l4_at - l4_header);
    std::uint16_t sum = fold(pseudo + word_sum(l4, l4_header) + pattern_sum_[payload_len]);
    if (c.udp && sum == 0) sum = 0xffff; // RFC 768: 0 means no checksum
    put16(l4 + (c.udp ? 6 : 16), sum);
    return frame_len;
}

} // namespace pairwatch::bench
