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
    /// After the last flow (end of input or a stop signal): flush.
    virtual void on_finish() {}
};

} // namespace pairwatch::flow
