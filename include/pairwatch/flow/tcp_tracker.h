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
class TcpTracker {
public:
    /// One TCP packet from `side`; `orig_side` is the originator's side at this moment.
    void on_packet(const decode::PacketInfo& p, int side, int orig_side);
    /// One UDP packet from `side`.
    void on_udp_packet(const decode::PacketInfo& p, int side);
    /// Records '^': the originator is not the sender of the first packet (Zeek's flip).
    void mark_flip();

    /// Zeek flips roles mid-conversation in a few cases; true when the caller must swap.
    [[nodiscard]] bool wants_flip() const { return false; }
    void flipped() {}

    /// FIN seen both ways, or a RST: the conversation is over, save for stragglers.
    [[nodiscard]] bool closed() const;
    [[nodiscard]] bool reset() const;

    [[nodiscard]] TcpEndpointState state(int side) const {
        return static_cast<TcpEndpointState>((state_ >> (side * 4)) & 0x0f);
    }
    [[nodiscard]] std::uint8_t flags_seen(int side) const {
        return flags_seen_[static_cast<std::size_t>(side)];
    }

    /// Zeek's conn_state; bytes are the payload each side sent.
    [[nodiscard]] ConnState conn_state(int orig_side, bool tcp, std::uint64_t orig_bytes,
                                       std::uint64_t resp_bytes) const;
    /// Zeek's history string: upper case for the originator, lower case for the responder.
    [[nodiscard]] std::string history(int orig_side) const;

private:
    void record(char letter, int side);
    bool check_history(std::uint8_t bit, char letter, int side);
    void scaled_history(char letter, int side, int which);
    void update_history(const decode::PacketInfo& p, int side);
    void set_state(int side, TcpEndpointState s);

    // Byte arrays only (alignment 1): the tracker packs into Flow right after the key.
    std::array<std::uint8_t, 10> history_{};  // 16 events x 5 bits: letter code, side bit
    std::array<std::uint8_t, 2> hist_seen_{}; // Zeek's per-direction "seen" bits
    std::array<std::uint8_t, 8> seq_end_{};   // per side: u32 highest sequence number reached
    std::array<std::uint8_t, 4> rexmit_{};    // per side: u16 retransmissions (for 'T')
    std::array<std::uint8_t, 2> zero_win_{};  // per side: zero windows, saturating (for 'W')
    std::uint8_t state_ = 0;                  // two TcpEndpointState nibbles: side 0 low
    std::array<std::uint8_t, 2> flags_seen_{};
};

} // namespace pairwatch::flow
