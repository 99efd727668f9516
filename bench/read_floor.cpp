// pairwatch_read_floor: the libpcap read floor, a pcap_next_ex loop that only counts. No tool
// that reads a file through libpcap can go faster, so the benchmark gives every program's
// packets/s as a ratio to this one's.
//
// With --blocks it counts through pairwatch's own capture source instead (a classic pcap
// file's records read in blocks past libpcap, PcapRecordReader): the floor pairwatch itself
// stands on, which the benchmark prints beside the libpcap one.
#include "pairwatch/capture/pcap_source.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

namespace {
struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
};

int count_with_libpcap(const char* path) {
    char error[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, PcapCloser> pcap(pcap_open_offline(path, error));
    if (!pcap) {
        std::fprintf(stderr, "pairwatch_read_floor: %s\n", error);
        return 1;
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    unsigned long long packets = 0;
    int rc = 0;
    while ((rc = pcap_next_ex(pcap.get(), &header, &data)) == 1) ++packets;
    if (rc == PCAP_ERROR) {
        std::fprintf(stderr, "pairwatch_read_floor: %s\n", pcap_geterr(pcap.get()));
        return 1;
    }
    std::printf("%llu\n", packets);
    return 0;
}

int count_with_pairwatch(const char* path) {
    try {
        auto source = pairwatch::capture::open_capture_file(path, "");
        pairwatch::capture::RawFrame frame;
        unsigned long long packets = 0;
        while (source->next(frame) == pairwatch::capture::ReadStatus::Frame) ++packets;
        if (auto warning = source->warning()) {
            std::fprintf(stderr, "pairwatch_read_floor: %s\n", warning->c_str());
            return 1;
        }
        std::printf("%llu\n", packets);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pairwatch_read_floor: %s\n", e.what());
        return 1;
    }
}
} // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "--blocks") == 0) return count_with_pairwatch(argv[2]);
    if (argc != 2) {
        std::fputs("usage: pairwatch_read_floor [--blocks] FILE\n", stderr);
        return 2;
    }
    return count_with_libpcap(argv[1]);
}
