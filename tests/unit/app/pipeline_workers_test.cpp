// The flow workers of app::Pipeline (--threads): each packet goes to exactly one worker, both
// directions of a conversation to the same one, every worker learns the time of the packets it
// did not get, and each ends once.
#include "pairwatch/app/pipeline.h"
#include "pairwatch/capture/memory_source.h"
#include "pairwatch/flow/flow_key.h"

#include "support/frame_builder.h"

#include <gtest/gtest.h>

#include <pcap/dlt.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace pairwatch::test {
namespace {

/// What one worker (or the decoding thread) was given; touched only on its own thread.
class Recorder final : public decode::PacketConsumer {
public:
    void on_packet(const decode::PacketInfo& p) override {
        frames.push_back(p.frame_no);
        if (p.has_ports()) {
            ++with_ports;
            const std::uint16_t client = p.sport == 53 ? p.dport : p.sport;
            clients.insert(client);
        }
        last_seen_ns = std::max(last_seen_ns, p.ts_ns);
    }
    void on_clock(std::int64_t now_ns) override { clock_ns = std::max(clock_ns, now_ns); }
    void on_end() override { ++ends; }

    std::vector<std::uint64_t> frames;
    std::set<std::uint16_t> clients;
    std::size_t with_ports = 0;
    std::int64_t last_seen_ns = 0;
    std::int64_t clock_ns = 0;
    int ends = 0;
};

constexpr std::int64_t kSecond = 1'000'000'000;

/// 400 DNS conversations, a query and an answer each, then one ICMP echo.
std::vector<capture::MemoryFrame> dns_traffic() {
    std::vector<capture::MemoryFrame> frames;
    std::int64_t ts = kSecond;
    for (std::uint16_t client = 40000; client < 40400; ++client) {
        frames.push_back({ts++, FrameBuilder().ethernet().ipv4({.src = "10.0.0.9", .dst = "10.0.0.2"})
                                    .udp({.sport = client, .dport = 53}).build()});
        frames.push_back({ts++, FrameBuilder().ethernet().ipv4({.src = "10.0.0.2", .dst = "10.0.0.9"})
                                    .udp({.sport = 53, .dport = client}).build()});
    }
    frames.push_back({ts, FrameBuilder().ethernet().ipv4().icmp().build()});
    return frames;
}

TEST(PipelineWorkers, EachPacketGoesToOneWorkerAndBothDirectionsToTheSameOne) {
    const auto traffic = dns_traffic();
    const std::int64_t last_ts = traffic.back().ts_ns;
    constexpr int kWorkers = 3;
    std::vector<Recorder> workers(kWorkers);
    Recorder every_packet;
    app::PipelineOptions options;
    for (auto& w : workers) options.workers.push_back({&w});
    options.worker_seed = 11;
    app::Pipeline pipeline(std::make_unique<capture::MemorySource>(DLT_EN10MB, traffic),
                           {&every_packet}, options);
    pipeline.run();

    EXPECT_EQ(every_packet.frames.size(), traffic.size());
    EXPECT_EQ(every_packet.ends, 1);
    std::multiset<std::uint64_t> all;
    std::set<std::uint16_t> clients;
    for (const auto& w : workers) {
        EXPECT_EQ(w.ends, 1);
        // In capture order within each worker.
        EXPECT_TRUE(std::is_sorted(w.frames.begin(), w.frames.end()));
        all.insert(w.frames.begin(), w.frames.end());
        for (const auto c : w.clients) EXPECT_TRUE(clients.insert(c).second) << "client port " << c << " on two workers";
        // Every conversation has two packets, both with the worker that owns it.
        EXPECT_EQ(w.with_ports, 2 * w.clients.size());
        // Even a worker whose last packet came early is told the time of the last one.
        EXPECT_EQ(w.clock_ns, last_ts);
        // A fair share: 400 conversations over 3 workers.
        EXPECT_GT(w.clients.size(), 100u);
    }
    EXPECT_EQ(clients.size(), 400u);
    EXPECT_EQ(all.size(), traffic.size());
    EXPECT_EQ(std::set<std::uint64_t>(all.begin(), all.end()).size(), traffic.size()) << "a frame went twice";
    // The ICMP echo has no socket pair: the first worker takes it.
    EXPECT_EQ(workers[0].frames.back(), traffic.size());
}

} // namespace
} // namespace pairwatch::test
