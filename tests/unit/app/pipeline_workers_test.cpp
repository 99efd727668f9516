// The flow workers of app::Pipeline (--threads): each packet goes to exactly one worker, both
// directions of a conversation to the same one, every worker learns the time of the packets it
// did not get, and each ends once. What reads every worker's results (the rolling report, the
// metrics) does so only while all of them are at rest: these tests also run under TSan.
#include "pairwatch/app/pipeline.h"
#include "pairwatch/capture/memory_source.h"
#include "pairwatch/flow/flow_key.h"
#include "pairwatch/flow/report_clock.h"

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

std::size_t frames_counted(const std::vector<Recorder>& workers) {
    std::size_t n = 0;
    for (const auto& w : workers) n += w.frames.size();
    return n;
}

/// The report's side: at each boundary, what the workers have counted and been told.
class BoundaryProbe final : public flow::ReportListener {
public:
    explicit BoundaryProbe(const std::vector<Recorder>& workers) : workers_(workers) {}
    void on_report_due(std::int64_t at_ns, bool final) override {
        Seen s{at_ns, final, frames_counted(workers_), INT64_MAX};
        for (const auto& w : workers_) s.slowest_clock_ns = std::min(s.slowest_clock_ns, w.clock_ns);
        seen.push_back(s);
    }
    struct Seen {
        std::int64_t at_ns;
        bool final;
        std::size_t frames;
        std::int64_t slowest_clock_ns;
    };
    std::vector<Seen> seen;

private:
    const std::vector<Recorder>& workers_;
};

TEST(PipelineWorkers, EachReportBoundarySeesEveryPacketBeforeItAndNoneAfter) {
    const auto traffic = dns_traffic(); // 801 frames, 1 ns apart from 1 s on
    std::vector<Recorder> workers(3);
    app::PipelineOptions options;
    for (auto& w : workers) options.workers.push_back({&w});
    options.worker_seed = 5;
    BoundaryProbe probe(workers);
    options.report = &probe;
    options.report_interval_ns = 100;
    app::Pipeline pipeline(std::make_unique<capture::MemorySource>(DLT_EN10MB, traffic), {}, options);
    pipeline.run();

    // Boundaries at 1 s + 100, 200, ... 800 ns (the first packet is at 1 s exactly, a boundary
    // itself: the first interval starts there), then the final report at the last packet.
    ASSERT_EQ(probe.seen.size(), 9u);
    for (std::size_t k = 0; k < 8; ++k) {
        const auto& s = probe.seen[k];
        EXPECT_EQ(s.at_ns, kSecond + 100 * static_cast<std::int64_t>(k + 1));
        EXPECT_FALSE(s.final);
        // The frames stamped before the boundary, 100 per interval, and not one more.
        EXPECT_EQ(s.frames, 100 * (k + 1)) << "boundary " << k;
        // Every worker, with packets in the interval or not, reached the boundary's time.
        EXPECT_EQ(s.slowest_clock_ns, s.at_ns) << "boundary " << k;
    }
    EXPECT_TRUE(probe.seen.back().final);
    EXPECT_EQ(probe.seen.back().at_ns, traffic.back().ts_ns);
    EXPECT_EQ(probe.seen.back().frames, traffic.size());
    for (const auto& w : workers) EXPECT_EQ(w.ends, 1);
}

/// A reader of the tables on the flow thread: at rest, every packet handed out is counted.
class RestProbe final : public decode::PacketConsumer {
public:
    explicit RestProbe(const std::vector<Recorder>& workers) : workers_(workers) {}
    void on_packet(const decode::PacketInfo& /*packet*/) override { ++handed_out_; }
    bool wants_tables_at_rest() override { return true; }
    void on_tables_at_rest() override {
        ++rests;
        if (frames_counted(workers_) != handed_out_) ++mismatches;
    }
    int rests = 0, mismatches = 0;

private:
    const std::vector<Recorder>& workers_;
    std::size_t handed_out_ = 0;
};

TEST(PipelineWorkers, AReaderAtRestFindsEveryPacketHandedOutCounted) {
    std::vector<capture::MemoryFrame> traffic;
    for (int round = 0; round < 20; ++round) {
        for (const auto& f : dns_traffic()) traffic.push_back(f);
    }
    std::vector<Recorder> workers(2);
    app::PipelineOptions options;
    for (auto& w : workers) options.workers.push_back({&w});
    RestProbe probe(workers);
    app::Pipeline pipeline(std::make_unique<capture::MemorySource>(DLT_EN10MB, traffic), {&probe},
                           options);
    pipeline.run();
    EXPECT_GT(probe.rests, 10); // one per batch
    EXPECT_EQ(probe.mismatches, 0);
    EXPECT_EQ(frames_counted(workers), traffic.size());
}

} // namespace
} // namespace pairwatch::test
