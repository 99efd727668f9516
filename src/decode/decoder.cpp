// The decoder's entry: picks the link-layer decoder from a table keyed by DLT.
#include "pairwatch/decode/decoder.h"
#include "pairwatch/decode/link_type.h"

#include "layers.h"

#include <pcap/pcap.h>

#include <array>
#include <fmt/format.h>

namespace pairwatch::decode {

namespace {

using LinkDecoder = void (*)(ByteReader, DecodeContext&);

struct LinkEntry {
    int dlt;
    LinkDecoder decode;
};

// DLT_RAW starts at an IP header of either version, DLT_IPV4/DLT_IPV6 at one of that version
// only; DLT_LINUX_SLL2 is what recent libpcap gives for `-i any` when asked; DLT_PPP_SERIAL is
// PPP in HDLC-like framing, or Cisco HDLC (the link type's definition allows both).
constexpr std::array kLinkTable = {
    LinkEntry{DLT_EN10MB, decode_ethernet},
    LinkEntry{DLT_LINUX_SLL, decode_linux_sll},
    LinkEntry{DLT_LINUX_SLL2, decode_linux_sll2},
    LinkEntry{DLT_RAW, decode_raw_ip},
    LinkEntry{DLT_IPV4, decode_ipv4},
    LinkEntry{DLT_IPV6, decode_ipv6},
    LinkEntry{DLT_NULL, decode_bsd_null},
    LinkEntry{DLT_LOOP, decode_bsd_loop},
    LinkEntry{DLT_PPP, decode_ppp},
    LinkEntry{DLT_PPP_SERIAL, decode_ppp_serial},
    LinkEntry{DLT_NFLOG, decode_nflog},
};

LinkDecoder find_link_decoder(int dlt) {
    for (const auto& e : kLinkTable) {
        if (e.dlt == dlt) return e.decode;
    }
    return nullptr;
}

} // namespace

bool link_type_supported(int dlt) { return find_link_decoder(dlt) != nullptr; }

std::string link_type_name(int dlt) {
    const char* name = pcap_datalink_val_to_name(dlt);
    const char* description = pcap_datalink_val_to_description(dlt);
    if (name == nullptr) return fmt::format("DLT {}", dlt);
    if (description == nullptr) return name;
    return fmt::format("{} ({})", name, description);
}

std::string supported_link_types() {
    std::string out;
    for (const auto& e : kLinkTable) {
        if (!out.empty()) out += ", ";
        const char* name = pcap_datalink_val_to_name(e.dlt);
        out += name != nullptr ? name : fmt::format("DLT {}", e.dlt);
    }
    return out;
}

bool DecodeContext::limit_to(ByteReader& r, std::size_t length) {
    if (length <= r.remaining()) {
        r.truncate_to(length);
        missing = 0;
        return true;
    }
    if (length - r.remaining() > missing) return false;
    missing = static_cast<std::uint32_t>(length - r.remaining());
    return true;
}

void DecodeContext::mark_ip_header(const ByteReader& r) {
    if (frame_begin == nullptr) return;
    info.ip_offset = static_cast<std::uint32_t>(r.rest().data() - frame_begin);
}

bool DecodeContext::enter_layer() {
    if (++layers <= kMaxLayers) return true;
    fail(DecodeError::TooManyLayers);
    return false;
}

void DecodeContext::fail(DecodeError e) {
    info.error = e;
    info.outcome = Outcome::Malformed;
    if (is_truncation(e) && missing > 0) {
        info.outcome = Outcome::Truncated;
        info.snap_cut = true;
    }
}

Decoder::Decoder(int dlt, DecoderOptions options)
    : dlt_(dlt),
      fragments_(options.fragment_buckets, options.fragment_timeout_ns, options.seed) {}

void Decoder::decode(const capture::RawFrame& frame, PacketInfo& out) {
    // Copied from a constant, not `out = PacketInfo{}`: GCC builds that temporary on the stack
    // with rep stos and reads it back before the stores land (a store-forwarding stall per
    // 16 bytes), which was most of this function's time in the benchmark's profile.
    static const PacketInfo kFresh{};
    out = kFresh;
    out.ts_ns = frame.ts_ns;
    out.frame_no = frame.frame_no;
    out.wire_len = frame.wire_len;
    out.cap_len = static_cast<std::uint32_t>(frame.bytes.size());
    out.frame = frame.bytes;
    DecodeContext ctx{out, fragments_, frame.bytes.data()};
    ctx.missing = frame.wire_len > out.cap_len ? frame.wire_len - out.cap_len : 0;
    if (LinkDecoder link = find_link_decoder(dlt_)) {
        if (ctx.enter_layer()) link(ByteReader(frame.bytes), ctx);
    } else {
        out.outcome = Outcome::NonIp;
    }
    stats_.record(out);
}

} // namespace pairwatch::decode
