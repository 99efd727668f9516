// Frames copied out of libpcap's buffer into one arena, so the capture thread can hand many
// frames to the decoding thread in one queue operation.
#pragma once

#include "pairwatch/capture/raw_frame.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace pairwatch::capture {

class FrameBatch {
public:
    static constexpr std::size_t kMaxFrames = 512;
    static constexpr std::size_t kArenaBytes = 512 * 1024;

    FrameBatch() {
        arena_.reserve(kArenaBytes);
        frames_.reserve(kMaxFrames);
    }

    /// False when the batch has no room left; an empty batch takes any frame.
    bool add(const RawFrame& frame) {
        const std::size_t n = frame.bytes.size();
        if (!frames_.empty() && (frames_.size() == kMaxFrames || arena_.size() + n > kArenaBytes)) {
            return false;
        }
        const std::size_t offset = arena_.size();
        arena_.resize(offset + n);
        if (n > 0) std::memcpy(arena_.data() + offset, frame.bytes.data(), n);
        frames_.push_back(Slot{frame.ts_ns, frame.frame_no, frame.wire_len, offset, n});
        return true;
    }

    [[nodiscard]] std::size_t size() const { return frames_.size(); }
    [[nodiscard]] bool empty() const { return frames_.empty(); }

    [[nodiscard]] RawFrame operator[](std::size_t i) const {
        const Slot& s = frames_[i];
        return RawFrame{s.ts_ns, s.frame_no, s.wire_len,
                        std::span<const std::byte>(arena_.data() + s.offset, s.length)};
    }

    /// The capture's clock when the batch was sent, for the consumers' on_clock: set on a
    /// quiet live link and while a paced replay waits; 0 when the frames alone tell the time.
    void set_clock(std::int64_t now_ns) { clock_ns_ = now_ns; }
    [[nodiscard]] std::int64_t clock_ns() const { return clock_ns_; }

    void clear() {
        arena_.clear();
        frames_.clear();
        clock_ns_ = 0;
    }

private:
    struct Slot {
        std::int64_t ts_ns;
        std::uint64_t frame_no;
        std::uint32_t wire_len;
        std::size_t offset;
        std::size_t length;
    };
    std::vector<std::byte> arena_;
    std::vector<Slot> frames_;
    std::int64_t clock_ns_ = 0;
};

} // namespace pairwatch::capture
