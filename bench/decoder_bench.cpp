// Decoder microbenchmark: ns per frame on the benchmark's own traffic (traffic.h: Ethernet,
// 802.1Q, IPv4/IPv6, TCP/UDP), header captures as scripts/bench.sh measures them.
#include "pairwatch/decode/decoder.h"
#include "traffic.h"

#include <benchmark/benchmark.h>

#include <pcap/dlt.h>

#include <vector>

namespace {

struct StoredFrame {
    std::int64_t ts_ns;
    std::uint32_t wire_len;
    std::size_t offset;
    std::size_t size;
};

void BM_Decoder(benchmark::State& state) {
    pairwatch::bench::TrafficOptions options;
    options.packets = 1'000'000;
    options.conversations = 10'000;
    options.snaplen = static_cast<std::uint32_t>(state.range(0));
    pairwatch::bench::TrafficGenerator traffic(options);
    std::vector<std::byte> bytes;
    std::vector<StoredFrame> frames;
    pairwatch::bench::GeneratedFrame g;
    while (traffic.next(g)) {
        frames.push_back({g.ts_ns, g.wire_len, bytes.size(), g.bytes.size()});
        bytes.insert(bytes.end(), g.bytes.begin(), g.bytes.end());
    }
    pairwatch::decode::Decoder decoder(DLT_EN10MB);
    std::uint64_t tcp_or_udp = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const StoredFrame& f = frames[i];
            pairwatch::capture::RawFrame raw{f.ts_ns, i + 1, f.wire_len,
                                             std::span(bytes).subspan(f.offset, f.size)};
            pairwatch::decode::PacketInfo info;
            decoder.decode(raw, info);
            tcp_or_udp += info.has_ports() ? 1U : 0U;
            benchmark::DoNotOptimize(info);
        }
    }
    // Every generated frame carries a socket pair: anything else is a decoder or generator bug.
    if (tcp_or_udp != static_cast<std::size_t>(state.iterations()) * frames.size()) state.SkipWithError("a frame without ports");
    const auto packets = static_cast<double>(static_cast<std::size_t>(state.iterations()) * frames.size());
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
    state.counters["ns_per_packet"] =
        benchmark::Counter(packets, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
// 128: header captures, as the benchmark's files; 0: whole frames.
BENCHMARK(BM_Decoder)->Arg(128)->Arg(0)->Unit(benchmark::kMillisecond);

} // namespace
