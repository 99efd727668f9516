// What receives flows as they end: the JSON writer now; the exporters, the server inventory and
// the report's totals next. Called on the flow thread; a sink copies what it keeps and never
// holds on to the Flow or reaches back into the table.
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
    /// After the last flow (end of input or a stop signal): flush.
    virtual void on_finish() {}
};

} // namespace pairwatch::flow
