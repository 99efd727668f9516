// fuzz_decode_frame: a link type and a few frames through one Decoder, checking after each frame
// what PacketInfo and DecodeStats promise.
//
// Built once per link type family too (fuzz_link_ethernet, fuzz_link_null, ...: see
// CMakeLists.txt): PW_FUZZ_LINK_TYPES then lists the DLTs that build decodes, so the fuzzer
// spends its time in one link layer and what lies behind it instead of spreading it over all.
//
// Input:  DLT (2 bytes, big-endian; a value not in kLinkTypes picks kLinkTypes[value % size]),
//         then frame 0's bytes, then for each further frame "PWFR", two control bytes and
//         its bytes. Frame 0 is captured whole; a control byte pair gives the others:
//           c0: bytes on the wire past the capture (snaplen cut): c0 & 0x3f, shifted left by
//               0, 8 or 16 for c0 >> 6 = 0, 1, 2; with 3, the wire length is
//               UINT32_MAX - (c0 & 0x3f)
//           c1: signed step of the timestamp in quarter seconds (the fragment timeout is 30 s);
//               0x80 jumps to the far end of int64 instead (any ts_ns is reachable: a pcapng
//               if_tsresol of 1 s gives ±9.2e9 s)
// A seed is thus "DLT + one frame"; the fuzzer learns the separator from the comparison.
#include "checked_decoder.h"
#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/decode/link_type.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace {

using namespace pairwatch;

#ifdef PW_FUZZ_LINK_TYPES
constexpr std::array kLinkTypes = {PW_FUZZ_LINK_TYPES};
#else
// The decoder's link table (decoder.cpp), in its order.
constexpr std::array<int, 11> kLinkTypes = {
    DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6,
    DLT_NULL,   DLT_LOOP,      DLT_PPP,        DLT_PPP_SERIAL, DLT_NFLOG,
};
#endif
constexpr std::array<std::uint8_t, 4> kSeparator = {'P', 'W', 'F', 'R'};
constexpr std::size_t kMaxFrames = 16;
constexpr std::int64_t kStartNs = 1'700'000'000'000'000'000;
constexpr std::int64_t kStepNs = 250'000'000;

struct Frame {
    std::span<const std::uint8_t> bytes;
    std::uint8_t wire_control = 0;
    std::uint8_t time_control = 0;
};

std::size_t split(std::span<const std::uint8_t> rest, std::array<Frame, kMaxFrames>& frames) {
    std::size_t n = 0;
    for (;;) {
        Frame& f = frames[n++];
        const auto at = n < kMaxFrames ? std::search(rest.begin(), rest.end(), kSeparator.begin(),
                                                     kSeparator.end())
                                       : rest.end();
        f.bytes = rest.first(static_cast<std::size_t>(at - rest.begin()));
        if (at == rest.end()) return n;
        rest = rest.subspan(f.bytes.size() + kSeparator.size());
        Frame& next = frames[n];
        if (!rest.empty()) next.wire_control = rest[0];
        if (rest.size() > 1) next.time_control = rest[1];
        rest = rest.subspan(std::min<std::size_t>(rest.size(), 2));
    }
}

std::uint32_t wire_length(std::size_t cap_len, std::uint8_t control) {
    const std::uint64_t n = control & 0x3fU;
    const unsigned mode = control >> 6;
    if (mode == 3) return static_cast<std::uint32_t>(UINT32_MAX - n);
    const std::uint64_t wire = cap_len + (n << (8 * mode));
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(wire, UINT32_MAX));
}

std::int64_t next_timestamp(std::int64_t ts, std::uint8_t control) {
    if (control == 0x80) return ts < 0 ? INT64_MAX : INT64_MIN;
    std::int64_t next = 0;
    if (__builtin_add_overflow(ts, static_cast<std::int8_t>(control) * kStepNs, &next)) return ts;
    return next;
}

int pick_link_type(std::uint16_t value) {
    if (std::find(kLinkTypes.begin(), kLinkTypes.end(), value) != kLinkTypes.end()) return value;
    return kLinkTypes[value % kLinkTypes.size()];
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool table_ok =
        std::all_of(kLinkTypes.begin(), kLinkTypes.end(), decode::link_type_supported);
    PW_FUZZ_CHECK(table_ok); // the decoder dropped a link type: update kLinkTypes (and CMake)
    if (size < 2) return 0;
    const int dlt = pick_link_type(static_cast<std::uint16_t>(data[0] << 8 | data[1]));

    std::array<Frame, kMaxFrames> frames{};
    const std::size_t count = split(std::span(data + 2, size - 2), frames);

    // A small fragment table, so a few frames reach eviction and expiry.
    fuzz::CheckedDecoder decoder(dlt, decode::DecoderOptions{.fragment_buckets = 2});
    std::int64_t ts = kStartNs;
    for (std::size_t i = 0; i < count; ++i) {
        const Frame& f = frames[i];
        // Each frame in its own exact-size allocation, so ASan sees a read past its end.
        const std::size_t n = f.bytes.size();
        auto copy = std::make_unique<std::byte[]>(std::max<std::size_t>(n, 1));
        if (n > 0) std::memcpy(copy.get(), f.bytes.data(), n);
        ts = next_timestamp(ts, f.time_control);

        capture::RawFrame raw;
        raw.ts_ns = ts;
        raw.frame_no = i + 1;
        raw.bytes = std::span<const std::byte>(copy.get(), n);
        raw.wire_len = i == 0 ? static_cast<std::uint32_t>(n) : wire_length(n, f.wire_control);
        decoder.decode(raw);
    }
    return 0;
}
