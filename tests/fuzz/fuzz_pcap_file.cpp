// fuzz_pcap_file: a whole capture file (pcap or pcapng) as pairwatch reads one.
//
// The file head goes through read_capture_head() (from a pipe, as `-r -` reads standard input)
// and sniff_capture_head(); the whole input is opened by libpcap from memory (fmemopen, no
// temporary file) and every frame goes through a checked Decoder of its link type, then into
// the --packets line and the decode summary. A classic pcap file's records are also read by
// PcapRecordReader (from a memfd, as from a regular file) and must match libpcap's frame for
// frame, ending the same way with the same error text.
#include "capture/file_format.h"
#include "capture/pcap_records.h"
#include "checked_decoder.h"
#include "memory_capture.h"
#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/decode/link_type.h"
#include "pairwatch/report/decode_summary.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
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

/// libpcap and PcapRecordReader over the same bytes, record by record.
void compare_record_reader(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span(data, size));
    const capture::FileFormat format =
        capture::sniff_capture_head(bytes.first(std::min<std::size_t>(size, 24)));
    if (format.kind != capture::FileKind::Pcap) return;
    Fd file;
    file.fd = ::memfd_create("fuzz_pcap_file", MFD_CLOEXEC);
    if (file.fd < 0) return;
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::write(file.fd, data + done, size - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
    const int libpcap_fd = ::dup(file.fd);
    if (libpcap_fd < 0) return;
    std::FILE* stream = ::fdopen(libpcap_fd, "rb");
    if (stream == nullptr) {
        ::close(libpcap_fd);
        return;
    }
    ::rewind(stream);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p =
        pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == nullptr) {
        std::fclose(stream);
        return;
    }
    const auto layout = capture::direct_record_layout(p, format.ts_decimals == 9);
    const long offset = std::ftell(pcap_file(p));
    if (layout && offset > 0) {
        capture::PcapRecordReader reader(file.fd, static_cast<std::uint64_t>(offset), *layout);
        capture::PcapRecord record;
        for (;;) {
            pcap_pkthdr* header = nullptr;
            const u_char* packet = nullptr;
            const int rc = pcap_next_ex(p, &header, &packet);
            const capture::PcapRecordReader::Status status = reader.next(record);
            if (rc != 1) {
                PW_FUZZ_CHECK(rc == PCAP_ERROR
                                  ? status == capture::PcapRecordReader::Status::Error &&
                                        reader.error() == pcap_geterr(p)
                                  : status == capture::PcapRecordReader::Status::End);
                break;
            }
            PW_FUZZ_CHECK(status == capture::PcapRecordReader::Status::Record);
            PW_FUZZ_CHECK(record.ts_ns ==
                          util::timestamp_ns(header->ts.tv_sec, header->ts.tv_usec, 1));
            PW_FUZZ_CHECK(record.wire_len == header->len);
            PW_FUZZ_CHECK(record.bytes.size() == header->caplen);
            PW_FUZZ_CHECK(header->caplen == 0 ||
                          std::memcmp(record.bytes.data(), packet, header->caplen) == 0);
        }
    }
    pcap_close(p);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    sniff_head(data, size);
    compare_record_reader(data, size);

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
