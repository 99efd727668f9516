// An alert: something on the LAN that a watcher should look at (issue 5's kinds), and where
// alerts go: the log, a JSON-lines file, the report's alert view, the summary.
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pairwatch::watch {

enum class AlertKind : std::uint8_t {
    NewServer,         // a server the policy does not allow, or absent from the baseline
    DeniedService,     // a server matching a deny rule (telnet anywhere)
    DynamicPortServer, // a server on 49152-65535 that nothing allows explicitly
    ServiceMismatch,   // the payload says another protocol than the port's service
    Scan,              // one source, many refused or unanswered attempts
    kCount,
};
inline constexpr std::size_t kAlertKinds = static_cast<std::size_t>(AlertKind::kCount);
/// "new-server", "denied-service", "dynamic-port-server", "service-mismatch", "scan".
[[nodiscard]] std::string_view to_string(AlertKind k);

/// How loud an alert is; a policy rule's `severity` sets it for the alerts the rule raises.
enum class Severity : std::uint8_t { Low, Medium, High, Critical };
/// "low", "medium", "high", "critical".
[[nodiscard]] std::string_view to_string(Severity s);

struct Alert {
    std::int64_t ts_ns = 0; // when it was raised: the packet time of what revealed it
    AlertKind kind = AlertKind::NewServer;
    Severity severity = Severity::Medium;
    decode::IpAddress host; // the server; for a scan, the scanner
    std::uint8_t ip_version = 4;
    std::uint8_t proto = 0;  // 6 or 17; for a scan, the protocol of its last attempt
    std::uint16_t port = 0;  // the server's port; 0 for a scan
    std::string service;     // the port's service name, or "" when the port has none
    std::optional<std::string> app; // what the payload check found
    std::optional<decode::IpAddress> peer; // the client that revealed it
    std::string detail;      // one plain sentence
    std::uint64_t repeats = 0; // later occurrences folded into this alert
};

/// One line for people: "new-server 10.0.0.5 tcp/8080 (http-alt), first client 10.0.0.2: ...".
[[nodiscard]] std::string alert_to_text(const Alert& a);

/// Receives each alert once, when it is raised, on the flow thread.
class AlertSink {
public:
    virtual ~AlertSink() = default;
    virtual void on_alert(const Alert& alert) = 0;
};

} // namespace pairwatch::watch
