// A capture file held in memory, opened by libpcap as pairwatch opens a file (fmemopen, no
// temporary file) and read frame by frame: what the targets that take a whole file share.
#pragma once

#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/util/saturating.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>

namespace pairwatch::fuzz {

class MemoryCapture {
public:
    /// Opens `data` as a pcap or pcapng file; ok() says whether libpcap took it.
    MemoryCapture(const std::uint8_t* data, std::size_t size) {
        if (size == 0) return; // fmemopen needs a buffer
        // Opened read-only: fmemopen's void* is not written through.
        std::FILE* file = ::fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
        if (file == nullptr) return;
        char errbuf[PCAP_ERRBUF_SIZE] = {};
        // As open_capture_file(): nanosecond timestamps whatever the file holds.
        pcap_t* p =
            pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
        if (p == nullptr) {
            std::fclose(file);
            return;
        }
        handle_.reset(p);
    }

    [[nodiscard]] bool ok() const { return handle_ != nullptr; }
    [[nodiscard]] int dlt() const { return pcap_datalink(handle_.get()); }

    /// The next frame, numbered from 1, its bytes valid until the next call; false at the end.
    bool next(capture::RawFrame& frame) {
        pcap_pkthdr* header = nullptr;
        const u_char* packet = nullptr;
        if (pcap_next_ex(handle_.get(), &header, &packet) != 1) return false;
        // Each frame in its own exact-size allocation (libpcap's buffer is larger), so ASan
        // sees a read past caplen.
        const std::size_t n = header->caplen;
        copy_ = std::make_unique<std::byte[]>(std::max<std::size_t>(n, 1));
        if (n > 0) std::memcpy(copy_.get(), packet, n);
        // As PcapSource::next() computes it, with nanosecond precision.
        frame.ts_ns = util::timestamp_ns(header->ts.tv_sec, header->ts.tv_usec, 1);
        frame.frame_no = ++frames_;
        frame.wire_len = header->len;
        frame.bytes = std::span<const std::byte>(copy_.get(), n);
        return true;
    }

private:
    struct PcapCloser {
        void operator()(pcap_t* p) const { pcap_close(p); }
    };
    std::unique_ptr<pcap_t, PcapCloser> handle_;
    std::unique_ptr<std::byte[]> copy_;
    std::uint64_t frames_ = 0;
};

} // namespace pairwatch::fuzz
