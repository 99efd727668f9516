// What receives flows as they end (the JSON writer, the summary, the exporters) and, for IPFIX,
// while they run. Called on the flow thread; a sink copies what it keeps and never holds on to
// the Flow or reaches back into the table.
#pragma once

#include "pairwatch/flow/flow.h"

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

} // namespace pairwatch::flow
