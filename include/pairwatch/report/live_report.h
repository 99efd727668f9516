// The rolling report's data side: on the flow thread it counts packets, keeps the totals of
// ended conversations, and at each report boundary copies what the views need into a Snapshot.
// The calling thread takes the snapshots from a short queue; the lock covers only a move.
#pragma once

#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/flow/flow_table.h"
#include "pairwatch/flow/report_clock.h"
#include "pairwatch/report/snapshot.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/util/waker.h"
#include "pairwatch/watch/alert_engine.h"
#include "pairwatch/watch/server_inventory.h"


#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pairwatch::report {

struct LiveReportOptions {
    /// Capture: snapshots at boundaries of capture time (live, or a paced replay), driven by
    /// the flow table. Wall: every interval of wall time (a file read at full speed).
    enum class Clock { Capture, Wall };
    Clock clock = Clock::Capture;
    double interval_s = 1;
    std::size_t top = 64;        // rows kept per sort key, and servers
    bool lossless = false;       // a file: the flow thread waits rather than drop a snapshot
};

class LiveReport final : public decode::PacketConsumer,
                         public flow::FlowSink,
                         public flow::ReportListener {
public:
    /// `inventory` may be null (no servers view); `waker` is notified on each snapshot.
    LiveReport(const flow::FlowTable& table, const services::ServiceRegistry& registry,
               const watch::ServerInventory* inventory, LiveReportOptions options,
               const util::Waker* waker = nullptr);
    /// Several flow workers' tables, read together at each snapshot (taken only while they
    /// are at rest: on_report_due from the pipeline, or on_tables_at_rest).
    LiveReport(std::vector<const flow::FlowTable*> tables, const services::ServiceRegistry& registry,
               const watch::ServerInventory* inventory, LiveReportOptions options,
               const util::Waker* waker = nullptr);

    void on_packet(const decode::PacketInfo& packet) override;
    /// Wall clock: due once an interval of wall time has passed.
    [[nodiscard]] bool wants_tables_at_rest() override;
    void on_tables_at_rest() override;
    /// Under the sinks' lock with several workers: touches only the ended totals and marks.
    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;
    void on_report_due(std::int64_t at_ns, bool final) override;

    /// The alerts view copies the newest alerts from here; set before the flow thread starts.
    void set_alerts(const watch::AlertEngine* alerts) { alerts_ = alerts; }
    /// Notified after each snapshot; set before the flow thread starts.
    void set_waker(const util::Waker* waker) { waker_ = waker; }
    /// The oldest snapshot not yet taken; called from the main thread.
    [[nodiscard]] std::optional<Snapshot> take();
    /// The main thread stops taking: the flow thread must never wait for it again.
    void abandon();

    static constexpr std::size_t kQueued = 32;
    static constexpr std::size_t kAlertsShown = 100;

private:
    struct Totals {
        std::uint64_t flows = 0, active = 0, packets = 0, bytes = 0;
    };
    /// A flow's service bucket: one per (proto, port) the registry names, then one "unnamed"
    /// per proto. Dense, so the per-bucket arrays stay small enough for the cache.
    [[nodiscard]] std::size_t service_bucket(const flow::Flow& flow) const;
    // Per table: the bytes each slot's flow had at the last snapshot (kUnseen: a flow new
    // since). A slot whose flow ended is only marked in a bitmap (small, so the end costs no
    // cache miss) and forgotten at the next snapshot, whoever holds the slot by then.
    // Each slot's server (the inventory's id) and service bucket too, worked out once per
    // flow rather than at every snapshot: a probe of a map of every open server was half of a
    // snapshot's time at 1M open conversations, and the bucket a look-up in a 512 KiB table.
    struct SlotMemo {
        std::uint32_t server; // kServerUnknown until answered and looked up
        std::uint32_t bucket; // kBucketUnknown until first seen
    };
    struct TableState {
        const flow::FlowTable* table;
        std::vector<std::uint64_t> seen_bytes;
        std::vector<SlotMemo> memos;
        std::vector<std::uint64_t> ended_slots;

        [[nodiscard]] std::uint64_t interval_bytes_of(std::uint32_t slot, std::uint64_t bytes) const;
        void forget_ended_slots();
    };
    [[nodiscard]] TableState& state_of(const flow::Flow& flow);
    struct OpenServer {
        std::uint64_t active = 0, packets = 0, bytes_to = 0, bytes_from = 0;
    };
    using OpenServers = std::vector<OpenServer>; // by the inventory's server id
    [[nodiscard]] std::string service_name(std::size_t bucket) const;
    Snapshot build(std::int64_t at_ns, bool final);
    void add_servers(Snapshot& s, const OpenServers& open) const;
    void publish(Snapshot s);

    std::vector<TableState> tables_;
    const services::ServiceRegistry& registry_;
    const watch::ServerInventory* inventory_;
    LiveReportOptions options_;
    const util::Waker* waker_;
    const watch::AlertEngine* alerts_ = nullptr;

    // Packets, on the flow thread.
    std::uint64_t packets_ = 0, malformed_ = 0, truncated_ = 0;
    std::uint64_t interval_packets_ = 0, interval_bytes_ = 0;
    std::int64_t first_ts_ = 0, last_ts_ = 0, prev_at_ = 0;
    bool seen_packet_ = false;
    std::chrono::steady_clock::time_point wall_prev_, wall_next_;

    // Services: [proto * 65536 + port] -> bucket + 1 (0: no name), and what each bucket is.
    struct Bucket {
        services::Proto proto;
        bool named; // false: the proto's conversations whose ports have no name
        std::uint16_t port;
    };
    std::vector<std::uint32_t> bucket_of_port_;
    std::vector<Bucket> buckets_;
    std::array<std::size_t, 2> unnamed_bucket_{};
    // Ended conversations, summed per service bucket and per category.
    std::vector<Totals> ended_services_;
    std::array<Totals, 3> ended_categories_{};
    // Bytes of every conversation so far (ended, and open ones as they were) at the last
    // snapshot: a rate is the difference, so an ended flow needs no per-flow baseline.
    std::vector<std::uint64_t> services_bytes_before_;
    std::array<std::uint64_t, 3> categories_bytes_before_{};

    std::mutex mutex_; // guards the queue only
    std::condition_variable space_;
    std::deque<Snapshot> queue_;
    std::uint64_t skipped_ = 0;
    bool abandoned_ = false;
};

} // namespace pairwatch::report
