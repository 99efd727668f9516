// Where frames come from: a live interface, a capture file or standard input, or memory (tests).
#pragma once

#include "pairwatch/capture/raw_frame.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pairwatch::capture {

struct SourceInfo {
    std::string name;       // interface name, file path, or "-" for standard input
    bool live = false;
    int dlt = 0;            // libpcap's DLT_* value
    int ts_decimals = 6;    // 6 for microsecond sources, 9 for nanosecond ones
    std::uint64_t size_bytes = 0; // a regular file's size, for progress; 0 when unknown
};

/// What the kernel and the interface say about a live capture (pcap_stats).
struct CaptureCounters {
    std::uint64_t received = 0;
    std::uint64_t dropped_by_kernel = 0;
    std::uint64_t dropped_by_interface = 0;
};

enum class ReadStatus {
    Frame,   // `frame` holds the next frame
    Timeout, // live: nothing arrived within the read timeout; poll again
    End,     // end of file, or interrupted
};

class PacketSource {
public:
    virtual ~PacketSource() = default;
    PacketSource() = default;
    PacketSource(const PacketSource&) = delete;
    PacketSource& operator=(const PacketSource&) = delete;

    /// The frame's bytes stay valid until the next call.
    virtual ReadStatus next(RawFrame& frame) = 0;
    [[nodiscard]] virtual const SourceInfo& info() const = 0;
    /// Live sources only; refreshed on each call.
    [[nodiscard]] virtual std::optional<CaptureCounters> counters() { return std::nullopt; }
    /// Bytes of the file consumed so far, for a progress line; 0 when unknown.
    [[nodiscard]] virtual std::uint64_t position() const { return 0; }
    /// Set when reading stopped early (a file cut off mid-record): said once, at the end.
    [[nodiscard]] virtual std::optional<std::string> warning() const { return std::nullopt; }
    /// Makes a blocked next() return End soon; safe to call from another thread.
    virtual void interrupt() {}
};

} // namespace pairwatch::capture
