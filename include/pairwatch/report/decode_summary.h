// The decode counters as text: after --packets, and in the final summary.
#pragma once

#include "pairwatch/capture/packet_source.h"
#include "pairwatch/decode/decode_stats.h"
#include "pairwatch/decode/fragment_table.h"

#include <optional>
#include <string>

namespace pairwatch::report {

/// Every outcome with its count (they add up to the frames read), then the layers seen, then
/// each truncation or malformation reason that occurred, by name.
[[nodiscard]] std::string format_decode_counters(const decode::DecodeStats& stats,
                                                 const decode::FragmentTableStats& fragments);

/// Kernel and interface drops of a live capture, one line.
[[nodiscard]] std::string format_capture_counters(const capture::CaptureCounters& counters);

} // namespace pairwatch::report
