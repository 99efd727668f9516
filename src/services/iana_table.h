// The compiled IANA table (generated into iana_services.inc by scripts/gen-services.py):
// private to services/, reached through ServiceRegistry.
#pragma once

#include "pairwatch/services/proto.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace pairwatch::services::detail {

/// 8 bytes: the name and description are `name_len` + `desc_len` bytes of the pool at `offset`.
struct IanaEntry {
    std::uint16_t port;
    std::uint8_t name_len;
    std::uint8_t desc_len;
    std::uint32_t offset;
};
static_assert(sizeof(IanaEntry) == 8);

struct IanaService {
    std::string_view name;
    std::string_view description;
};

/// Sorted by port, one entry per port.
[[nodiscard]] std::span<const IanaEntry> iana_entries(Proto proto);
[[nodiscard]] IanaService iana_service(const IanaEntry& e);
[[nodiscard]] std::optional<IanaService> iana_lookup(Proto proto, std::uint16_t port);
/// Bytes the table takes in the binary: entries plus pool.
[[nodiscard]] std::size_t iana_table_bytes();

} // namespace pairwatch::services::detail
