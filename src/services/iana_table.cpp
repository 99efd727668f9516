#include "iana_table.h"

#include <algorithm>

namespace pairwatch::services::detail {

namespace {
#include "iana_services.inc"

constexpr bool sorted_unique(std::span<const IanaEntry> entries) {
    return std::adjacent_find(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
               return a.port >= b.port;
           }) == entries.end();
}
static_assert(sorted_unique(kIanaTcp) && sorted_unique(kIanaUdp));
} // namespace

std::span<const IanaEntry> iana_entries(Proto proto) {
    return proto == Proto::Tcp ? std::span<const IanaEntry>(kIanaTcp)
                               : std::span<const IanaEntry>(kIanaUdp);
}

IanaService iana_service(const IanaEntry& e) {
    const std::string_view pool(kIanaPool, sizeof(kIanaPool) - 1);
    return {pool.substr(e.offset, e.name_len), pool.substr(e.offset + e.name_len, e.desc_len)};
}

std::optional<IanaService> iana_lookup(Proto proto, std::uint16_t port) {
    const auto entries = iana_entries(proto);
    const auto it =
        std::lower_bound(entries.begin(), entries.end(), port,
                         [](const IanaEntry& e, std::uint16_t p) { return e.port < p; });
    if (it == entries.end() || it->port != port) {
        return std::nullopt;
    }
    return iana_service(*it);
}

std::size_t iana_table_bytes() {
    return sizeof(kIanaPool) + sizeof(kIanaTcp) + sizeof(kIanaUdp);
}

} // namespace pairwatch::services::detail
