// A flow's label: the service of its responder's port (or, when only that one is known, of its
// originator's port) and the IANA category of the responder's port.
#pragma once

#include "pairwatch/flow/flow.h"
#include "pairwatch/services/port_category.h"
#include "pairwatch/services/service_registry.h"

#include <optional>
#include <string_view>

namespace pairwatch::services {

enum class LabelSource : std::uint8_t { None, RespPort, OrigPort };
/// "resp_port", "orig_port"; None has no text (JSON null).
[[nodiscard]] std::string_view to_string(LabelSource s);

struct FlowLabel {
    std::optional<Service> service;
    LabelSource source = LabelSource::None;
    PortCategory category = PortCategory::WellKnown; // of the responder's port
};

[[nodiscard]] FlowLabel label_flow(const flow::Flow& flow, const ServiceRegistry& registry);

} // namespace pairwatch::services
