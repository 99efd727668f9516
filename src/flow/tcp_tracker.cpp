// Zeek's TCP endpoint state machine and history letters, reduced to what conn.log shows.
// References are to zeek/zeek src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc
// (Process, UpdateStateMachine, update_history, update_last_seq, ConnectionClosed, IsReuse)
// and scripts/base/protocols/conn/main.zeek (conn_state).
#include "pairwatch/flow/tcp_tracker.h"

#include <cctype>
#include <cstring>
#include <regex>

namespace pairwatch::flow {

namespace {

using decode::tcp_flag::kAck;
using decode::tcp_flag::kFin;
using decode::tcp_flag::kRst;
using decode::tcp_flag::kSyn;
using State = TcpEndpointState;

// History event codes: 4 bits of letter, 1 bit of side, packed 5 bits each.
constexpr char kLetters[] = "?SHADFRTWGIQ^"; // index = code
constexpr int kMaxEvents = 14;               // 70 of history_'s 72 bits

int code_of(char letter) {
    for (int i = 1; kLetters[i] != '\0'; ++i) {
        if (kLetters[i] == letter) return i;
    }
    return 0;
}

// Zeek's per-direction history bits (Session::CheckHistory masks).
constexpr std::uint8_t kHistSyn = 0x01; // shared by S and H
constexpr std::uint8_t kHistFin = 0x02;
constexpr std::uint8_t kHistRst = 0x04;
constexpr std::uint8_t kHistFinRst = 0x08;
constexpr std::uint8_t kHistData = 0x10;
constexpr std::uint8_t kHistAck = 0x20;
constexpr std::uint8_t kHistMulti = 0x40;

// Zeek ignores sequence jumps larger than this on SYN and RST segments (update_last_seq).
constexpr std::int32_t kTooLargeSeqDelta = 1048576;

std::int32_t seq_delta(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b); }

unsigned read_event(const std::array<std::uint8_t, 9>& h, int i) {
    const int bit = i * 5;
    const auto byte = static_cast<std::size_t>(bit / 8);
    unsigned v = h[byte];
    if (byte + 1 < h.size()) v |= static_cast<unsigned>(h[byte + 1]) << 8;
    return (v >> (bit % 8)) & 0x1fU;
}

void write_event(std::array<std::uint8_t, 9>& h, int i, unsigned code) {
    const int bit = i * 5;
    const auto byte = static_cast<std::size_t>(bit / 8);
    unsigned v = h[byte];
    if (byte + 1 < h.size()) v |= static_cast<unsigned>(h[byte + 1]) << 8;
    v |= code << (bit % 8);
    h[byte] = static_cast<std::uint8_t>(v);
    if (byte + 1 < h.size()) h[byte + 1] = static_cast<std::uint8_t>(v >> 8);
}

} // namespace

std::string_view to_string(ConnState s) {
    switch (s) {
    case ConnState::S0: return "S0";
    case ConnState::S1: return "S1";
    case ConnState::SF: return "SF";
    case ConnState::REJ: return "REJ";
    case ConnState::S2: return "S2";
    case ConnState::S3: return "S3";
    case ConnState::RSTO: return "RSTO";
    case ConnState::RSTR: return "RSTR";
    case ConnState::RSTOS0: return "RSTOS0";
    case ConnState::RSTRH: return "RSTRH";
    case ConnState::SH: return "SH";
    case ConnState::SHR: return "SHR";
    case ConnState::OTH: return "OTH";
    }
    return "OTH";
}

std::uint32_t TcpTracker::seq_end(int side) const {
    std::uint32_t v = 0;
    std::memcpy(&v, seq_end_.data() + side * 4, 4);
    return v;
}
void TcpTracker::set_seq_end(int side, std::uint32_t v) {
    std::memcpy(seq_end_.data() + side * 4, &v, 4);
}

void TcpTracker::set_state(int side, State s) {
    const int shift = side * 3;
    state_ = static_cast<std::uint8_t>((state_ & ~(0x07 << shift)) | (static_cast<int>(s) << shift));
}

void TcpTracker::record(char letter, int side) {
    for (int i = 0; i < kMaxEvents; ++i) {
        if (read_event(history_, i) != 0) continue;
        write_event(history_, i,
                    static_cast<unsigned>(code_of(letter)) | (side != 0 ? 0x10U : 0U));
        return;
    }
}

void TcpTracker::mark_flip() { record('^', 0); }

bool TcpTracker::check_history(std::uint8_t bit, char letter, int side) {
    // Session::CheckHistory: the first time per direction appends the letter; returns whether
    // it had been seen before.
    std::uint8_t& seen = hist_seen_[static_cast<std::size_t>(side)];
    if ((seen & bit) == 0) {
        seen |= bit;
        record(letter, side);
        return false;
    }
    return true;
}

void TcpTracker::scaled_history(char letter, int side, int which) {
    // Connection::ScaledHistoryEntry: the letter at the 1st, 10th, 100th... occurrence. The
    // counts saturate (65535 retransmissions, 255 zero windows).
    std::uint32_t count = 0;
    if (which == 0) {
        std::uint16_t c = 0;
        std::memcpy(&c, rexmit_.data() + side * 2, 2);
        if (c == UINT16_MAX) return;
        ++c;
        std::memcpy(rexmit_.data() + side * 2, &c, 2);
        count = c;
    } else {
        auto& c = zero_win_[static_cast<std::size_t>(side)];
        if (c == UINT8_MAX) return;
        count = ++c;
    }
    for (std::uint32_t threshold = 1; threshold <= count; threshold *= 10) {
        if (threshold == count) {
            record(letter, side);
            return;
        }
    }
}

void TcpTracker::update_history(const decode::PacketInfo& p, int side, std::uint32_t one_past) {
    const std::uint8_t f = p.tcp_flags;
    const int bits_set = ((f & kSyn) != 0) + ((f & kFin) != 0) + ((f & kRst) != 0);
    // S/H, F and R repeat when their sequence position changes. Zeek remembers the last
    // position per letter; the side's highest sequence stands in for it, which is the same
    // position for a retransmission (and frozen at the first RST once a side is reset).
    const bool moved = (bits_ & (kSeqKnown << side)) == 0 || one_past != seq_end(side);
    if (bits_set > 1) {
        if ((f & kFin) != 0 && (f & kRst) != 0) check_history(kHistFinRst, 'I', side);
        else check_history(kHistMulti, 'Q', side);
    } else if (bits_set == 1) {
        // A second SYN or SYN-ACK adds no letter: Zeek re-bases the side's sequence on it
        // (init_endpoint), so its relative position is 0 again, the same as the first one's.
        if ((f & kSyn) != 0) check_history(kHistSyn, (f & kAck) != 0 ? 'H' : 'S', side);
        if ((f & kFin) != 0 && check_history(kHistFin, 'F', side) && moved) record('F', side);
        if ((f & kRst) != 0 && check_history(kHistRst, 'R', side) && moved) record('R', side);
    } else if (p.payload_len > 0) {
        check_history(kHistData, 'D', side);
    } else if ((f & kAck) != 0) {
        check_history(kHistAck, 'A', side);
    }
}

void TcpTracker::on_udp_packet(int side) {
    // UDPSessionAdapter: 'D'/'d' once per direction for any valid packet, and the side is
    // UDP_ACTIVE from then on.
    check_history(kHistData, 'D', side);
    set_state(side, State::Established);
}

void TcpTracker::close_side(int side) {
    // TCPSessionAdapter::ConnectionClosed (without the reassembler's deferral).
    if (did_close(side)) return;
    const int peer = side ^ 1;
    const bool complete = state(side) == State::Reset || did_close(peer) || state(peer) == State::Inactive;
    state_ = static_cast<std::uint8_t>(state_ | (0x40 << side));
    if (complete) bits_ |= kCloseComplete;
}

void TcpTracker::start_with_syn_ack(const decode::PacketInfo& p, int resp_side) {
    on_packet(p, resp_side, resp_side); // as its sender's own SYN-ACK: SYN_ACK_SENT
}

void TcpTracker::on_packet(const decode::PacketInfo& p, int side, int orig_side) {
    const std::uint8_t f = p.tcp_flags;
    flags_seen_[static_cast<std::size_t>(side)] |= f;
    const bool is_orig = side == orig_side;
    const int peer_side = side ^ 1;
    const State me = state(side);
    const State peer = state(peer_side);
    const bool syn = (f & kSyn) != 0, fin = (f & kFin) != 0, rst = (f & kRst) != 0,
               ack = (f & kAck) != 0;
    // A RST's payload is not in the sequence space; SYN and FIN take one number each.
    const std::uint32_t seg_len = (rst ? 0 : p.payload_len) + (syn ? 1U : 0U) + (fin ? 1U : 0U);
    const std::uint32_t one_past = p.tcp_seq + seg_len;

    update_history(p, side, one_past);

    // update_last_seq; the first packet of a side sets its sequence base, as init_endpoint.
    if ((bits_ & (kSeqKnown << side)) == 0) {
        bits_ |= static_cast<std::uint8_t>(kSeqKnown << side);
        set_seq_end(side, syn ? one_past : p.tcp_seq + seg_len);
    } else {
        const std::int32_t d = seq_delta(one_past, seq_end(side));
        if ((syn || rst) && (d > kTooLargeSeqDelta || d < -kTooLargeSeqDelta)) {
            // Zeek does not trust far-off SYN/RST sequence numbers.
        } else if (me == State::Reset) {
            // Zeek's sequence stops at a reset; from then on the field remembers the last RST's
            // position instead, which is what a repeated 'R' is compared with.
            if (rst) set_seq_end(side, one_past);
        } else if (d > 0) {
            set_seq_end(side, one_past);
        } else if (p.payload_len > 0) {
            scaled_history('T', side, 0);
        }
    }
    // Zero window: not on RSTs, not once the peer closed or this side was reset.
    if (p.tcp_window == 0 && p.tcp_header_len != 0 && !rst && peer != State::Closed &&
        me != State::Reset) {
        scaled_history('W', side, 1);
    }

    bool do_close = false;
    switch (me) {
    case State::Inactive:
        if (syn) {
            if (is_orig) {
                set_state(side, ack ? State::SynAckSent : State::SynSent);
            } else {
                if (peer == State::SynSent) set_state(peer_side, State::Established);
                set_state(side, State::Established);
            }
        }
        if (fin) {
            set_state(side, State::Closed);
            do_close = true;
        }
        if (rst) {
            set_state(side, State::Reset);
            do_close = true;
        }
        if (!syn && !fin && !rst) {
            if (!is_orig && p.payload_len == 0 && state(orig_side) == State::SynSent) {
                // A bare ACK of the SYN before any SYN-ACK: stays inactive.
            } else if (ack && peer == State::Established) {
                set_state(side, State::Established); // the SYN was missed; SYN-ACK then ACK
            } else {
                set_state(side, State::Partial); // picked up mid-stream
            }
        }
        break;
    case State::SynSent:
    case State::SynAckSent:
        if (fin) {
            set_state(side, State::Closed);
            do_close = true;
        }
        if (rst) {
            set_state(side, State::Reset);
            do_close = true;
        }
        break;
    case State::Partial:
    case State::Established:
        if (syn && me == State::Partial && peer == State::Inactive && !ack) {
            set_state(side, State::SynSent);
        }
        if (fin && !rst) {
            set_state(side, State::Closed);
            if (peer == State::Reset && (bits_ & (kClosedBeforeReset << peer_side)) != 0) {
                set_state(peer_side, State::Closed); // the peer did FIN, then RST
            }
            do_close = true;
        }
        if (rst) {
            set_state(side, State::Reset);
            do_close = true;
        }
        break;
    case State::Closed:
        if (rst && peer != State::Closed) {
            bits_ |= static_cast<std::uint8_t>(kClosedBeforeReset << side);
            set_state(side, State::Reset);
            if (!did_close(side)) do_close = true;
        }
        break;
    case State::Reset:
        break;
    }
    if (do_close) close_side(side);
}

bool TcpTracker::is_reuse(const decode::PacketInfo& p, int orig_side) const {
    const std::uint8_t f = p.tcp_flags;
    if ((f & kSyn) == 0 || p.tcp_header_len < 20) return false;
    const int resp_side = orig_side ^ 1;
    int co = orig_side;
    if ((f & kAck) != 0) {
        if (state(orig_side) != State::Inactive) return false;
        co = resp_side;
    }
    if (did_close(orig_side) || did_close(resp_side)) return true;
    // A retransmitted SYN carries the side's initial sequence number. The initial number is not
    // kept, but it lies at or behind the side's sequence end, while a new connection's random
    // one almost never falls in the 1 MiB behind it (a 1-in-4096 chance).
    const bool known = (bits_ & (kSeqKnown << co)) != 0;
    if (known) {
        const std::int32_t d = seq_delta(p.tcp_seq + 1, seq_end(co));
        if (d <= 0 && d > -kTooLargeSeqDelta) return false;
    }
    if ((f & kAck) == 0 && state(co) == State::SynAckSent && state(resp_side) == State::Inactive) {
        return false; // the SYN that belongs to a SYN-ACK already seen
    }
    return known;
}

bool TcpTracker::reset() const { return state(0) == State::Reset || state(1) == State::Reset; }

bool TcpTracker::attempt(int orig_side) const {
    const State o = state(orig_side);
    return (o == State::SynSent || o == State::SynAckSent) &&
           state(orig_side ^ 1) == State::Inactive;
}

bool TcpTracker::in_handshake() const {
    const auto hs = [](State s) {
        return s == State::Inactive || s == State::SynSent || s == State::SynAckSent;
    };
    return hs(state(0)) && hs(state(1));
}

std::string TcpTracker::history(int orig_side) const {
    std::string out;
    for (int i = 0; i < kMaxEvents; ++i) {
        const unsigned code = read_event(history_, i);
        if (code == 0) break;
        const char letter = kLetters[code & 0x0fU];
        const int side = (code & 0x10U) != 0 ? 1 : 0;
        out += letter == '^' || side == orig_side
                   ? letter
                   : static_cast<char>(std::tolower(static_cast<unsigned char>(letter)));
    }
    return out;
}

ConnState TcpTracker::conn_state(int orig_side, bool tcp, std::uint64_t orig_bytes,
                                 std::uint64_t resp_bytes) const {
    const State os = state(orig_side);
    const State rs = state(orig_side ^ 1);
    if (!tcp) {
        const bool o = os != State::Inactive, r = rs != State::Inactive;
        if (o) return r ? ConnState::SF : ConnState::S0;
        return r ? ConnState::SHR : ConnState::OTH;
    }
    const bool o_inactive = os == State::Inactive || os == State::Partial;
    const bool r_inactive = rs == State::Inactive || rs == State::Partial;
    if (rs == State::Reset) {
        if (os == State::SynSent || os == State::SynAckSent ||
            (os == State::Reset && orig_bytes == 0 && resp_bytes == 0)) {
            return ConnState::REJ;
        }
        return o_inactive ? ConnState::RSTRH : ConnState::RSTR;
    }
    if (os == State::Reset) {
        if (r_inactive) {
            static const std::regex kAttempt("\\^?S[^HAFGIQ]*R.*");
            return std::regex_match(history(orig_side), kAttempt) ? ConnState::RSTOS0
                                                                  : ConnState::OTH;
        }
        return ConnState::RSTO;
    }
    if (rs == State::Closed && os == State::Closed) return ConnState::SF;
    if (os == State::Closed) return r_inactive ? ConnState::SH : ConnState::S2;
    if (rs == State::Closed) return o_inactive ? ConnState::SHR : ConnState::S3;
    if (os == State::SynSent && rs == State::Inactive) return ConnState::S0;
    if (os == State::Established && rs == State::Established) return ConnState::S1;
    return ConnState::OTH;
}

} // namespace pairwatch::flow
