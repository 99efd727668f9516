// Turns the flow table's events into alerts: a server answering (policy, baseline, dynamic
// port), a conversation ending refused or unanswered (scans), the payload check's verdict
// (service mismatch). One alert per server and kind; later occurrences only count as repeats.
#pragma once

#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/alert.h"
#include "pairwatch/watch/policy.h"
#include "pairwatch/watch/scan_detector.h"
#include "pairwatch/watch/server_inventory.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace pairwatch::watch {

struct AlertOptions {
    const Policy* policy = nullptr;            // null: no policy
    const absl::flat_hash_set<ServerKey>* baseline = nullptr; // null: no baseline
    std::size_t scan_threshold = 15;           // as Zeek's port-scan threshold; 0: off
    std::int64_t scan_window_ns = 300'000'000'000; // Zeek's scan interval, 5 min
};

class AlertEngine final : public flow::FlowSink {
public:
    /// Distinct alerts (server and kind) kept at most: made-up servers by the million must not
    /// grow memory or the log without end. Past it a new alert is counted, not raised.
    static constexpr std::size_t kMaxAlerts = 10000;

    AlertEngine(const services::ServiceRegistry& registry, AlertOptions options);

    void add_sink(AlertSink* sink) { sinks_.push_back(sink); }

    void on_answer(const flow::Flow& flow) override;
    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;
    /// The payload check named the flow's application (the responder's side is the server).
    void on_app(const flow::Flow& flow, std::string_view app, std::string_view expected_service);

    /// Every alert raised, with its repeats so far, in the order raised.
    [[nodiscard]] const std::vector<Alert>& alerts() const { return alerts_; }
    [[nodiscard]] std::array<std::uint64_t, kAlertKinds> counts() const;
    /// New alerts not raised because kMaxAlerts were already.
    [[nodiscard]] std::uint64_t not_raised() const { return not_raised_; }
    /// Sources the scan detector stopped following to stay within its cap.
    [[nodiscard]] std::uint64_t scan_sources_dropped() const { return scans_.sources_dropped(); }

private:
    struct Key {
        ServerKey server;
        AlertKind kind;
        friend bool operator==(const Key&, const Key&) = default;
        template <typename H> friend H AbslHashValue(H h, const Key& k) {
            return H::combine(std::move(h), k.server, k.kind);
        }
    };
    /// Raises an alert, or counts a repeat of the one already raised for this server and kind.
    void raise(Alert alert, const ServerKey& key);
    [[nodiscard]] std::string service_name(std::uint8_t proto, std::uint16_t port) const;

    const services::ServiceRegistry& registry_;
    AlertOptions options_;
    ScanDetector scans_;
    std::vector<AlertSink*> sinks_;
    std::vector<Alert> alerts_;
    absl::flat_hash_map<Key, std::size_t> raised_; // -> index in alerts_
    std::uint64_t not_raised_ = 0;
};

/// Whether a conversation that ended is a failed attempt a scan is made of: TCP refused (REJ),
/// unanswered (S0), or given up (RSTOS0, SH); UDP that got no reply.
[[nodiscard]] bool is_failed_attempt(const flow::Flow& flow);

} // namespace pairwatch::watch
