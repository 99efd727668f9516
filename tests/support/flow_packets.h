// PacketInfo values for flow tests, filled directly (the decoder has its own tests), and a sink
// that keeps copies of the flows a table ends.
#pragma once

#include "pairwatch/decode/packet_info.h"
#include "pairwatch/flow/flow.h"
#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/flow/flow_table.h"
#include "pairwatch/services/client_port.h"
#include "pairwatch/services/service_registry.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace pairwatch::test {

inline constexpr std::int64_t kSecond = 1'000'000'000;

inline decode::IpAddress ip(const char *text) {
    decode::IpAddress a;
    if (std::strchr(text, ':') != nullptr) {
        EXPECT_EQ(::inet_pton(AF_INET6, text, a.bytes.data()), 1) << text;
    } else {
        in_addr v4{};
        EXPECT_EQ(::inet_pton(AF_INET, text, &v4), 1) << text;
        a = decode::IpAddress::from_v4(ntohl(v4.s_addr));
    }
    return a;
}

struct Endpoint {
    const char *addr;
    std::uint16_t port;
};

/// A TCP segment src -> dst: IPv4 (20-byte IP + 20-byte TCP + Ethernet 14) unless `v6`.
inline decode::PacketInfo tcp_packet(std::int64_t ts_ns, Endpoint src, Endpoint dst,
                                     std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                                     std::uint32_t payload = 0, std::uint16_t window = 65535,
                                     bool v6 = false) {
    decode::PacketInfo p;
    p.ts_ns = ts_ns;
    p.outcome = decode::Outcome::Tcp;
    p.ip_version = v6 ? 6 : 4;
    p.ip_proto = decode::kIpProtoTcp;
    p.src = ip(src.addr);
    p.dst = ip(dst.addr);
    p.sport = src.port;
    p.dport = dst.port;
    p.payload_len = payload;
    p.ip_len = (v6 ? 40U : 20U) + 20U + payload;
    p.wire_len = 14U + p.ip_len;
    p.cap_len = p.wire_len;
    p.tcp_flags_known = true;
    p.tcp_flags = flags;
    p.tcp_header_len = 20;
    p.tcp_window = window;
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    return p;
}

/// A UDP datagram src -> dst.
inline decode::PacketInfo udp_packet(std::int64_t ts_ns, Endpoint src, Endpoint dst,
                                     std::uint32_t payload = 10, bool v6 = false) {
    decode::PacketInfo p;
    p.ts_ns = ts_ns;
    p.outcome = decode::Outcome::Udp;
    p.ip_version = v6 ? 6 : 4;
    p.ip_proto = decode::kIpProtoUdp;
    p.src = ip(src.addr);
    p.dst = ip(dst.addr);
    p.sport = src.port;
    p.dport = dst.port;
    p.payload_len = payload;
    p.ip_len = (v6 ? 40U : 20U) + 8U + payload;
    p.wire_len = 14U + p.ip_len;
    p.cap_len = p.wire_len;
    return p;
}

/// The program's client rule (app.cpp): guess_client_port over a registry.
inline flow::ClientPortRule client_rule(const services::ServiceRegistry &registry) {
    return [&registry](std::uint8_t proto, std::uint16_t a, std::uint16_t b) {
        const auto p = proto == decode::kIpProtoTcp ? services::Proto::Tcp : services::Proto::Udp;
        const services::ClientGuess g = services::guess_client_port(registry, p, a, b);
        return g.side == services::ClientSide::A ? -1 : g.side == services::ClientSide::B ? 1 : 0;
    };
}

/// Keeps a copy of every flow that ends, with its reason, in the order they ended, and of every
/// active-timeout update.
class CapturingSink final : public flow::FlowSink {
public:
    struct Ended {
        flow::Flow flow;
        flow::EndReason why;

        [[nodiscard]] std::string history() const { return flow.tcp.history(flow.orig_side()); }
        [[nodiscard]] flow::ConnState conn_state() const {
            return flow.tcp.conn_state(flow.orig_side(), flow.is_tcp(), flow.orig().payload_bytes,
                                       flow.resp().payload_bytes);
        }
    };

    void on_flow_end(const flow::Flow &f, flow::EndReason why) override {
        ended.push_back(Ended{f, why});
    }
    void on_flow_update(const flow::Flow &f, std::int64_t now_ns) override {
        updates.push_back(Update{f, now_ns});
    }
    void on_finish() override { ++finished; }

    struct Update {
        flow::Flow flow;
        std::int64_t now_ns;
    };
    std::vector<Ended> ended;
    std::vector<Update> updates;
    int finished = 0;
};

} // namespace pairwatch::test
