// Labeller microbenchmark: ns per label_flow() (responder's service and port category), on the
// conversations of the benchmark's own traffic. Every output that names a flow labels it once
// per record, so this is a per-flow cost, not a per-packet one.
#include "pairwatch/decode/decoder.h"
#include "pairwatch/flow/flow_table.h"
#include "pairwatch/services/client_port.h"
#include "pairwatch/services/flow_label.h"
#include "traffic.h"

#include <benchmark/benchmark.h>

#include <pcap/dlt.h>

#include <vector>

namespace {

using pairwatch::services::ServiceRegistry;

/// The open flows after `packets` frames of the generated traffic over `conversations`.
std::vector<pairwatch::flow::Flow> make_flows(const ServiceRegistry& registry,
                                              std::uint32_t conversations, std::uint64_t packets) {
    pairwatch::bench::TrafficOptions options;
    options.packets = packets;
    options.conversations = conversations;
    options.snaplen = 128;
    pairwatch::bench::TrafficGenerator traffic(options);
    pairwatch::decode::Decoder decoder(DLT_EN10MB);
    pairwatch::flow::FlowTableOptions table_options;
    table_options.max_flows = conversations * 2;
    // The program's own originator rule, so responders are the ones a run would label.
    auto client_rule = [&registry](std::uint8_t proto, std::uint16_t a, std::uint16_t b) {
        const auto p = proto == pairwatch::decode::kIpProtoTcp ? pairwatch::services::Proto::Tcp
                                                               : pairwatch::services::Proto::Udp;
        const auto g = pairwatch::services::guess_client_port(registry, p, a, b);
        return g.side == pairwatch::services::ClientSide::A ? -1
               : g.side == pairwatch::services::ClientSide::B ? 1 : 0;
    };
    pairwatch::flow::FlowTable table(table_options, client_rule, nullptr);
    pairwatch::bench::GeneratedFrame g;
    std::uint64_t frame_no = 0;
    while (traffic.next(g)) {
        pairwatch::decode::PacketInfo info;
        decoder.decode({g.ts_ns, ++frame_no, g.wire_len, g.bytes}, info);
        table.on_packet(info);
    }
    std::vector<pairwatch::flow::Flow> flows;
    flows.reserve(table.size());
    table.for_each([&flows](const pairwatch::flow::Flow& f) { flows.push_back(f); });
    return flows;
}

void BM_FlowLabel(benchmark::State& state) {
    const auto registry = ServiceRegistry::standard(std::nullopt);
    const auto conversations = static_cast<std::uint32_t>(state.range(0));
    const auto flows = make_flows(registry, conversations, conversations * 4ULL);
    std::uint64_t named = 0;
    for (auto _ : state) {
        for (const auto& f : flows) {
            const auto label = pairwatch::services::label_flow(f, registry);
            named += label.service.has_value() ? 1U : 0U;
            benchmark::DoNotOptimize(label);
        }
    }
    // The generator's responders all sit on named ports (443, 53, 22...): a miss is a bug.
    if (named != static_cast<std::size_t>(state.iterations()) * flows.size()) state.SkipWithError("a responder without a service");
    const auto labels = static_cast<double>(static_cast<std::size_t>(state.iterations()) * flows.size());
    state.SetItemsProcessed(static_cast<std::int64_t>(labels));
    state.counters["flows"] = static_cast<double>(flows.size());
    state.counters["ns_per_flow"] =
        benchmark::Counter(labels, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FlowLabel)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

} // namespace
