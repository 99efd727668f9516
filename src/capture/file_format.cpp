#include "file_format.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

namespace pairwatch::capture {

namespace {

constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kPcapNgSectionHeader = 0x0a0d0d0a;
constexpr std::uint32_t kPcapNgByteOrderMagic = 0x1a2b3c4d;
constexpr std::uint32_t kPcapNgInterfaceDescription = 1;
constexpr std::uint16_t kOptionEnd = 0;
constexpr std::uint16_t kOptionTsResol = 9; // if_tsresol
constexpr std::size_t kPcapHeaderSize = 24;
constexpr std::size_t kMaxBlockToRead = 1 << 20; // a header block larger than this is absurd

std::uint32_t load32(std::span<const std::byte> b, std::size_t at, bool swap) {
    std::uint32_t v = 0;
    std::memcpy(&v, b.data() + at, 4);
    return swap ? __builtin_bswap32(v) : v;
}
std::uint16_t load16(std::span<const std::byte> b, std::size_t at, bool swap) {
    std::uint16_t v = 0;
    std::memcpy(&v, b.data() + at, 2);
    return swap ? __builtin_bswap16(v) : v;
}

/// Reads up to n bytes, fewer only at end of stream or on error.
bool read_more(int fd, std::vector<std::byte>& out, std::size_t n) {
    const std::size_t start = out.size();
    out.resize(start + n);
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::read(fd, out.data() + start + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += static_cast<std::size_t>(r);
    }
    out.resize(start + got);
    return got == n;
}

int decimals_from_tsresol(std::uint8_t v) {
    // High bit clear: 10^-v seconds; set: 2^-v. We print 6 or 9 decimals.
    if ((v & 0x80) == 0) return v > 6 ? 9 : 6;
    return (v & 0x7f) > 20 ? 9 : 6; // 2^-20 is about a microsecond
}

} // namespace

FileFormat sniff_capture_head(std::span<const std::byte> head) {
    FileFormat f;
    if (head.size() < 4) return f;
    const std::uint32_t magic = load32(head, 0, false);
    if (magic == kPcapMagicMicro || magic == __builtin_bswap32(kPcapMagicMicro)) {
        f.kind = FileKind::Pcap;
        return f;
    }
    if (magic == kPcapMagicNano || magic == __builtin_bswap32(kPcapMagicNano)) {
        f.kind = FileKind::Pcap;
        f.ts_decimals = 9;
        return f;
    }
    if (magic != kPcapNgSectionHeader || head.size() < 12) return f;
    f.kind = FileKind::PcapNg;
    const bool swap = load32(head, 8, false) != kPcapNgByteOrderMagic;
    const std::size_t shb_len = load32(head, 4, swap);
    if (shb_len < 12 || head.size() < shb_len + 8) return f;
    std::size_t at = shb_len;
    if (load32(head, at, swap) != kPcapNgInterfaceDescription) return f;
    const std::size_t idb_len = load32(head, at + 4, swap);
    if (idb_len < 20 || head.size() < at + idb_len) return f;
    std::size_t opt = at + 16;
    const std::size_t end = at + idb_len - 4;
    while (opt + 4 <= end) {
        const std::uint16_t code = load16(head, opt, swap);
        const std::uint16_t len = load16(head, opt + 2, swap);
        if (code == kOptionEnd) break;
        if (code == kOptionTsResol && len >= 1 && opt + 5 <= end) {
            f.ts_decimals = decimals_from_tsresol(std::to_integer<std::uint8_t>(head[opt + 4]));
            break;
        }
        opt += 4 + ((std::size_t{len} + 3) & ~std::size_t{3});
    }
    return f;
}

std::vector<std::byte> read_capture_head(int fd) {
    std::vector<std::byte> head;
    if (!read_more(fd, head, 4)) return head;
    if (load32(head, 0, false) != kPcapNgSectionHeader) {
        read_more(fd, head, kPcapHeaderSize - 4);
        return head;
    }
    if (!read_more(fd, head, 8)) return head;
    const bool swap = load32(head, 8, false) != kPcapNgByteOrderMagic;
    const std::size_t shb_len = load32(head, 4, swap);
    if (shb_len < 12 || shb_len > kMaxBlockToRead) return head;
    if (!read_more(fd, head, shb_len - 12 + 8)) return head; // rest of SHB + next block head
    const std::size_t block_len = load32(head, shb_len + 4, swap);
    if (block_len < 8 || block_len > kMaxBlockToRead) return head;
    read_more(fd, head, block_len - 8);
    return head;
}

namespace {
struct PrefixCookie {
    int fd;
    std::vector<std::byte> prefix;
    const std::atomic<bool>* stop;
    bool owns_fd;
    std::size_t served = 0;
};

ssize_t prefix_read(void* cookie, char* buf, std::size_t size) {
    auto* c = static_cast<PrefixCookie*>(cookie);
    if (c->served < c->prefix.size()) {
        const std::size_t n = std::min(size, c->prefix.size() - c->served);
        std::memcpy(buf, c->prefix.data() + c->served, n);
        c->served += n;
        return static_cast<ssize_t>(n);
    }
    for (;;) {
        const ssize_t r = ::read(c->fd, buf, size);
        if (r < 0 && errno == EINTR && !(c->stop != nullptr && c->stop->load())) continue;
        return r;
    }
}

int prefix_close(void* cookie) {
    auto* c = static_cast<PrefixCookie*>(cookie);
    if (c->owns_fd) ::close(c->fd);
    delete c;
    return 0;
}
} // namespace

std::FILE* open_with_prefix(int fd, std::vector<std::byte> prefix,
                            const std::atomic<bool>* stop, bool owns_fd) {
    auto cookie =
        std::make_unique<PrefixCookie>(PrefixCookie{fd, std::move(prefix), stop, owns_fd});
    cookie_io_functions_t io{};
    io.read = prefix_read;
    io.close = prefix_close;
    std::FILE* f = fopencookie(cookie.get(), "r", io);
    if (f != nullptr) (void)cookie.release();
    return f;
}

} // namespace pairwatch::capture
