// A Decoder that checks, after every frame, what PacketInfo and DecodeStats promise whatever the
// bytes: shared by the fuzz targets. A broken promise traps (fuzz_check.h).
#pragma once

#include "fuzz_check.h"
#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/report/packet_printer.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <span>

namespace pairwatch::fuzz {

/// Only invariants the decoder guarantees by construction (decoder.cpp, ip.cpp, transport.cpp,
/// tunnel_inl.h): a failed check is a decoder bug, not a strange packet.
inline void check_packet(const decode::PacketInfo& p, const capture::RawFrame& f) {
    using decode::Outcome;
    PW_FUZZ_CHECK(p.ts_ns == f.ts_ns && p.frame_no == f.frame_no && p.wire_len == f.wire_len);
    PW_FUZZ_CHECK(p.cap_len == f.bytes.size());
    PW_FUZZ_CHECK(p.outcome < Outcome::kCount);
    const bool failed = p.outcome == Outcome::Truncated || p.outcome == Outcome::Malformed;
    // The error is set exactly when the frame failed.
    PW_FUZZ_CHECK(failed == (p.error != decode::DecodeError::kCount));
    // Truncated only for a truncation reason, and only when the capture is short of the wire.
    if (p.outcome == Outcome::Truncated) {
        PW_FUZZ_CHECK(decode::is_truncation(p.error) && p.snap_cut && p.wire_len > p.cap_len);
    }
    PW_FUZZ_CHECK(p.ip_version == 0 || p.ip_version == 4 || p.ip_version == 6);
    PW_FUZZ_CHECK(p.vlan_count <= p.vlan.size());
    PW_FUZZ_CHECK((p.tunnel_depth > 0) == (p.outer_tunnel != decode::TunnelKind::None));
    PW_FUZZ_CHECK(p.tunnel_depth <= decode::kMaxLayers);
    PW_FUZZ_CHECK(!p.non_first_fragment || p.fragment);
    PW_FUZZ_CHECK(!p.fragment || p.ip_version != 0);
    if (!p.has_ports()) return;

    // A socket pair comes from TCP or UDP over IP, and the datagram fits in the frame.
    PW_FUZZ_CHECK(p.ip_version != 0);
    PW_FUZZ_CHECK(p.outcome != Outcome::Tcp || p.ip_proto == decode::kIpProtoTcp);
    PW_FUZZ_CHECK(p.outcome != Outcome::Udp || p.ip_proto == decode::kIpProtoUdp);
    const std::uint64_t ip_len = p.ip_len;
    const std::uint64_t payload = p.payload_len;
    // Within a fragment, a tunnel's inner length may run on into the later fragments.
    PW_FUZZ_CHECK(p.fragment || ip_len <= std::max(p.wire_len, p.cap_len));
    if (p.non_first_fragment) {
        // Version and ports are the first fragment's (maybe an inner header's); the lengths are
        // this fragment's datagram, IPv4 or IPv6.
        PW_FUZZ_CHECK(ip_len >= 20 && payload <= ip_len - 20);
    } else {
        const std::uint64_t ip_header = p.ip_version == 4 ? 20 : 40;
        PW_FUZZ_CHECK(ip_len >= ip_header);
        if (p.outcome == Outcome::Tcp) {
            PW_FUZZ_CHECK(p.tcp_header_len == 0 || (p.tcp_header_len >= 20 &&
                                                    p.tcp_header_len <= 60 &&
                                                    p.tcp_header_len % 4 == 0));
            // No data offset only when the capture cut the header; it then counts as 20 bytes.
            PW_FUZZ_CHECK(p.tcp_header_len != 0 || p.snap_cut);
            PW_FUZZ_CHECK(p.tcp_flags_known || p.snap_cut);
            // The segment holds at least a minimal header, even in a first fragment (RFC 1858),
            // which may end inside a longer one.
            const std::uint64_t header =
                p.fragment ? 20 : std::max<std::uint64_t>(p.tcp_header_len, 20);
            PW_FUZZ_CHECK(payload + header <= ip_len - ip_header);
        } else {
            // The datagram holds at least the 8-byte UDP header.
            PW_FUZZ_CHECK(payload + 8 <= ip_len - ip_header);
        }
    }
    // What --packets prints for it.
    PW_FUZZ_CHECK(!report::format_packet_line(p, 9).empty());
}

/// Decodes through one Decoder and checks the frame, then the counters against the frames.
class CheckedDecoder {
public:
    CheckedDecoder(int dlt, decode::DecoderOptions options) : decoder_(dlt, options) {}

    /// The frame's PacketInfo, checked, for a consumer further along (the flow table).
    decode::PacketInfo decode(const capture::RawFrame& frame) {
        decode::PacketInfo info;
        decoder_.decode(frame, info);
        ++frames_;
        check_packet(info, frame);
        if (info.has_ports() && info.fragment) {
            ++(info.non_first_fragment ? later_fragments_with_ports_
                                       : first_fragments_with_ports_);
        }
        check_stats();
        return info;
    }

    [[nodiscard]] const decode::Decoder& decoder() const { return decoder_; }

private:
    static std::uint64_t sum(std::span<const std::uint64_t> v) {
        return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
    }

    void check_stats() const {
        using decode::Outcome;
        const decode::DecodeStats& s = decoder_.stats();
        PW_FUZZ_CHECK(s.frames == frames_);
        PW_FUZZ_CHECK(s.adds_up());
        PW_FUZZ_CHECK(sum(s.errors) ==
                      s.outcome(Outcome::Truncated) + s.outcome(Outcome::Malformed));
        PW_FUZZ_CHECK(s.snap_cut >= s.outcome(Outcome::Truncated) && s.snap_cut <= frames_);
        PW_FUZZ_CHECK(s.ipv4 + s.ipv6 <= frames_ && s.fragments <= frames_ &&
                      s.vlan_tagged <= frames_);
        PW_FUZZ_CHECK(sum(s.tunnels) == s.tunnelled && s.tunnels[0] == 0);
        PW_FUZZ_CHECK(sum(s.tunnel_errors) <= s.tunnel_not_opened);
        const decode::FragmentTableStats& fs = decoder_.fragment_stats();
        // A later fragment gets ports only from a first fragment found in the table; a first
        // fragment that got ports is remembered (nested fragments: more than once a frame).
        PW_FUZZ_CHECK(fs.matched == later_fragments_with_ports_);
        PW_FUZZ_CHECK(fs.inserted >= first_fragments_with_ports_);
        PW_FUZZ_CHECK(fs.unmatched >= s.outcome(Outcome::UnmatchedFragment));
    }

    decode::Decoder decoder_;
    std::uint64_t frames_ = 0;
    std::uint64_t first_fragments_with_ports_ = 0;
    std::uint64_t later_fragments_with_ports_ = 0;
};

} // namespace pairwatch::fuzz
