// TCP state per conversation, kept the way Zeek keeps it so that conn_state and history read
// the same as Zeek's conn.log: an endpoint state machine per side and the history letters.
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pairwatch::flow {

/// Zeek's TCP endpoint states (analyzer/protocol/tcp/TCP_Endpoint.h).
enum class TcpEndpointState : std::uint8_t {
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
};

/// Zeek's conn_state values (base/protocols/conn/main.zeek).
enum class ConnState : std::uint8_t { S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH };
[[nodiscard]] std::string_view to_string(ConnState s);

/// 29 bytes, inside each Flow; used for UDP flows too (their history and "active" sides).
/// Sides are the flow key's endpoints: 0 = a, 1 = b; the flow says which is the originator.
/// Follows Zeek's TCPSessionAdapter::Process order: history, sequence bookkeeping, state
/// machine, close. What it does not keep (reassembly, exact ISNs) is noted where it matters.
class TcpTracker {
public:
    /// One TCP packet from `side`; `orig_side` is the originator's side at this moment.
    void on_packet(const decode::PacketInfo& p, int side, int orig_side);
    /// One UDP packet from `side`.
    void on_udp_packet(int side);
    /// Records '^': the originator is not the sender of the first packet (Zeek's flip).
    void mark_flip();
    /// The first packet was a SYN-ACK from the responder: Zeek processes it as its sender's
    /// SYN_ACK_SENT and flips roles afterwards; this puts the responder in that state.
    void start_with_syn_ack(const decode::PacketInfo& p, int resp_side);

    /// Zeek's IsReuse: a SYN on this pair starts a new conversation (the old one is over or the
    /// SYN's sequence number says it is a different connection).
    [[nodiscard]] bool is_reuse(const decode::PacketInfo& p, int orig_side) const;
    /// Both sides reported closed, or one reset (Zeek's close_complete): linger, then end.
    [[nodiscard]] bool closed() const { return (bits_ & kCloseComplete) != 0; }
    [[nodiscard]] bool reset() const;
    /// Zeek stops advancing a conversation's last time once both sides closed.
    [[nodiscard]] bool both_did_close() const { return (state_ & 0xc0) == 0xc0; }
    /// The originator sent SYN (or SYN-ACK) and the responder nothing: a connection attempt.
    [[nodiscard]] bool attempt(int orig_side) const;
    /// Both sides still in the handshake states: Zeek applies the UDP inactivity timeout.
    [[nodiscard]] bool in_handshake() const;

    [[nodiscard]] TcpEndpointState state(int side) const {
        return static_cast<TcpEndpointState>((state_ >> (side * 3)) & 0x07);
    }
    [[nodiscard]] std::uint8_t flags_seen(int side) const {
        return flags_seen_[static_cast<std::size_t>(side)];
    }

    /// Zeek's conn_state; bytes are the payload each side sent.
    [[nodiscard]] ConnState conn_state(int orig_side, bool tcp, std::uint64_t orig_bytes,
                                       std::uint64_t resp_bytes) const;
    /// Zeek's history string: upper case for the originator, lower case for the responder.
    /// At most 14 events are kept (Zeek's own histories on real traffic are shorter).
    [[nodiscard]] std::string history(int orig_side) const;

private:
    static constexpr std::uint8_t kCloseComplete = 0x01;
    static constexpr std::uint8_t kClosedBeforeReset = 0x02; // << side
    static constexpr std::uint8_t kSeqKnown = 0x08;          // << side

    void record(char letter, int side);
    bool check_history(std::uint8_t bit, char letter, int side);
    void scaled_history(char letter, int side, int which);
    void update_history(const decode::PacketInfo& p, int side, std::uint32_t one_past);
    void set_state(int side, TcpEndpointState s);
    void close_side(int side);
    [[nodiscard]] bool did_close(int side) const { return (state_ & (0x40 << side)) != 0; }
    [[nodiscard]] std::uint32_t seq_end(int side) const;
    void set_seq_end(int side, std::uint32_t v);

    // Byte arrays only (alignment 1): the tracker packs into Flow right after the key.
    std::array<std::uint8_t, 9> history_{};   // 14 events x 5 bits: letter code, side bit
    std::array<std::uint8_t, 2> hist_seen_{}; // Zeek's per-direction "seen" bits
    std::array<std::uint8_t, 8> seq_end_{};   // per side: u32 one past the highest sequence
    std::array<std::uint8_t, 4> rexmit_{};    // per side: u16 retransmissions (for 'T')
    std::array<std::uint8_t, 2> zero_win_{};  // per side: zero windows, saturating (for 'W')
    std::uint8_t state_ = 0; // bits 0-2 side 0 state, 3-5 side 1, 6-7 did_close per side
    std::array<std::uint8_t, 2> flags_seen_{};
    std::uint8_t bits_ = 0;  // kCloseComplete, kClosedBeforeReset << side, kSeqKnown << side
};

} // namespace pairwatch::flow
