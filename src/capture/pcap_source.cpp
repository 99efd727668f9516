// libpcap sources. Errors name what failed and how to fix it, in one line.
#include "pairwatch/capture/pcap_source.h"

#include "file_format.h"
#include "pcap_records.h"
#include "pairwatch/decode/link_type.h"
#include "pairwatch/util/saturating.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pairwatch::capture {

namespace {

struct PcapCloser {
    void operator()(pcap_t* p) const {
        if (p != nullptr) pcap_close(p);
    }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

class PcapSource final : public PacketSource {
public:
    explicit PcapSource(SourceInfo info) : info_(std::move(info)) {}
    ~PcapSource() override {
        if (filter_.bf_insns != nullptr) pcap_freecode(&filter_);
    }
    PcapSource(const PcapSource&) = delete;
    PcapSource& operator=(const PcapSource&) = delete;

    void attach(PcapHandle handle, bool nanosecond) {
        handle_ = std::move(handle);
        ns_per_tick_ = nanosecond ? 1 : 1000;
        // A live capture prints what the kernel stamps: nanoseconds when libpcap gave them.
        if (info_.live) info_.ts_decimals = nanosecond ? 9 : 6;
        info_.dlt = pcap_datalink(handle_.get());
    }
    [[nodiscard]] const std::atomic<bool>* stop_flag() const { return &stop_; }

    /// Live: the handle is non-blocking and next() waits in poll() at most this long.
    void set_poll_timeout(int ms) { poll_timeout_ms_ = ms; }

    /// Compiles the filter and sets it on the handle, keeping the program for records read
    /// past libpcap.
    void set_filter(const std::string& filter, bpf_u_int32 netmask) {
        if (filter.empty()) return;
        pcap_t* p = handle_.get();
        if (pcap_compile(p, &filter_, filter.c_str(), 1, netmask) != 0) {
            throw CaptureError(
                fmt::format("filter '{}' does not compile: {}", filter, pcap_geterr(p)));
        }
        if (pcap_setfilter(p, &filter_) != 0) {
            throw CaptureError(fmt::format("{}: cannot set filter '{}': {}", info_.name, filter,
                                           pcap_geterr(p)));
        }
    }

    /// A classic pcap file in a regular file: its records are read in blocks past libpcap,
    /// which has read the header. Only where that gives exactly what libpcap gives; pipes keep
    /// libpcap, whose small reads hand over each packet as it arrives.
    void read_records_directly(bool nanosecond) {
        pcap_t* p = handle_.get();
        const auto layout = direct_record_layout(p, nanosecond);
        std::FILE* file = pcap_file(p);
        if (!layout || file == nullptr) return;
        const long offset = std::ftell(file); // just past the header libpcap read
        if (offset <= 0) return;
        records_.emplace(fileno(file), static_cast<std::uint64_t>(offset), *layout);
    }

    ReadStatus next(RawFrame& frame) override {
        if (stop_.load(std::memory_order_relaxed)) return ReadStatus::End;
        if (records_) return next_record(frame);
        pcap_pkthdr* header = nullptr;
        const u_char* data = nullptr;
        int rc = pcap_next_ex(handle_.get(), &header, &data);
        if (rc == 0 && poll_timeout_ms_ > 0) {
            // Nothing buffered: wait for the kernel, at most the read timeout.
            pollfd p{pcap_get_selectable_fd(handle_.get()), POLLIN, 0};
            if (::poll(&p, 1, poll_timeout_ms_) <= 0) return ReadStatus::Timeout;
            if (stop_.load(std::memory_order_relaxed)) return ReadStatus::End;
            rc = pcap_next_ex(handle_.get(), &header, &data);
        }
        if (rc == 1) {
            frame.ts_ns = util::timestamp_ns(header->ts.tv_sec, header->ts.tv_usec, ns_per_tick_);
            frame.frame_no = ++frames_;
            frame.wire_len = header->len;
            frame.bytes = std::as_bytes(std::span(data, header->caplen));
            return ReadStatus::Frame;
        }
        if (rc == 0) return ReadStatus::Timeout;
        if (rc == PCAP_ERROR && !stop_.load()) stopped_reading(pcap_geterr(handle_.get()));
        return ReadStatus::End;
    }

    [[nodiscard]] const SourceInfo& info() const override { return info_; }

    [[nodiscard]] std::optional<CaptureCounters> counters() override {
        if (!info_.live) return std::nullopt;
        pcap_stat st{};
        if (pcap_stats(handle_.get(), &st) != 0) return std::nullopt;
        return CaptureCounters{st.ps_recv, st.ps_drop, st.ps_ifdrop};
    }

    [[nodiscard]] std::uint64_t position() const override {
        if (records_) return records_->position();
        if (info_.live || info_.size_bytes == 0) return 0;
        std::FILE* f = pcap_file(handle_.get());
        if (f == nullptr) return 0;
        const long at = std::ftell(f);
        return at > 0 ? static_cast<std::uint64_t>(at) : 0;
    }

    [[nodiscard]] std::optional<std::string> warning() const override { return warning_; }

    void interrupt() override {
        stop_.store(true);
        if (handle_) pcap_breakloop(handle_.get());
    }

private:
    ReadStatus next_record(RawFrame& frame) {
        PcapRecord record;
        for (;;) {
            const PcapRecordReader::Status status = records_->next(record);
            if (status == PcapRecordReader::Status::End) return ReadStatus::End;
            if (status == PcapRecordReader::Status::Error) {
                stopped_reading(records_->error());
                return ReadStatus::End;
            }
            if (filter_.bf_insns == nullptr) break;
            pcap_pkthdr header{};
            header.caplen = static_cast<bpf_u_int32>(record.bytes.size());
            header.len = record.wire_len;
            const auto* data = reinterpret_cast<const u_char*>(record.bytes.data());
            if (pcap_offline_filter(&filter_, &header, data) != 0) break;
        }
        frame.ts_ns = record.ts_ns;
        frame.frame_no = ++frames_;
        frame.wire_len = record.wire_len;
        frame.bytes = record.bytes;
        return ReadStatus::Frame;
    }

    /// A file cut off mid-record, or a read error: what was read is kept, and said once.
    void stopped_reading(const std::string& why) {
        warning_ =
            fmt::format("{}: stopped reading after {} packets: {}", info_.name, frames_, why);
    }

    SourceInfo info_;
    PcapHandle handle_;
    bpf_program filter_{};
    std::optional<PcapRecordReader> records_;
    std::int64_t ns_per_tick_ = 1000;
    int poll_timeout_ms_ = 0;
    std::uint64_t frames_ = 0;
    std::optional<std::string> warning_;
    std::atomic<bool> stop_{false};
};

void require_supported_link(const SourceInfo& info) {
    if (decode::link_type_supported(info.dlt)) return;
    throw CaptureError(fmt::format("{}: link type {} is not supported (supported: {})", info.name,
                                   decode::link_type_name(info.dlt),
                                   decode::supported_link_types()));
}

std::string open_error(const std::string& path, int err) {
    switch (err) {
    case ENOENT:
        return fmt::format("{}: no such file", path);
    case EACCES:
        return fmt::format("{}: permission denied", path);
    default:
        return fmt::format("{}: cannot open: {}", path, std::strerror(err));
    }
}

std::string interface_names() {
    std::string names;
    try {
        for (const auto& i : list_interfaces()) {
            if (!names.empty()) names += ", ";
            names += i.name;
        }
    } catch (const CaptureError&) {
        return "(could not list them)";
    }
    return names.empty() ? "(none)" : names;
}

} // namespace

std::unique_ptr<PacketSource> open_capture_file(const std::string& path,
                                               const std::string& filter) {
    SourceInfo info;
    info.name = path;
    const bool is_stdin = path == "-";
    int fd = 0;
    if (!is_stdin) {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw CaptureError(open_error(path, errno));
    } else if (isatty(0) != 0) {
        throw CaptureError("-r -: standard input is a terminal; pipe a capture in "
                           "(tcpdump -w - | pairwatch -r -)");
    }
    struct FdCloser {
        int fd;
        bool owned;
        ~FdCloser() {
            if (owned && fd >= 0) ::close(fd);
        }
    } closer{fd, !is_stdin};

    struct stat st{};
    if (fstat(fd, &st) != 0) throw CaptureError(open_error(path, errno));
    if (S_ISDIR(st.st_mode)) {
        throw CaptureError(fmt::format("{}: is a directory, not a capture file", path));
    }
    const bool seekable = S_ISREG(st.st_mode);
    if (seekable) {
        info.size_bytes = static_cast<std::uint64_t>(st.st_size);
        if (st.st_size == 0) throw CaptureError(fmt::format("{}: empty file, not a capture", path));
    }

    std::vector<std::byte> head = read_capture_head(fd);
    const FileFormat format = sniff_capture_head(head);
    if (format.kind == FileKind::Unknown) {
        if (head.empty()) throw CaptureError(fmt::format("{}: empty input, not a capture", path));
        throw CaptureError(fmt::format("{}: not a pcap or pcapng capture file", path));
    }
    info.ts_decimals = format.ts_decimals;

    auto source = std::make_unique<PcapSource>(info);
    std::FILE* file = nullptr;
    if (seekable) {
        if (::lseek(fd, 0, SEEK_SET) != 0) throw CaptureError(open_error(path, errno));
        file = ::fdopen(fd, "rb");
        if (file != nullptr) closer.owned = false; // the FILE, then libpcap, owns it now
    } else {
        file = open_with_prefix(fd, std::move(head), source->stop_flag(), closer.owned);
        // A named FIFO's descriptor now belongs to the FILE, which closes it with itself.
        if (file != nullptr) closer.owned = false;
    }
    if (file == nullptr) throw CaptureError(open_error(path, errno));

    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == nullptr) {
        std::fclose(file);
        throw CaptureError(fmt::format("{}: not a readable capture: {}", path, errbuf));
    }
    source->attach(PcapHandle(p), pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO);
    require_supported_link(source->info());
    source->set_filter(filter, PCAP_NETMASK_UNKNOWN);
    // (A pcap file shows 9 decimals exactly when its magic says nanosecond stamps.)
    if (seekable && format.kind == FileKind::Pcap) {
        source->read_records_directly(format.ts_decimals == 9);
    }
    return source;
}

std::unique_ptr<PacketSource> open_live(const LiveOptions& options) {
    SourceInfo info;
    info.name = options.interface;
    info.live = true;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    PcapHandle handle(pcap_create(options.interface.c_str(), errbuf));
    if (!handle) throw CaptureError(fmt::format("{}: {}", options.interface, errbuf));
    pcap_t* p = handle.get();
    pcap_set_snaplen(p, options.snaplen);
    pcap_set_promisc(p, options.promiscuous ? 1 : 0);
    // Not immediate mode: libpcap then uses TPACKET_V3, whose ring hands over whole blocks of
    // packets (one wake-up per block, not per packet: what keeps a busy link at zero drops).
    // A block is handed over when full or after this timeout, so a quiet link's packets are at
    // most read_timeout_ms late.
    pcap_set_timeout(p, options.read_timeout_ms);
    if (options.buffer_kib > 0) pcap_set_buffer_size(p, options.buffer_kib * 1024);
    (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);

    const int rc = pcap_activate(p);
    const std::string& name = options.interface;
    if (rc < 0) {
        switch (rc) {
        case PCAP_ERROR_PERM_DENIED:
            throw CaptureError(fmt::format(
                "{}: permission denied (try sudo, or setcap cap_net_raw,cap_net_admin+eip on the "
                "pairwatch binary)",
                name));
        case PCAP_ERROR_NO_SUCH_DEVICE:
            throw CaptureError(
                fmt::format("{}: no such interface; these exist: {}", name, interface_names()));
        case PCAP_ERROR_IFACE_NOT_UP:
            throw CaptureError(
                fmt::format("{}: interface is down (bring it up: ip link set {} up)", name, name));
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            throw CaptureError(fmt::format(
                "{}: not allowed to enter promiscuous mode (try -p, or run with sudo)", name));
        default:
            throw CaptureError(fmt::format("{}: cannot capture: {} ({})", name, pcap_geterr(p),
                                           pcap_statustostr(rc)));
        }
    }
    if (rc > 0) spdlog::warn("{}: {} ({})", name, pcap_statustostr(rc), pcap_geterr(p));

    // Non-blocking, with our own poll() for the read timeout: with TPACKET_V3 the kernel's block
    // timer only fires once a packet has arrived, so on a silent link a blocking read would
    // never time out, and the flow thread would never learn the time (no expiry, no report).
    if (pcap_setnonblock(p, 1, errbuf) != 0) {
        throw CaptureError(fmt::format("{}: cannot capture: {}", name, errbuf));
    }
    auto source = std::make_unique<PcapSource>(info);
    const bool nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    source->attach(std::move(handle), nano);
    source->set_poll_timeout(options.read_timeout_ms);
    require_supported_link(source->info());

    bpf_u_int32 net = 0;
    bpf_u_int32 mask = PCAP_NETMASK_UNKNOWN;
    if (pcap_lookupnet(name.c_str(), &net, &mask, errbuf) != 0) mask = PCAP_NETMASK_UNKNOWN;
    source->set_filter(options.filter, mask);
    return source;
}

std::vector<InterfaceDescription> list_interfaces() {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        throw CaptureError(fmt::format("cannot list interfaces: {}", errbuf));
    }
    std::vector<InterfaceDescription> out;
    for (pcap_if_t* d = all; d != nullptr; d = d->next) {
        InterfaceDescription i;
        i.name = d->name;
        if (d->description != nullptr) i.description = d->description;
        i.up = (d->flags & PCAP_IF_UP) != 0;
        i.running = (d->flags & PCAP_IF_RUNNING) != 0;
        i.loopback = (d->flags & PCAP_IF_LOOPBACK) != 0;
        out.push_back(std::move(i));
    }
    pcap_freealldevs(all);
    return out;
}

} // namespace pairwatch::capture
