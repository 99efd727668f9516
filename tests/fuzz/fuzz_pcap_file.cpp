// fuzz_pcap_file: a whole capture file (pcap or pcapng) as pairwatch reads one.
//
// The file head goes through read_capture_head() (from a pipe, as `-r -` reads standard input)
// and sniff_capture_head(); the whole input is opened by libpcap from memory (fmemopen, no
// temporary file) and every frame goes through a checked Decoder of its link type, then into
// the --packets line and the decode summary.
#include "capture/file_format.h"
#include "checked_decoder.h"
#include "memory_capture.h"
#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/decode/link_type.h"
#include "pairwatch/report/decode_summary.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace pairwatch;

/// At most this much of the input goes through the pipe: more than any file head.
constexpr std::size_t kPipeBytes = 1 << 20;

struct Fd {
    int fd = -1;
    Fd() = default;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

/// read_capture_head() on a pipe holding the input, then sniff_capture_head() on an exact-size
/// copy of what it read, so ASan sees a read past the head.
void sniff_head(const std::uint8_t* data, std::size_t size) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    Fd in, out;
    in.fd = fds[0];
    out.fd = fds[1];
    const int capacity = ::fcntl(out.fd, F_SETPIPE_SZ, static_cast<int>(kPipeBytes));
    std::size_t todo = std::min(size, capacity > 0 ? static_cast<std::size_t>(capacity) : 65536);
    while (todo > 0) {
        const ssize_t n = ::write(out.fd, data, todo);
        if (n <= 0) break;
        data += n;
        todo -= static_cast<std::size_t>(n);
    }
    out.reset(); // end of stream after the input
    const std::vector<std::byte> head = capture::read_capture_head(in.fd);
    PW_FUZZ_CHECK(head.size() <= size);

    auto copy = std::make_unique<std::byte[]>(std::max<std::size_t>(head.size(), 1));
    std::copy(head.begin(), head.end(), copy.get());
    const capture::FileFormat format =
        capture::sniff_capture_head(std::span<const std::byte>(copy.get(), head.size()));
    PW_FUZZ_CHECK(format.ts_decimals == 6 || format.ts_decimals == 9);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    sniff_head(data, size);

    fuzz::MemoryCapture capture(data, size);
    if (!capture.ok()) return 0;
    const int dlt = capture.dlt();
    if (!decode::link_type_supported(dlt)) return 0;

    fuzz::CheckedDecoder decoder(dlt, decode::DecoderOptions{.fragment_buckets = 4});
    capture::RawFrame frame;
    while (capture.next(frame)) decoder.decode(frame);
    const std::string summary = report::format_decode_counters(
        decoder.decoder().stats(), decoder.decoder().fragment_stats());
    PW_FUZZ_CHECK(!summary.empty());
    return 0;
}
