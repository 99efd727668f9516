// pairwatch_read_floor: the libpcap read floor, a pcap_next_ex loop that only counts. No tool
// that reads a file through libpcap can go faster, so the benchmark gives every program's
// packets/s as a ratio to this one's.
#include <pcap/pcap.h>

#include <cstdio>
#include <memory>

namespace {
struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: pairwatch_read_floor FILE\n", stderr);
        return 2;
    }
    char error[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, PcapCloser> pcap(pcap_open_offline(argv[1], error));
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
