#include "pairwatch/watch/alert.h"

#include "pairwatch/services/proto.h"

#include <fmt/format.h>

namespace pairwatch::watch {

std::string_view to_string(AlertKind k) {
    switch (k) {
    case AlertKind::NewServer:
        return "new-server";
    case AlertKind::DeniedService:
        return "denied-service";
    case AlertKind::DynamicPortServer:
        return "dynamic-port-server";
    case AlertKind::ServiceMismatch:
        return "service-mismatch";
    case AlertKind::Scan:
        return "scan";
    default:
        return "?";
    }
}

std::string alert_to_text(const Alert& a) {
    const std::string_view proto = services::ip_proto_name(a.proto);
    std::string where = decode::to_string(a.host, a.ip_version);
    if (a.kind != AlertKind::Scan) {
        where += fmt::format(" {}/{}", proto, a.port);
        if (!a.service.empty()) where += fmt::format(" ({})", a.service);
    }
    std::string text = fmt::format("{} [{}] {}", to_string(a.kind), to_string(a.severity), where);
    if (a.app) text += fmt::format(" app {}", *a.app);
    if (a.peer) text += fmt::format(", first client {}", decode::to_string(*a.peer, a.ip_version));
    if (!a.detail.empty()) text += ": " + a.detail;
    if (a.repeats > 0) text += fmt::format(" (+{} more)", a.repeats);
    return text;
}

} // namespace pairwatch::watch
