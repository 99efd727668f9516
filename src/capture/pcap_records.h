// The records of a classic pcap file, read in large blocks instead of through libpcap's two
// fread() calls per packet (stdio's per-call cost was four fifths of the read floor's
// instructions). libpcap still opens the file: it checks the header, maps the link type and
// compiles filters; this reads only what follows the header, and gives what libpcap gives:
// the same frames, the same cut at the snapshot length, the same error texts.
#pragma once

#include <pcap/pcap.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pairwatch::capture {

/// How a file's records are laid out, from its header.
struct PcapRecordLayout {
    bool swapped = false;     // written in the other byte order
    bool nanosecond = false;  // stamps in nanoseconds, not microseconds
    std::uint32_t snapshot = 0; // libpcap's snapshot length: longer records are cut to it
    /// Longer records are damage, not data (libpcap's bound for the link type).
    std::uint32_t max_caplen = 262144;
};

/// The longest record libpcap accepts in a file of `linktype` (a DLT_ value).
[[nodiscard]] std::uint32_t libpcap_max_caplen(int linktype);

/// The layout of a classic pcap file whose header libpcap has read, when reading its records
/// here gives exactly what libpcap gives; nullopt when libpcap must go on reading them.
/// `nanosecond`: the file's magic says nanosecond stamps.
[[nodiscard]] std::optional<PcapRecordLayout> direct_record_layout(pcap_t* handle, bool nanosecond);

/// One record: its bytes stay valid until the next call to next().
struct PcapRecord {
    std::int64_t ts_ns = 0;
    std::uint32_t wire_len = 0;
    std::span<const std::byte> bytes;
};

class PcapRecordReader {
public:
    /// Reads `fd` from `offset` (just past the file header) with pread(), so the descriptor's
    /// own position and any FILE over it are left alone.
    PcapRecordReader(int fd, std::uint64_t offset, PcapRecordLayout layout);

    enum class Status { Record, End, Error };
    Status next(PcapRecord& record);
    /// After Error: libpcap's text for the same failure.
    [[nodiscard]] const std::string& error() const { return error_; }
    /// Bytes of the file consumed: the header and the records handed out.
    [[nodiscard]] std::uint64_t position() const { return file_offset_ - (end_ - begin_); }

private:
    /// Makes `n` bytes available at begin_; false when the file ends (or fails) first, with
    /// what there was still buffered.
    bool ensure(std::size_t n) { return end_ - begin_ >= n || refill(n); }
    bool refill(std::size_t n);
    std::uint32_t load32(std::size_t at) const;
    /// One half of a record's stamp as libpcap widens it (see next()).
    std::int64_t stamp_half(std::uint32_t half) const {
        return layout_.swapped ? std::int64_t{half} : std::int64_t{static_cast<std::int32_t>(half)};
    }
    Status fail(std::string message);

    int fd_;
    std::uint64_t file_offset_; // where the next read starts
    PcapRecordLayout layout_;
    std::vector<std::byte> buffer_;
    std::size_t begin_ = 0, end_ = 0; // unread bytes: [begin_, end_)
    int read_errno_ = 0;
    std::string error_;
};

} // namespace pairwatch::capture
