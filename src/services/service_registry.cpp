#include "pairwatch/services/service_registry.h"

#include "iana_table.h"
#include "pairwatch/services/core_services.h"
#include "pairwatch/services/services_file.h"

#include <algorithm>
#include <system_error>

namespace pairwatch::services {

namespace {
constexpr std::uint32_t kOverlay = 0x8000'0000U;
constexpr std::size_t kPorts = 65536;
} // namespace

std::string_view to_string(ServiceSource s) {
    switch (s) {
    case ServiceSource::Iana:
        return "iana";
    case ServiceSource::EtcServices:
        return "etc-services";
    case ServiceSource::Core:
        return "core";
    case ServiceSource::User:
        return "user";
    }
    return "?";
}

ServiceRegistry::ServiceRegistry() {
    std::vector<ServicesFileEntry> core;
    for (const auto& c : core_services()) {
        core.push_back({std::string(c.name), c.port, c.proto, std::string(c.label), 0});
    }
    add(core, ServiceSource::Core);
}

ServiceRegistry ServiceRegistry::standard(const std::optional<std::filesystem::path>& user_file,
                                          const std::filesystem::path& system_file) {
    ServiceRegistry registry;
    registry.load_system_file(system_file);
    if (user_file) {
        registry.load_user_file(*user_file);
    }
    return registry;
}

ServicesLoad ServiceRegistry::load_system_file(const std::filesystem::path& path) {
    ServicesLoad load;
    load.path = path.string();
    load.source = ServiceSource::EtcServices;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        // Present but unreadable is worth a line in the log, not a refusal to start.
        try {
            auto file = read_services_file(path, OnMalformed::Skip);
            load.present = true;
            load.entries = file.entries.size();
            load.malformed = file.malformed;
            load.other_transport = file.other_transport;
            load.first_error = std::move(file.first_error);
            add(file.entries, ServiceSource::EtcServices);
        } catch (const std::runtime_error& e) {
            load.present = true;
            load.malformed = 1;
            load.first_error = e.what();
        }
    }
    loads_.push_back(load);
    return load;
}

ServicesLoad ServiceRegistry::load_user_file(const std::filesystem::path& path) {
    auto file = read_services_file(path, OnMalformed::Throw);
    ServicesLoad load;
    load.path = path.string();
    load.source = ServiceSource::User;
    load.present = true;
    load.entries = file.entries.size();
    load.other_transport = file.other_transport;
    add(file.entries, ServiceSource::User);
    loads_.push_back(load);
    return load;
}

ServiceRegistry::Overlay ServiceRegistry::intern(std::uint16_t port, ServiceSource source,
                                                 std::string_view name,
                                                 std::string_view description) {
    name = name.substr(0, 0xffff);
    description = description.substr(0, 0xffff);
    Overlay o{port, static_cast<std::uint16_t>(name.size()),
              static_cast<std::uint16_t>(description.size()), source,
              static_cast<std::uint32_t>(pool_.size())};
    pool_.append(name);
    pool_.append(description);
    return o;
}

void ServiceRegistry::add(const std::vector<ServicesFileEntry>& entries, ServiceSource source) {
    for (const Proto proto : {Proto::Tcp, Proto::Udp}) {
        std::vector<Overlay> fresh;
        for (const auto& e : entries) {
            if (e.proto == proto) {
                fresh.push_back(intern(e.port, source, e.name, e.description));
            }
        }
        // Within one file the first line for a port wins, as getservbyport(3) answers.
        std::stable_sort(fresh.begin(), fresh.end(),
                         [](const Overlay& a, const Overlay& b) { return a.port < b.port; });
        fresh.erase(
            std::unique(fresh.begin(), fresh.end(),
                        [](const Overlay& a, const Overlay& b) { return a.port == b.port; }),
            fresh.end());

        // Across sources the higher precedence wins, whatever the order of loading; between two
        // loads of the same kind, the later.
        auto& old = overlay_[index(proto)];
        std::vector<Overlay> merged;
        merged.reserve(old.size() + fresh.size());
        auto o = old.begin();
        auto f = fresh.begin();
        while (o != old.end() || f != fresh.end()) {
            if (f == fresh.end() || (o != old.end() && o->port < f->port)) {
                merged.push_back(*o++);
            } else if (o == old.end() || f->port < o->port) {
                merged.push_back(*f++);
            } else {
                merged.push_back(f->source >= o->source ? *f : *o);
                ++o;
                ++f;
            }
        }
        old = std::move(merged);
    }
    rebuild_index();
}

void ServiceRegistry::rebuild_index() {
    index_.assign(2 * kPorts, 0);
    for (const Proto proto : {Proto::Tcp, Proto::Udp}) {
        auto* slots = index_.data() + index(proto) * kPorts;
        const auto iana = detail::iana_entries(proto);
        for (std::size_t i = 0; i < iana.size(); ++i) {
            slots[iana[i].port] = static_cast<std::uint32_t>(i + 1);
        }
        const auto& overlay = overlay_[index(proto)];
        for (std::size_t i = 0; i < overlay.size(); ++i) {
            slots[overlay[i].port] = kOverlay | static_cast<std::uint32_t>(i);
        }
    }
}

std::optional<Service> ServiceRegistry::lookup(Proto proto, std::uint16_t port) const {
    const std::uint32_t slot = index_[index(proto) * kPorts + port];
    if (slot == 0) {
        return std::nullopt;
    }
    if ((slot & kOverlay) != 0) {
        const auto& o = overlay_[index(proto)][slot & ~kOverlay];
        const std::string_view pool(pool_);
        return Service{pool.substr(o.offset, o.name_len),
                       pool.substr(o.offset + o.name_len, o.desc_len), o.source};
    }
    const auto iana = detail::iana_service(detail::iana_entries(proto)[slot - 1]);
    return Service{iana.name, iana.description, ServiceSource::Iana};
}

} // namespace pairwatch::services
