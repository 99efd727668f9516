// --metrics ADDR:PORT: a Prometheus text endpoint. The counters are kept on the flow thread and
// rendered into the exposition text once a second (and at the end); the HTTP thread only copies
// the latest text, under a lock held for that copy.
#pragma once

#include "pairwatch/capture/packet_source.h"
#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/flow/flow_table.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/alert.h"

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace pairwatch::exporter {

/// Everything the endpoint exposes, as plain numbers.
struct MetricsValues {
    std::uint64_t packets = 0, bytes = 0, malformed = 0, truncated = 0;
    std::optional<capture::CaptureCounters> capture;
    std::size_t flows_active = 0;
    std::uint64_t flows_created = 0;
    std::array<std::uint64_t, 7> flows_ended{}; // by flow::EndReason
    std::map<std::pair<std::string, std::string>, std::uint64_t> ended_by_service; // (proto, name)
    std::array<std::uint64_t, 3> ended_by_category{};
    std::array<std::uint64_t, watch::kAlertKinds> alerts{};
};

/// The Prometheus text exposition format (version 0.0.4), HELP and TYPE lines included.
[[nodiscard]] std::string format_metrics(const MetricsValues& v);

class MetricsCollector final : public decode::PacketConsumer,
                               public flow::FlowSink,
                               public watch::AlertSink {
public:
    /// The open and created conversation counts: one table's, or the flow workers' added up.
    using TableStats = std::function<flow::FlowTableStats()>;

    MetricsCollector(const flow::FlowTable& table, const services::ServiceRegistry& registry);
    MetricsCollector(TableStats table_stats, const services::ServiceRegistry& registry);

    void on_packet(const decode::PacketInfo& packet) override;
    /// Once a second: the counts published are the tables' at rest, with every flow that
    /// ended by then counted.
    [[nodiscard]] bool wants_tables_at_rest() override;
    void on_tables_at_rest() override { publish(); }
    void on_end() override { publish(); }
    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;
    void on_alert(const watch::Alert& alert) override;

    /// The newest values (thread-safe), with the kernel's counters from `capture` when given.
    [[nodiscard]] MetricsValues latest() const;

private:
    void publish();

    TableStats table_stats_;
    const services::ServiceRegistry& registry_;
    MetricsValues working_;
    std::chrono::steady_clock::time_point next_{};
    mutable std::mutex mutex_; // guards published_ only
    MetricsValues published_;
};

class MetricsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// "9100", ":9100" and "127.0.0.1:9100" bind to 127.0.0.1; "0.0.0.0:9100", "[::]:9100" and
/// "[::1]:9100" bind where they say. Throws MetricsError naming what is wrong.
struct BindAddress {
    std::string host;
    std::uint16_t port = 0;
};
[[nodiscard]] BindAddress parse_bind_address(const std::string& text);

/// Serves GET /metrics (and nothing else) from its own thread, via libmicrohttpd.
class MetricsServer {
public:
    using Body = std::function<std::string()>;
    /// Binds at once (a port in use is an error at start-up, not later).
    MetricsServer(const BindAddress& where, Body body);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    [[nodiscard]] std::uint16_t port() const { return port_; }

private:
    struct Daemon;
    std::unique_ptr<Daemon> daemon_;
    Body body_;
    std::uint16_t port_ = 0;
};

} // namespace pairwatch::exporter
