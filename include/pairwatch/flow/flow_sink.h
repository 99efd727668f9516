// What receives flows as they end (the JSON writer, the summary, the exporters) and, for IPFIX,
// while they run. Called on the flow thread; a sink copies what it keeps and never holds on to
// the Flow or reaches back into the table.
#pragma once

#include "pairwatch/flow/flow.h"

#include <cstddef>
#include <mutex>
#include <vector>

namespace pairwatch::flow {

class FlowSink {
public:
    virtual ~FlowSink() = default;
    virtual void on_flow_end(const Flow& flow, EndReason why) = 0;
    /// The responder answered for the first time: it sent a SYN-ACK or TCP payload, or any UDP
    /// packet. That is the moment a server shows itself (the inventory and alerts start here).
    virtual void on_answer(const Flow& /*flow*/) {}
    /// Active timeout: the flow is still open and has run another interval since it started or
    /// was last updated (flow.updated is set from the first update on). Only with
    /// FlowTableOptions::active_timeout_ns; `now_ns` is the packet time of the report. Sinks
    /// that keep one record per conversation ignore it.
    virtual void on_flow_update(const Flow& /*flow*/, std::int64_t /*now_ns*/) {}
    /// After the last flow (end of input or a stop signal): flush.
    virtual void on_finish() {}
};

/// Hands every event to each of several sinks, in the order they were added. The one place
/// that lists the events: a new one added to FlowSink is forwarded here or nowhere.
class FanOutSink final : public FlowSink {
public:
    void add(FlowSink* sink) { sinks_.push_back(sink); }
    void on_flow_end(const Flow& flow, EndReason why) override {
        for (auto* s : sinks_) s->on_flow_end(flow, why);
    }
    void on_answer(const Flow& flow) override {
        for (auto* s : sinks_) s->on_answer(flow);
    }
    void on_flow_update(const Flow& flow, std::int64_t now_ns) override {
        for (auto* s : sinks_) s->on_flow_update(flow, now_ns);
    }
    void on_finish() override {
        for (auto* s : sinks_) s->on_finish();
    }

private:
    std::vector<FlowSink*> sinks_;
};

/// Lets the tables of several flow workers (--threads) feed one set of sinks: each event runs
/// under `lock`, so the sinks see one event at a time as with one table, and on_finish goes on
/// once, after the last of the `users` tables has finished. Whoever else touches the sinks
/// while the workers run (a flush, a reopen) takes the same lock.
class SharedSink final : public FlowSink {
public:
    SharedSink(FlowSink& downstream, std::mutex& lock, std::size_t users)
        : downstream_(downstream), lock_(lock), unfinished_(users) {}
    void on_flow_end(const Flow& flow, EndReason why) override {
        std::lock_guard hold(lock_);
        downstream_.on_flow_end(flow, why);
    }
    void on_answer(const Flow& flow) override {
        std::lock_guard hold(lock_);
        downstream_.on_answer(flow);
    }
    void on_flow_update(const Flow& flow, std::int64_t now_ns) override {
        std::lock_guard hold(lock_);
        downstream_.on_flow_update(flow, now_ns);
    }
    void on_finish() override {
        std::lock_guard hold(lock_);
        if (unfinished_ > 0 && --unfinished_ == 0) downstream_.on_finish();
    }

private:
    FlowSink& downstream_;
    std::mutex& lock_;
    std::size_t unfinished_;
};

} // namespace pairwatch::flow
