#include "flow_workers.h"

#include <algorithm>

namespace pairwatch::app {

FlowWorkers::FlowWorkers(const FlowWorkersOptions& options, const flow::ClientPortRule& client_rule,
                         flow::FlowSink& sinks)
    : dpi_(options.dpi) {
    const std::size_t n = std::max<std::size_t>(1, options.workers);
    flow::FlowSink* downstream = &sinks;
    if (n > 1) {
        shared_ = std::make_unique<flow::SharedSink>(sinks, lock_, n);
        downstream = shared_.get();
    }
    flow::FlowTableOptions table_options = options.table;
    table_options.max_flows = (options.table.max_flows + n - 1) / n;
    workers_.resize(n);
    for (Worker& w : workers_) {
        if (dpi_) w.detector = std::make_unique<dpi::AppDetector>();
        flow::FlowSink* first = w.detector ? static_cast<flow::FlowSink*>(w.detector.get()) : downstream;
        w.table = std::make_unique<flow::FlowTable>(table_options, client_rule, first);
        if (w.detector) w.detector->connect(*w.table, downstream);
    }
}

FlowWorkers::~FlowWorkers() = default;

std::vector<decode::PacketConsumer*> FlowWorkers::consumers(std::size_t worker) const {
    const Worker& w = workers_[worker];
    std::vector<decode::PacketConsumer*> out{w.table.get()};
    if (w.detector) out.push_back(w.detector.get());
    return out;
}

void FlowWorkers::set_app_listener(const dpi::AppDetector::AppListener& listener) {
    for (Worker& w : workers_) {
        if (!w.detector) continue;
        if (size() == 1) {
            w.detector->set_app_listener(listener);
            continue;
        }
        w.detector->set_app_listener([this, listener](const flow::Flow& f, std::string_view app) {
            std::lock_guard hold(lock_);
            listener(f, app);
        });
    }
}

flow::FlowTableStats FlowWorkers::stats() const {
    flow::FlowTableStats sum;
    for (const Worker& w : workers_) sum += w.table->stats();
    return sum;
}

dpi::AppDetectorStats FlowWorkers::dpi_stats() const {
    dpi::AppDetectorStats sum;
    for (const Worker& w : workers_) {
        if (w.detector) sum += w.detector->stats();
    }
    return sum;
}

std::string_view FlowWorkers::app_of(const flow::Flow& flow) const {
    for (const Worker& w : workers_) {
        if (w.detector && w.table->holds(flow)) return w.detector->app_of(flow);
    }
    return {};
}

} // namespace pairwatch::app
