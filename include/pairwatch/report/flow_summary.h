// The end-of-run summary: totals, flows by service, by port category and by conn_state, the
// top conversations, and what was evicted, malformed or dropped. Aggregated as flows end, so
// the table itself is never walked for it.
#pragma once

#include "pairwatch/flow/flow.h"
#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/flow/tcp_tracker.h"
#include "pairwatch/services/service_registry.h"

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pairwatch::report {

struct Totals {
    std::uint64_t flows = 0;
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0; // IP bytes, both directions
};

class FlowSummary final : public flow::FlowSink {
public:
    explicit FlowSummary(const services::ServiceRegistry& registry, std::size_t top = 10);

    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;

    struct Conversation {
        std::uint64_t bytes = 0;
        std::int64_t first_ns = 0;
        std::string line; // already formatted: proto orig > resp service state pkts bytes
    };

    /// The summary's text, given the run's other counters (decode, table, capture) as text.
    [[nodiscard]] std::string text() const;

    [[nodiscard]] const Totals& totals() const { return totals_; }
    /// By name: "http", or "PORT/PROTO" for a responder port without one.
    [[nodiscard]] std::map<std::string, Totals> by_service() const;
    [[nodiscard]] std::map<std::string, Totals> by_category() const;
    /// "tcp SF", "udp S0", ...
    [[nodiscard]] std::map<std::string, Totals> by_conn_state() const;
    [[nodiscard]] std::map<std::string, std::uint64_t> by_end_reason() const;

private:
    // Counted under numbers as flows end, named only when the summary is written: a flow's end
    // must not cost a string or a map search (a busy link ends a million flows a minute).
    static constexpr std::size_t kStates = static_cast<std::size_t>(flow::ConnState::OTH) + 1;
    static constexpr std::size_t kEndReasons = static_cast<std::size_t>(flow::EndReason::Reused) + 1;
    const services::ServiceRegistry& registry_;
    std::size_t top_;
    Totals totals_;
    // Key: proto (6 or 17) << 17 | named << 16 | port (the naming port, else the responder's).
    absl::flat_hash_map<std::uint32_t, Totals> by_service_;
    std::array<Totals, 3> by_category_{};
    std::array<std::array<Totals, kStates>, 2> by_state_{}; // [udp?][state]
    std::array<std::uint64_t, kEndReasons> by_end_{};
    std::vector<Conversation> top_conversations_; // a heap, the last-ranked on top; at most top_
};

} // namespace pairwatch::report
