// The server inventory as a file: --servers FILE and --learn FILE write it at exit, --baseline
// FILE reads it back. JSON, one server per line inside one document, so a diff between two
// learned baselines reads server by server.
#pragma once

#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/server_inventory.h"

#include <absl/container/flat_hash_set.h>

#include <string>

namespace pairwatch::watch {

/// {"servers":[ {...}, ... ]} sorted by address, protocol and port.
[[nodiscard]] std::string inventory_to_json(const ServerInventory& inventory,
                                            const services::ServiceRegistry& registry);

/// Reads the servers of a file inventory_to_json wrote (host, proto and port of each; the rest
/// is for people). Throws std::runtime_error "FILE: what is wrong" on a file it cannot use.
[[nodiscard]] absl::flat_hash_set<ServerKey> read_baseline(const std::string& path);

} // namespace pairwatch::watch
