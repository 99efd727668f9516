// The core services the report always names, with the short names it shows (Zeek's conn.log
// service names where Zeek has one) and a display label. They override the raw IANA and
// /etc/services names (domain, bootps, www-http...); only a user's --services file overrides them.
#pragma once

#include "pairwatch/services/proto.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace pairwatch::services {

struct CoreService {
    Proto proto;
    std::uint16_t port;
    std::string_view name;  // "ftp", "dns", "dhcp": short, lowercase, as Zeek names it
    std::string_view label; // "FTP control", "DNS", "DHCP server"
};

/// Sorted by (proto, port).
[[nodiscard]] std::span<const CoreService> core_services();
[[nodiscard]] std::optional<CoreService> find_core_service(Proto proto, std::uint16_t port);

} // namespace pairwatch::services
