// Frames held in memory: for tests and fuzzing, no files involved.
#pragma once

#include "pairwatch/capture/packet_source.h"

#include <atomic>
#include <cstddef>
#include <vector>

namespace pairwatch::capture {

struct MemoryFrame {
    std::int64_t ts_ns = 0;
    std::vector<std::byte> bytes;
    std::uint32_t wire_len = 0; // 0: same as bytes.size()
};

class MemorySource final : public PacketSource {
public:
    MemorySource(int dlt, std::vector<MemoryFrame> frames, int ts_decimals = 6);

    ReadStatus next(RawFrame& frame) override;
    [[nodiscard]] const SourceInfo& info() const override { return info_; }
    /// As a file's: the frames after it are not read.
    void interrupt() override { stop_.store(true); }

private:
    SourceInfo info_;
    std::vector<MemoryFrame> frames_;
    std::size_t next_ = 0;
    std::atomic<bool> stop_{false};
};

} // namespace pairwatch::capture
