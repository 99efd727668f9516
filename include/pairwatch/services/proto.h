// The two transports pairwatch names services for. Values are the IP protocol numbers, so a
// decoded packet's ip_proto converts with proto_from_ip().
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pairwatch::services {

enum class Proto : std::uint8_t { Tcp = 6, Udp = 17 };

[[nodiscard]] constexpr std::optional<Proto> proto_from_ip(std::uint8_t ip_proto) {
    switch (ip_proto) {
    case 6:
        return Proto::Tcp;
    case 17:
        return Proto::Udp;
    default:
        return std::nullopt;
    }
}

/// "tcp" or "udp", as /etc/services and IANA's registry spell them.
[[nodiscard]] constexpr std::string_view to_string(Proto p) {
    return p == Proto::Tcp ? "tcp" : "udp";
}

/// An IP protocol number as the outputs name it: "tcp", "udp", else `other` (a scan alert,
/// which has no single protocol, says "ip").
[[nodiscard]] constexpr std::string_view ip_proto_name(std::uint8_t ip_proto, std::string_view other = "ip") {
    const auto p = proto_from_ip(ip_proto);
    return p ? to_string(*p) : other;
}

} // namespace pairwatch::services
