// Whether what the payload check found contradicts what a server's port claims: SSH on 443,
// HTTP on 53. Only well-identified protocols on ports with a clear claim are compared, so an
// unusual but honest server (TLS on 8443, a proprietary protocol on an IANA-named port) says
// nothing: a mismatch alert must be worth a look.
#pragma once

#include <string>
#include <string_view>

namespace pairwatch::watch {

/// The protocol family of an nDPI name: "TLS.Google" -> "tls", "HTTP" -> "http".
[[nodiscard]] std::string app_family(std::string_view app);

/// True when `app` (nDPI's name) is a protocol pairwatch knows well and the port's `service`
/// claims another one.
[[nodiscard]] bool app_contradicts_service(std::string_view app, std::string_view service);

} // namespace pairwatch::watch
