#include "pairwatch/services/core_services.h"

#include <algorithm>
#include <array>

namespace pairwatch::services {

namespace {
// The seed's list. Names are Zeek's conn.log service names where Zeek has one; "dhcp-client" and
// "https" are ours (Zeek says "dhcp" and "ssl", from the payload rather than the port).
// FTP control is 21: one seed table says 32, a typo; IANA assigns 21 (32 is unassigned).
constexpr std::array kCore = {
    CoreService{Proto::Tcp, 20, "ftp-data", "FTP data"},
    CoreService{Proto::Tcp, 21, "ftp", "FTP control"},
    CoreService{Proto::Tcp, 22, "ssh", "SSH"},
    CoreService{Proto::Tcp, 23, "telnet", "Telnet"},
    CoreService{Proto::Tcp, 25, "smtp", "SMTP"},
    CoreService{Proto::Tcp, 53, "dns", "DNS"}, // zone transfers, answers too large for UDP
    CoreService{Proto::Tcp, 80, "http", "HTTP"},
    CoreService{Proto::Tcp, 110, "pop3", "POP3"},
    CoreService{Proto::Tcp, 143, "imap", "IMAP"},
    CoreService{Proto::Tcp, 443, "https", "HTTPS"},
    CoreService{Proto::Udp, 53, "dns", "DNS"},
    CoreService{Proto::Udp, 67, "dhcp", "DHCP server"},
    CoreService{Proto::Udp, 68, "dhcp-client", "DHCP client"},
    CoreService{Proto::Udp, 69, "tftp", "TFTP"},
    CoreService{Proto::Udp, 161, "snmp", "SNMP"},
};

constexpr bool less(const CoreService& a, const CoreService& b) {
    return a.proto != b.proto ? a.proto < b.proto : a.port < b.port;
}
static_assert(std::is_sorted(kCore.begin(), kCore.end(), less));
} // namespace

std::span<const CoreService> core_services() {
    return kCore;
}

std::optional<CoreService> find_core_service(Proto proto, std::uint16_t port) {
    const CoreService key{proto, port, {}, {}};
    const auto* it = std::lower_bound(kCore.begin(), kCore.end(), key, less);
    if (it == kCore.end() || it->proto != proto || it->port != port) {
        return std::nullopt;
    }
    return *it;
}

} // namespace pairwatch::services
