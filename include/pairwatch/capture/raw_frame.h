// One captured frame as libpcap hands it over: timestamp, lengths and the captured bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pairwatch::capture {

struct RawFrame {
    std::int64_t ts_ns = 0;
    std::uint64_t frame_no = 0; // 1-based, in the order the source delivered frames
    std::uint32_t wire_len = 0; // length on the wire; >= bytes.size()
    std::span<const std::byte> bytes; // the captured bytes (caplen of them)
};

} // namespace pairwatch::capture
