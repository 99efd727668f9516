// The end-of-run summary: totals, flows by service, by port category and by conn_state, the
// top conversations, and what was evicted, malformed or dropped. Aggregated as flows end, so
// the table itself is never walked for it.
#pragma once

#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/services/service_registry.h"

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
        std::string line; // already formatted: proto orig > resp service state pkts bytes
    };

    /// The summary's text, given the run's other counters (decode, table, capture) as text.
    [[nodiscard]] std::string text() const;

    [[nodiscard]] const Totals& totals() const { return totals_; }
    [[nodiscard]] const std::map<std::string, Totals>& by_service() const { return by_service_; }
    [[nodiscard]] const std::map<std::string, Totals>& by_category() const { return by_category_; }
    [[nodiscard]] const std::map<std::string, Totals>& by_conn_state() const { return by_state_; }
    [[nodiscard]] const std::map<std::string, std::uint64_t>& by_end_reason() const {
        return by_end_;
    }

private:
    const services::ServiceRegistry& registry_;
    std::size_t top_;
    Totals totals_;
    std::map<std::string, Totals> by_service_;
    std::map<std::string, Totals> by_category_;
    std::map<std::string, Totals> by_state_;
    std::map<std::string, std::uint64_t> by_end_;
    std::vector<Conversation> top_conversations_; // a min-heap on bytes, at most top_ long
};

} // namespace pairwatch::report
