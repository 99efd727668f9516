// One conversation's record: the key, who is the client, counters per direction, TCP state.
// Kept to 136 bytes (the table keeps 8 more of idle-list links beside it) so a million flows
// plus the index fit in 160 MB.
#pragma once

#include "pairwatch/flow/counter48.h"
#include "pairwatch/flow/flow_key.h"
#include "pairwatch/flow/tcp_tracker.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace pairwatch::flow {

/// How the originator (client) was chosen.
enum class DirReason : std::uint8_t {
    Syn,    // it sent a SYN without ACK
    SynAck, // the first packet seen was a SYN-ACK: its receiver
    Port,   // its port looks more like a client port
    First,  // a tie: the sender of the first packet
};

/// Why a record ended.
enum class EndReason : std::uint8_t {
    None, // still open
    Fin,
    Rst,
    Idle,
    Evicted,
    CaptureEnd,
    Reused, // a new SYN on a pair that had closed
};

[[nodiscard]] std::string_view to_string(DirReason r);
[[nodiscard]] std::string_view to_string(EndReason r);

struct Flow;
/// A Zeek-style unique id ("C" + 11 base62 characters) for the flow record.
[[nodiscard]] std::string flow_uid(const Flow& flow, std::uint64_t seed);

struct DirectionCounters {
    Counter48 packets;
    Counter48 wire_bytes;    // frame length on the wire, as tshark's conversations count
    Counter48 ip_bytes;      // IP datagram length (header included), as Zeek counts
    Counter48 payload_bytes; // transport payload
};

struct Flow {
    FlowKey key;                           // 42 bytes
    std::uint8_t orig_is_b : 1 = 0;        // the originator is endpoint b
    std::uint8_t dir_reason_ : 2 = 0;      // a DirReason
    std::uint8_t answered_ : 1 = 0;        // the responder has answered (see FlowSink::on_answer)
    std::uint8_t updated : 1 = 0;          // sinks had on_flow_update for it (active timeout)
    std::uint8_t in_use_ : 1 = 0;          // the slot holds an open flow (set by the table)
    TcpTracker tcp;                        // 29 bytes, alignment 1
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    DirectionCounters counters[2];         // [0] endpoint a, [1] endpoint b; 48 bytes

    [[nodiscard]] int orig_side() const { return orig_is_b; }
    [[nodiscard]] bool answered() const { return answered_ != 0; }
    [[nodiscard]] DirReason dir_reason() const { return static_cast<DirReason>(dir_reason_); }
    void set_dir_reason(DirReason r) {
        dir_reason_ = static_cast<std::uint8_t>(static_cast<unsigned>(r) & 3U) & 3U;
    }
    [[nodiscard]] const DirectionCounters& orig() const { return counters[orig_is_b]; }
    [[nodiscard]] const DirectionCounters& resp() const { return counters[orig_is_b ^ 1]; }
    [[nodiscard]] const decode::IpAddress& orig_addr() const {
        return orig_is_b ? key.addr_b : key.addr_a;
    }
    [[nodiscard]] const decode::IpAddress& resp_addr() const {
        return orig_is_b ? key.addr_a : key.addr_b;
    }
    [[nodiscard]] std::uint16_t orig_port() const { return orig_is_b ? key.port_b : key.port_a; }
    [[nodiscard]] std::uint16_t resp_port() const { return orig_is_b ? key.port_a : key.port_b; }
    [[nodiscard]] bool is_tcp() const { return key.proto == decode::kIpProtoTcp; }
    [[nodiscard]] std::uint8_t ip_version() const { return key.ipv6() ? 6 : 4; }
};

static_assert(sizeof(Flow) == 136, "a flow is 136 bytes: see the README's performance section");

} // namespace pairwatch::flow
