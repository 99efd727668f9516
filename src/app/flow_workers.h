// The flow side of a run: one flow table per worker (--threads), each with its own payload
// inspector, all sending their flows to one set of sinks. With one worker nothing is shared
// and nothing is locked: the table feeds the sinks directly, as it always did.
#pragma once

#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/dpi/app_detector.h"
#include "pairwatch/flow/app_lookup.h"
#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/flow/flow_table.h"

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace pairwatch::app {

struct FlowWorkersOptions {
    std::size_t workers = 1;
    /// max_flows is the whole run's: each worker keeps its share (rounded up).
    flow::FlowTableOptions table;
    bool dpi = false;
};

class FlowWorkers final : public flow::AppLookup {
public:
    FlowWorkers(const FlowWorkersOptions& options, const flow::ClientPortRule& client_rule,
                flow::FlowSink& sinks);
    ~FlowWorkers() override;
    FlowWorkers(const FlowWorkers&) = delete;
    FlowWorkers& operator=(const FlowWorkers&) = delete;

    [[nodiscard]] std::size_t size() const { return workers_.size(); }
    [[nodiscard]] flow::FlowTable& table(std::size_t worker) { return *workers_[worker].table; }
    [[nodiscard]] const flow::FlowTable& table(std::size_t worker) const {
        return *workers_[worker].table;
    }
    /// What worker `worker` runs, in order: its table, then its inspector (which reads the
    /// slot of the packet the table just placed).
    [[nodiscard]] std::vector<decode::PacketConsumer*> consumers(std::size_t worker) const;
    /// Null without payload inspection.
    [[nodiscard]] const flow::AppLookup* apps() const { return dpi_ ? this : nullptr; }
    /// Called the moment an inspector names a flow's protocol; under the sinks' lock when
    /// there are several workers.
    void set_app_listener(const dpi::AppDetector::AppListener& listener);
    /// The lock a flush or reopen of the sinks takes while the workers run; null with one
    /// worker, whose sinks are only ever touched on its own thread.
    [[nodiscard]] std::mutex* sinks_lock() { return size() > 1 ? &lock_ : nullptr; }

    /// The tables' counters added up. peak_active is the sum of each table's peak: what the
    /// tables' memory was sized for, and at least the true peak of open conversations.
    [[nodiscard]] flow::FlowTableStats stats() const;
    /// The inspectors' counters added up (peak_inspecting likewise).
    [[nodiscard]] dpi::AppDetectorStats dpi_stats() const;

    // AppLookup: asks the inspector of the table that holds the flow.
    [[nodiscard]] std::string_view app_of(const flow::Flow& flow) const override;

private:
    struct Worker {
        std::unique_ptr<dpi::AppDetector> detector;
        std::unique_ptr<flow::FlowTable> table;
    };
    bool dpi_;
    std::mutex lock_;
    std::unique_ptr<flow::SharedSink> shared_;
    std::vector<Worker> workers_;
};

} // namespace pairwatch::app
