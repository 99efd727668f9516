#include "pairwatch/decode/packet_info.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <arpa/inet.h>

#include <array>

namespace pairwatch::decode {

IpAddress IpAddress::from_v4(std::uint32_t host_order) {
    IpAddress a;
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    a.bytes[12] = static_cast<std::uint8_t>(host_order >> 24);
    a.bytes[13] = static_cast<std::uint8_t>(host_order >> 16);
    a.bytes[14] = static_cast<std::uint8_t>(host_order >> 8);
    a.bytes[15] = static_cast<std::uint8_t>(host_order);
    return a;
}

bool IpAddress::is_v4() const {
    for (std::size_t i = 0; i < 10; ++i) {
        if (bytes[i] != 0) return false;
    }
    return bytes[10] == 0xff && bytes[11] == 0xff;
}

std::uint32_t IpAddress::v4() const {
    return std::uint32_t{bytes[12]} << 24 | std::uint32_t{bytes[13]} << 16 |
           std::uint32_t{bytes[14]} << 8 | bytes[15];
}

std::string to_string(const IpAddress& a) { return to_string(a, a.is_v4() ? 4 : 6); }

std::string to_string(const IpAddress& a, std::uint8_t ip_version) {
    // Dotted quad by fmt: glibc's inet_ntop formats IPv4 with sprintf, a large share of a
    // record's cost; the text fits a std::string's inline buffer, so nothing is allocated.
    if (ip_version == 4) {
        return fmt::format(FMT_COMPILE("{}.{}.{}.{}"), a.bytes[12], a.bytes[13], a.bytes[14], a.bytes[15]);
    }
    std::array<char, INET6_ADDRSTRLEN> text{};
    inet_ntop(AF_INET6, a.bytes.data(), text.data(), text.size());
    return text.data();
}

std::string format_endpoint(const IpAddress& a, std::uint16_t port, std::uint8_t ip_version) {
    std::string out = ip_version == 4 ? to_string(a, 4) : "[" + to_string(a, 6) + "]";
    out += ':';
    out += std::to_string(port);
    return out;
}

std::string_view to_string(Outcome o) {
    switch (o) {
    case Outcome::Tcp: return "tcp";
    case Outcome::Udp: return "udp";
    case Outcome::OtherIp: return "other_ip";
    case Outcome::NonIp: return "non_ip";
    case Outcome::UnmatchedFragment: return "unmatched_fragment";
    case Outcome::Truncated: return "truncated";
    case Outcome::Malformed: return "malformed";
    case Outcome::kCount: break;
    }
    return "unknown";
}

std::string_view to_string(TunnelKind t) {
    switch (t) {
    case TunnelKind::None: return "none";
    case TunnelKind::IpInIp: return "ip-in-ip";
    case TunnelKind::Gre: return "gre";
    case TunnelKind::Vxlan: return "vxlan";
    case TunnelKind::Geneve: return "geneve";
    case TunnelKind::Teredo: return "teredo";
    case TunnelKind::MplsUdp: return "mpls-in-udp";
    }
    return "unknown";
}

} // namespace pairwatch::decode
