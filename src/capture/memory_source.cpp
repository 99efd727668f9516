#include "pairwatch/capture/memory_source.h"

namespace pairwatch::capture {

MemorySource::MemorySource(int dlt, std::vector<MemoryFrame> frames, int ts_decimals)
    : frames_(std::move(frames)) {
    info_.name = "memory";
    info_.dlt = dlt;
    info_.ts_decimals = ts_decimals;
}

ReadStatus MemorySource::next(RawFrame& frame) {
    if (next_ >= frames_.size() || stop_.load(std::memory_order_relaxed)) return ReadStatus::End;
    const MemoryFrame& f = frames_[next_++];
    frame.ts_ns = f.ts_ns;
    frame.frame_no = next_;
    frame.bytes = f.bytes;
    const auto captured = static_cast<std::uint32_t>(f.bytes.size());
    frame.wire_len = f.wire_len == 0 ? captured : f.wire_len;
    return ReadStatus::Frame;
}

} // namespace pairwatch::capture
