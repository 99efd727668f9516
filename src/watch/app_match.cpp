#include "pairwatch/watch/app_match.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace pairwatch::watch {

namespace {

// The protocols nDPI identifies from the payload with little doubt.
constexpr std::array<std::string_view, 14> kKnownFamilies = {
    "ssh", "http", "tls", "dns", "smtp", "telnet", "ftp_control", "pop3", "imap", "ntp", "snmp",
    "tftp", "quic", "rdp"};

// What each port's service name (as the registry names it) may carry. A service not listed
// makes no claim.
struct Claim {
    std::string_view service;
    std::array<std::string_view, 3> families;
};
constexpr std::array<Claim, 14> kClaims = {{
    {"ssh", {"ssh"}},
    {"http", {"http"}},
    {"http-alt", {"http"}},
    {"https", {"tls", "quic"}},
    {"dns", {"dns"}},
    {"domain", {"dns"}},
    {"smtp", {"smtp", "tls"}},
    {"telnet", {"telnet"}},
    {"ftp", {"ftp_control", "tls"}},
    {"pop3", {"pop3", "tls"}},
    {"imap", {"imap", "tls"}},
    {"ntp", {"ntp"}},
    {"snmp", {"snmp"}},
    {"tftp", {"tftp"}},
}};

} // namespace

std::string app_family(std::string_view app) {
    std::string f(app.substr(0, app.find('.')));
    std::transform(f.begin(), f.end(), f.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return f;
}

bool app_contradicts_service(std::string_view app, std::string_view service) {
    const std::string family = app_family(app);
    if (std::find(kKnownFamilies.begin(), kKnownFamilies.end(), family) == kKnownFamilies.end()) {
        return false;
    }
    const auto claim = std::find_if(kClaims.begin(), kClaims.end(),
                                    [&](const Claim& c) { return c.service == service; });
    if (claim == kClaims.end()) return false;
    return std::find(claim->families.begin(), claim->families.end(), family) ==
           claim->families.end();
}

} // namespace pairwatch::watch
