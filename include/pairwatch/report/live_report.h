// The rolling report of a live capture, as plain text blocks (the full-screen view comes next):
// the flow thread takes a snapshot every interval, the main thread formats and prints it, so
// printing never holds up the packet path.
#pragma once

#include "pairwatch/capture/packet_source.h"
#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/flow/flow_table.h"
#include "pairwatch/services/service_registry.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pairwatch::report {

struct SnapshotRow {
    std::string proto, orig, resp, service, category, state;
    std::uint64_t packets = 0, bytes = 0, interval_bytes = 0;
    double age_s = 0;
};

struct Snapshot {
    std::int64_t wall_ns = 0;     // when it was taken (epoch)
    double elapsed_s = 0;         // since the capture started
    double interval_s = 0;        // what the rates are over
    std::uint64_t interval_packets = 0, interval_bytes = 0;
    std::uint64_t packets = 0;    // frames read so far
    std::size_t flows_active = 0;
    std::uint64_t flows_total = 0, evicted = 0;
    std::vector<SnapshotRow> top; // by bytes, most first
};

/// Plain text: a timestamp line, the header, then the top conversations.
[[nodiscard]] std::string format_snapshot(const Snapshot& s, const std::string& source);

class LiveReport final : public decode::PacketConsumer {
public:
    LiveReport(const flow::FlowTable& table, const services::ServiceRegistry& registry,
               double interval_s, std::size_t top = 10);

    void on_packet(const decode::PacketInfo& packet) override;
    void on_batch_end() override;

    /// The newest snapshot not yet taken; called from the main thread.
    [[nodiscard]] std::optional<Snapshot> take();

private:
    Snapshot build(std::chrono::steady_clock::time_point now);

    const flow::FlowTable& table_;
    const services::ServiceRegistry& registry_;
    std::chrono::steady_clock::duration interval_;
    std::size_t top_;
    std::chrono::steady_clock::time_point start_, last_, next_;
    std::uint64_t packets_ = 0, interval_packets_ = 0, interval_bytes_ = 0;
    std::mutex mutex_; // guards ready_ only: held for a move, never during a packet
    std::optional<Snapshot> ready_;
};

} // namespace pairwatch::report
