// Zeek's TCP endpoint state machine and history letters, reduced to what conn.log shows.
// References are to zeek/zeek: src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc
// (UpdateStateMachine, update_history, update_last_seq) and base/protocols/conn/main.zeek
// (conn_state).
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
constexpr int kMaxEvents = 16;               // 80 bits of history_

int code_of(char letter) {
    for (int i = 1; kLetters[i] != '\0'; ++i) {
        if (kLetters[i] == letter) return i;
    }
    return 0;
}

// Zeek's TCP_Endpoint history bits, per direction.
enum HistBit : std::uint8_t {
    kHistSyn = 0x01,
    kHistFin = 0x02,
    kHistRst = 0x04,
    kHistData = 0x08,
    kHistAck = 0x10,
    kHistMulti = 0x20,
    kHistFinRst = 0x40,
};

bool seq_after(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) > 0; }

constexpr std::uint8_t kHistSeqStarted = 0x80; // not Zeek's: the side's first sequence is known

template <typename T, std::size_t N> T load_at(const std::array<std::uint8_t, N>& a, int i) {
    T v{};
    std::memcpy(&v, a.data() + static_cast<std::size_t>(i) * sizeof(T), sizeof(T));
    return v;
}
template <typename T, std::size_t N> void store_at(std::array<std::uint8_t, N>& a, int i, T v) {
    std::memcpy(a.data() + static_cast<std::size_t>(i) * sizeof(T), &v, sizeof(T));
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

void TcpTracker::record(char letter, int side) {
    // Find the first free 5-bit slot; a full history keeps its first 16 events.
    for (int i = 0; i < kMaxEvents; ++i) {
        const int bit = i * 5;
        const int byte = bit / 8, shift = bit % 8;
        unsigned v = history_[static_cast<std::size_t>(byte)];
        if (byte + 1 < 10) v |= static_cast<unsigned>(history_[static_cast<std::size_t>(byte + 1)]) << 8;
        if (((v >> shift) & 0x1fU) != 0) continue;
        const unsigned code = static_cast<unsigned>(code_of(letter)) | (side != 0 ? 0x10U : 0U);
        v |= code << shift;
        history_[static_cast<std::size_t>(byte)] = static_cast<std::uint8_t>(v);
        if (byte + 1 < 10) history_[static_cast<std::size_t>(byte + 1)] = static_cast<std::uint8_t>(v >> 8);
        return;
    }
}

void TcpTracker::mark_flip() { record('^', 0); }

bool TcpTracker::check_history(std::uint8_t bit, char letter, int side) {
    // Zeek's Connection::CheckHistory: the first time per direction adds the letter; returns
    // whether it had been seen before.
    std::uint8_t& seen = hist_seen_[static_cast<std::size_t>(side)];
    if ((seen & bit) == 0) {
        seen |= bit;
        record(letter, side);
        return false;
    }
    return true;
}

void TcpTracker::set_state(int side, TcpEndpointState s) {
    const int shift = side * 4;
    state_ = static_cast<std::uint8_t>((state_ & ~(0x0f << shift)) |
                                       (static_cast<int>(s) << shift));
}

void TcpTracker::scaled_history(char letter, int side, int which) {
    // Zeek's ScaledHistoryEntry: the letter at the 1st, 10th, 100th... occurrence. Counts
    // saturate (65535 retransmissions, 255 zero windows): later thresholds are not reached.
    std::uint32_t count = 0;
    if (which == 0) {
        count = load_at<std::uint16_t>(rexmit_, side);
        if (count == UINT16_MAX) return;
        store_at<std::uint16_t>(rexmit_, side, static_cast<std::uint16_t>(++count));
    } else {
        count = zero_win_[static_cast<std::size_t>(side)];
        if (count == UINT8_MAX) return;
        zero_win_[static_cast<std::size_t>(side)] = static_cast<std::uint8_t>(++count);
    }
    for (std::uint32_t threshold = 1; threshold <= count; threshold *= 10) {
        if (threshold == count) {
            record(letter, side);
            return;
        }
    }
}

void TcpTracker::update_history(const decode::PacketInfo& p, int side) {
    const std::uint8_t f = p.tcp_flags;
    const int bits_set = ((f & kSyn) != 0) + ((f & kFin) != 0) + ((f & kRst) != 0);
    if (bits_set > 1) {
        if ((f & kFin) != 0 && (f & kRst) != 0) check_history(kHistFinRst, 'I', side);
        else check_history(kHistMulti, 'Q', side);
    } else if (bits_set == 1) {
        if ((f & kSyn) != 0) check_history(kHistSyn, (f & kAck) != 0 ? 'H' : 'S', side);
        if ((f & kFin) != 0) check_history(kHistFin, 'F', side);
        if ((f & kRst) != 0) check_history(kHistRst, 'R', side);
    } else if (p.payload_len > 0) {
        check_history(kHistData, 'D', side);
    } else if ((f & kAck) != 0) {
        check_history(kHistAck, 'A', side);
    }
}

void TcpTracker::on_udp_packet(const decode::PacketInfo& p, int side) {
    // Zeek's UDP analyzer: 'D'/'d' for the first payload-carrying packet each way.
    if (p.payload_len > 0) check_history(kHistData, 'D', side);
    set_state(side, State::Established); // Zeek's UDP_ACTIVE
}

void TcpTracker::on_packet(const decode::PacketInfo& p, int side, int orig_side) {
    const std::uint8_t f = p.tcp_flags;
    flags_seen_[static_cast<std::size_t>(side)] |= f;
    const bool is_orig = side == orig_side;
    const int peer_side = side ^ 1;
    const State me = state(side);
    const State peer = state(peer_side);
    const std::uint32_t seq_end = p.tcp_seq + p.payload_len + ((f & (kSyn | kFin)) != 0 ? 1 : 0);

    // update_last_seq: a payload segment that does not advance the sender's highest sequence
    // number is a retransmission.
    std::uint8_t& seen = hist_seen_[static_cast<std::size_t>(side)];
    if ((seen & kHistSeqStarted) == 0) {
        seen |= kHistSeqStarted;
        store_at<std::uint32_t>(seq_end_, side, seq_end);
    } else if (seq_after(seq_end, load_at<std::uint32_t>(seq_end_, side))) {
        if (me != State::Reset) store_at<std::uint32_t>(seq_end_, side, seq_end);
    } else if (p.payload_len > 0 && (f & (kSyn | kRst)) == 0) {
        scaled_history('T', side, 0);
    }

    switch (me) {
    case State::Inactive:
        if ((f & kSyn) != 0) {
            if (is_orig) {
                set_state(side, (f & kAck) != 0 ? State::SynAckSent : State::SynSent);
            } else {
                if (peer == State::SynSent) set_state(peer_side, State::Established);
                set_state(side, State::Established);
            }
        }
        if ((f & kRst) != 0) {
            set_state(side, State::Reset);
        } else if ((f & kFin) != 0) {
            set_state(side, State::Closed);
        } else if ((f & kSyn) == 0) {
            set_state(side, State::Partial);
        }
        break;
    case State::SynSent:
    case State::SynAckSent:
        if ((f & kFin) != 0) set_state(side, State::Closed);
        if ((f & kRst) != 0) {
            set_state(side, State::Reset);
        } else if ((f & (kAck | kSyn | kFin)) == kAck && peer == State::Established) {
            set_state(side, State::Established);
        }
        break;
    case State::Partial:
    case State::Established:
        if ((f & kRst) != 0) set_state(side, State::Reset);
        else if ((f & kFin) != 0) set_state(side, State::Closed);
        break;
    case State::Closed:
        if ((f & kRst) != 0) set_state(side, State::Reset);
        break;
    case State::Reset:
        break;
    }

    update_history(p, side);
    const State now = state(side);
    if (p.tcp_window == 0 && (f & (kSyn | kFin | kRst)) == 0 && p.tcp_header_len != 0 &&
        now != State::Closed && now != State::Reset) {
        scaled_history('W', side, 1);
    }
}

bool TcpTracker::closed() const {
    const State a = state(0), b = state(1);
    return a == State::Reset || b == State::Reset || (a == State::Closed && b == State::Closed);
}

bool TcpTracker::reset() const { return state(0) == State::Reset || state(1) == State::Reset; }

std::string TcpTracker::history(int orig_side) const {
    std::string out;
    for (int i = 0; i < kMaxEvents; ++i) {
        const int bit = i * 5;
        const int byte = bit / 8, shift = bit % 8;
        unsigned v = history_[static_cast<std::size_t>(byte)];
        if (byte + 1 < 10) v |= static_cast<unsigned>(history_[static_cast<std::size_t>(byte + 1)]) << 8;
        const unsigned code = (v >> shift) & 0x1fU;
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
        // UDP: "active" is a side that sent anything.
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
            static const std::regex kAttempt("^\\^?S[^HAFGIQ]*R.*");
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
