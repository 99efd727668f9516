// Port -> service name for a flow's responder. Sources, later wins: the compiled IANA table,
// /etc/services, the core services (core_services.h), the user's --services file.
#pragma once

#include "pairwatch/services/proto.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pairwatch::services {

struct ServicesFileEntry;

/// In order of precedence, lowest first.
enum class ServiceSource : std::uint8_t { Iana, EtcServices, Core, User };
/// "iana", "etc-services", "core", "user".
[[nodiscard]] std::string_view to_string(ServiceSource s);

struct Service {
    // Views into the static IANA table or the registry: valid while the registry lives and
    // until its next load_*().
    std::string_view name;
    std::string_view description; // a core service's is its label ("FTP control")
    ServiceSource source = ServiceSource::Iana;
};

/// What one load_*() read, for the start-up log and the summary.
struct ServicesLoad {
    std::string path;
    ServiceSource source = ServiceSource::EtcServices;
    bool present = false;      // false: the file did not exist (only /etc/services may not)
    std::size_t entries = 0;   // tcp/udp entries read, before duplicates are dropped
    std::size_t malformed = 0; // lines skipped
    std::size_t other_transport = 0;
    std::string first_error; // "FILE:LINE: what", when malformed > 0
};

inline constexpr std::string_view kEtcServices = "/etc/services";

class ServiceRegistry {
public:
    /// The IANA table and the core services.
    ServiceRegistry();

    /// As the program starts: IANA, `system_file` when it exists, core, then `user_file`.
    /// Throws std::runtime_error for a user file that cannot be read or has a malformed line.
    [[nodiscard]] static ServiceRegistry
    standard(const std::optional<std::filesystem::path>& user_file,
             const std::filesystem::path& system_file = std::filesystem::path(kEtcServices));

    /// /etc/services or a file like it: absent is fine, malformed lines are skipped and counted.
    ServicesLoad load_system_file(const std::filesystem::path& path);
    /// The --services file: unreadable or malformed throws std::runtime_error("FILE:LINE: ...").
    ServicesLoad load_user_file(const std::filesystem::path& path);

    /// Once per new flow: one load from a direct index, no search, no allocation.
    [[nodiscard]] std::optional<Service> lookup(Proto proto, std::uint16_t port) const;
    [[nodiscard]] bool has_service(Proto proto, std::uint16_t port) const {
        return lookup(proto, port).has_value();
    }

    [[nodiscard]] const std::vector<ServicesLoad>& loads() const { return loads_; }

private:
    struct Overlay {
        std::uint16_t port;
        std::uint16_t name_len;
        std::uint16_t desc_len;
        ServiceSource source;
        std::uint32_t offset; // into pool_: name, then description
    };

    void add(const std::vector<ServicesFileEntry>& entries, ServiceSource source);
    [[nodiscard]] Overlay intern(std::uint16_t port, ServiceSource source, std::string_view name,
                                 std::string_view description);
    void rebuild_index();
    [[nodiscard]] static std::size_t index(Proto p) { return p == Proto::Tcp ? 0 : 1; }

    // Everything above the IANA table, per protocol, sorted by port, one entry per port (the
    // winner of its sources). Small: /etc/services has a few hundred lines.
    std::array<std::vector<Overlay>, 2> overlay_;
    // Per protocol, 65536 slots: 0 no service, kOverlay | i overlay_[i], else IANA entry i + 1.
    // 512 KiB, rebuilt after each load, so a lookup is one load instead of two binary searches.
    std::vector<std::uint32_t> index_;
    std::string pool_;
    std::vector<ServicesLoad> loads_;
};

} // namespace pairwatch::services
