// Flow table microbenchmarks: ns per packet with N concurrent conversations, and the bytes each
// open conversation costs (records plus index). The README's performance section quotes them.
#include "pairwatch/flow/flow_table.h"

#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

namespace {

using pairwatch::decode::IpAddress;
using pairwatch::decode::Outcome;
using pairwatch::decode::PacketInfo;

/// Packets of `flows` TCP conversations between random hosts, in random order, both ways.
std::vector<PacketInfo> make_packets(std::size_t flows, std::size_t packets, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<PacketInfo> out(packets);
    std::vector<std::pair<std::uint32_t, std::uint16_t>> clients(flows);
    for (auto& c : clients) c = {static_cast<std::uint32_t>(rng()), static_cast<std::uint16_t>(49152 + rng() % 16384)};
    std::int64_t ts = 1'700'000'000'000'000'000;
    for (std::size_t i = 0; i < packets; ++i) {
        const auto& [host, port] = clients[rng() % flows];
        PacketInfo& p = out[i];
        const bool reply = (rng() & 1) != 0;
        p.outcome = Outcome::Tcp;
        p.ip_version = 4;
        p.ip_proto = 6;
        const IpAddress client = IpAddress::from_v4(host);
        const IpAddress server = IpAddress::from_v4(0x0a000001);
        p.src = reply ? server : client;
        p.dst = reply ? client : server;
        p.sport = reply ? 443 : port;
        p.dport = reply ? port : 443;
        p.tcp_flags = 0x10;
        p.tcp_flags_known = true;
        p.tcp_header_len = 20;
        p.tcp_window = 1000;
        p.tcp_seq = static_cast<std::uint32_t>(i * 100);
        p.payload_len = 100;
        p.ip_len = 140;
        p.wire_len = 154;
        ts += 1000; // 1 µs apart: nothing idles out during the run
        p.ts_ns = ts;
    }
    return out;
}

void BM_FlowTable(benchmark::State& state) {
    const auto flows = static_cast<std::size_t>(state.range(0));
    const std::size_t packets = std::max<std::size_t>(flows * 4, 2'000'000);
    const auto input = make_packets(flows, packets, 42);
    double bytes_per_flow = 0;
    for (auto _ : state) {
        state.PauseTiming();
        pairwatch::flow::FlowTableOptions options;
        options.max_flows = flows;
        options.hash_seed = 7;
        auto table = std::make_unique<pairwatch::flow::FlowTable>(options, nullptr, nullptr);
        state.ResumeTiming();
        for (const auto& p : input) table->on_packet(p);
        state.PauseTiming();
        bytes_per_flow = static_cast<double>(table->memory_bytes()) / static_cast<double>(table->size());
        table.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(static_cast<std::size_t>(state.iterations()) * packets));
    state.counters["bytes_per_flow"] = bytes_per_flow;
    state.counters["ns_per_packet"] = benchmark::Counter(
        static_cast<double>(static_cast<std::size_t>(state.iterations()) * packets),
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FlowTable)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

std::unique_ptr<pairwatch::flow::FlowTable> make_table(std::size_t max_flows) {
    pairwatch::flow::FlowTableOptions options;
    options.max_flows = max_flows;
    options.hash_seed = 7;
    return std::make_unique<pairwatch::flow::FlowTable>(options, nullptr, nullptr);
}

/// One packet per conversation: every packet inserts a record.
std::vector<PacketInfo> first_packets(std::size_t flows) {
    auto packets = make_packets(flows, flows, 42);
    // make_packets draws clients at random, so some repeat: give each packet its own client.
    for (std::size_t i = 0; i < packets.size(); ++i) {
        auto& p = packets[i];
        const IpAddress client = IpAddress::from_v4(0x0b000000 + static_cast<std::uint32_t>(i));
        (p.sport == 443 ? p.dst : p.src) = client;
    }
    return packets;
}

void set_ns_per(benchmark::State& state, std::size_t items, const char* name) {
    state.SetItemsProcessed(static_cast<std::int64_t>(static_cast<std::size_t>(state.iterations()) * items));
    state.counters[name] = benchmark::Counter(static_cast<double>(static_cast<std::size_t>(state.iterations()) * items),
                                              benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// A fresh table gets one new flow per packet; timed: the inserts, or (`time_expiry`) the
/// expiry of every flow at once an hour of packet time later (idle lists, no scan).
void fill_then_expire(benchmark::State& state, bool time_expiry) {
    const auto flows = static_cast<std::size_t>(state.range(0));
    const auto input = first_packets(flows);
    for (auto _ : state) {
        state.PauseTiming();
        auto table = make_table(flows);
        if (!time_expiry) state.ResumeTiming();
        for (const auto& p : input) table->on_packet(p);
        if (!time_expiry) state.PauseTiming();
        if (table->size() != flows) state.SkipWithError("a packet did not make its own flow");
        if (time_expiry) {
            state.ResumeTiming();
            table->advance_time(input.back().ts_ns + 3'600'000'000'000);
            state.PauseTiming();
            if (table->size() != 0) state.SkipWithError("flows left after every timeout");
        }
        table.reset();
        state.ResumeTiming();
    }
    set_ns_per(state, flows, time_expiry ? "ns_per_flow" : "ns_per_packet");
}

void BM_FlowTableInsert(benchmark::State& state) { fill_then_expire(state, false); }
BENCHMARK(BM_FlowTableInsert)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_FlowTableExpire(benchmark::State& state) { fill_then_expire(state, true); }
BENCHMARK(BM_FlowTableExpire)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

/// Packets of conversations already in the table: lookup and update only.
void BM_FlowTableLookup(benchmark::State& state) {
    const auto flows = static_cast<std::size_t>(state.range(0));
    auto input = first_packets(flows);
    auto table = make_table(flows);
    for (const auto& p : input) table->on_packet(p);
    std::mt19937_64 rng(9);
    std::vector<PacketInfo> again(std::max<std::size_t>(flows * 2, 2'000'000));
    std::int64_t ts = input.back().ts_ns;
    for (auto& p : again) {
        p = input[rng() % flows];
        p.ts_ns = ts += 1000;
    }
    for (auto _ : state)
        for (const auto& p : again) table->on_packet(p);
    if (table->size() != flows) state.SkipWithError("a lookup missed its flow");
    set_ns_per(state, again.size(), "ns_per_packet");
}
BENCHMARK(BM_FlowTableLookup)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

} // namespace
