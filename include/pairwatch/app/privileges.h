// Giving up root once the capture handle is open: the packet parsers never run as root.
#pragma once

#include <optional>
#include <string>

namespace pairwatch::app {

/// When running as root, becomes `user` (default "nobody"; "root" keeps root) with that user's
/// groups only. Not root: nothing to drop. Throws std::runtime_error with a one-line reason.
/// Returns the user now in effect, for the log.
std::string drop_privileges(const std::optional<std::string>& user);

/// True when the user database knows `name`: -Z is checked when the options are read, so a
/// mistyped user is a usage error before any capture starts.
bool user_exists(const std::string& name);

} // namespace pairwatch::app
