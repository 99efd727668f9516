// Reads just enough of a capture file's start to know its timestamp resolution, which libpcap
// does not report, and gives libpcap a FILE* that still starts at byte 0.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <span>
#include <vector>

namespace pairwatch::capture {

enum class FileKind { Pcap, PcapNg, Unknown };

struct FileFormat {
    FileKind kind = FileKind::Unknown;
    int ts_decimals = 6;
};

/// Looks at the bytes read by read_capture_head().
[[nodiscard]] FileFormat sniff_capture_head(std::span<const std::byte> head);

/// Reads the file header (pcap) or the section header and first block (pcapng) from `fd`,
/// never more, so a pipe fed by a live capture does not block waiting for packets.
[[nodiscard]] std::vector<std::byte> read_capture_head(int fd);

/// A FILE* that yields `prefix` and then the rest of `fd`: libpcap sees the whole stream.
/// Closing the FILE closes fd when `owns_fd` (a named FIFO), and leaves it open otherwise
/// (standard input). A read interrupted by a signal gives up
/// once `*stop` is set (the capture thread is woken that way), and retries otherwise.
[[nodiscard]] std::FILE* open_with_prefix(int fd, std::vector<std::byte> prefix,
                                          const std::atomic<bool>* stop, bool owns_fd);

} // namespace pairwatch::capture
