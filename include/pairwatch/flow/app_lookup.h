// What payload inspection found for a flow, for the sinks that write or show flows. An interface
// of its own so that a sink needs neither the inspector (and nDPI) nor the flow table: it is
// handed a lookup at construction, or none when inspection is off.
#pragma once

#include "pairwatch/flow/flow.h"

#include <string_view>

namespace pairwatch::flow {

class AppLookup {
public:
    virtual ~AppLookup() = default;
    /// The application protocol's name as the inspector gives it ("HTTP", "TLS.Google"), or
    /// empty when it found none (yet). Valid for a flow the table handed out, until its
    /// on_flow_end returns; the view lives as long as the lookup.
    [[nodiscard]] virtual std::string_view app_of(const Flow& flow) const = 0;
};

} // namespace pairwatch::flow
