// The IANA category of a port number (RFC 6335 section 6): what the report shows beside a service.
#pragma once

#include <cstdint>
#include <string_view>

namespace pairwatch::services {

enum class PortCategory : std::uint8_t {
    WellKnown,  // 0-1023, "System Ports"
    Registered, // 1024-49151, "User Ports"
    Dynamic,    // 49152-65535, "Dynamic and/or Private Ports": never assigned, used by clients
};

[[nodiscard]] constexpr PortCategory category_of(std::uint16_t port) {
    if (port <= 1023) {
        return PortCategory::WellKnown;
    }
    if (port <= 49151) {
        return PortCategory::Registered;
    }
    return PortCategory::Dynamic;
}

/// "well-known", "registered", "dynamic".
[[nodiscard]] constexpr std::string_view to_string(PortCategory c) {
    switch (c) {
    case PortCategory::WellKnown:
        return "well-known";
    case PortCategory::Registered:
        return "registered";
    case PortCategory::Dynamic:
        return "dynamic";
    }
    return "?";
}

} // namespace pairwatch::services
