#include "pcap_records.h"

#include "pairwatch/util/saturating.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace pairwatch::capture {

namespace {

constexpr std::size_t kRecordHeaderBytes = 16;
// One pread() per this much of the file: large enough that the call costs nothing per packet,
// small enough to stay in the L2 cache while its records are copied out.
constexpr std::size_t kReadBlock = 256 * 1024;

} // namespace

std::uint32_t libpcap_max_caplen(int linktype) {
    // libpcap 1.10's max_snaplen_for_dlt(): a few link types carry records larger than the
    // usual bound (a test checks this against libpcap's own snapshot for every link type).
    switch (linktype) {
    case DLT_DBUS: return 128 * 1024 * 1024;
    case DLT_EBHSCR: return 8 * 1024 * 1024;
    case DLT_USBPCAP: return 1024 * 1024;
    default: return 262144;
    }
}

std::optional<PcapRecordLayout> direct_record_layout(pcap_t* handle, bool nanosecond) {
    // Before 2.4 the two lengths may be swapped; libpcap guesses, this does not.
    if (pcap_major_version(handle) != 2 || pcap_minor_version(handle) < 4) return std::nullopt;
    const bool swapped = pcap_is_swapped(handle) != 0;
    // In a file of the other byte order libpcap also swaps NFLOG's own TLV headers.
    if (swapped && pcap_datalink(handle) == DLT_NFLOG) return std::nullopt;
    PcapRecordLayout layout;
    layout.swapped = swapped;
    layout.nanosecond = nanosecond;
    layout.snapshot = static_cast<std::uint32_t>(pcap_snapshot(handle));
    layout.max_caplen = libpcap_max_caplen(pcap_datalink(handle));
    return layout;
}

PcapRecordReader::PcapRecordReader(int fd, std::uint64_t offset, PcapRecordLayout layout)
    : fd_(fd), file_offset_(offset), layout_(layout), buffer_(kReadBlock) {}

std::uint32_t PcapRecordReader::load32(std::size_t at) const {
    std::uint32_t v = 0;
    std::memcpy(&v, buffer_.data() + begin_ + at, sizeof v);
    return layout_.swapped ? __builtin_bswap32(v) : v;
}

bool PcapRecordReader::refill(std::size_t n) {
    if (read_errno_ != 0) return false;
    // The few bytes of a record cut by the block's end move to the front; a record longer
    // than a block (at most max_caplen) grows the buffer once.
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (buffer_.size() < n) buffer_.resize(std::max(n, kReadBlock));
    while (end_ < n) {
        const ssize_t got = ::pread(fd_, buffer_.data() + end_, buffer_.size() - end_,
                                    static_cast<off_t>(file_offset_));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) read_errno_ = errno;
        if (got <= 0) return false;
        end_ += static_cast<std::size_t>(got);
        file_offset_ += static_cast<std::uint64_t>(got);
    }
    return true;
}

PcapRecordReader::Status PcapRecordReader::fail(std::string message) {
    error_ = std::move(message);
    return Status::Error;
}

PcapRecordReader::Status PcapRecordReader::next(PcapRecord& record) {
    const auto read_error = [this] {
        return fail(fmt::format("error reading dump file: {}", std::strerror(read_errno_)));
    };
    if (!ensure(kRecordHeaderBytes)) {
        if (read_errno_ != 0) return read_error();
        if (end_ == begin_) return Status::End;
        return fail(fmt::format("truncated dump file; tried to read {} header bytes, only got {}",
                                kRecordHeaderBytes, end_ - begin_));
    }
    // libpcap 1.10 reads both halves of the stamp as signed 32-bit values in a file of this
    // machine's byte order, yet as unsigned ones in a swapped file (its SWAPLONG yields an
    // unsigned value): a stamp past 2038, or a fraction with the top bit set, differs by that.
    const std::int64_t seconds = stamp_half(load32(0));
    const std::int64_t fraction = stamp_half(load32(4));
    const std::uint32_t caplen = load32(8);
    const std::uint32_t wire_len = load32(12);
    begin_ += kRecordHeaderBytes;

    const std::uint32_t snapshot = layout_.snapshot;
    if (caplen > layout_.max_caplen) {
        if (caplen > snapshot) {
            return fail(fmt::format(
                "invalid packet capture length {}, bigger than snaplen of {}", caplen, snapshot));
        }
        return fail(fmt::format("invalid packet capture length {}, bigger than maximum of {}",
                                caplen, layout_.max_caplen));
    }
    if (!ensure(caplen)) {
        if (read_errno_ != 0) return read_error();
        const std::size_t got = end_ - begin_;
        // A record longer than the snapshot: libpcap names the snapshot while that much is
        // missing, and the record's whole length after.
        const std::uint32_t tried = caplen > snapshot && got < snapshot ? snapshot : caplen;
        return fail(fmt::format("truncated dump file; tried to read {} captured bytes, only got {}",
                                tried, got));
    }
    record.ts_ns = util::timestamp_ns(seconds, fraction, layout_.nanosecond ? 1 : 1000);
    record.wire_len = wire_len;
    record.bytes = std::span<const std::byte>(buffer_.data() + begin_, std::min(caplen, snapshot));
    begin_ += caplen;
    return Status::Record;
}

} // namespace pairwatch::capture
