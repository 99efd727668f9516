#include "pairwatch/services/client_port.h"

#include "pairwatch/services/port_category.h"
#include "pairwatch/services/service_registry.h"

namespace pairwatch::services {

bool is_client_service(std::string_view name) {
    return name == "bootpc" || name.ends_with("-client") || name.ends_with("client");
}

ClientGuess guess_client_port(const ServiceRegistry& registry, Proto proto, std::uint16_t port_a,
                              std::uint16_t port_b) {
    if (port_a == port_b) {
        return {ClientSide::Tie, ClientBasis::SamePort};
    }
    // The enum runs WellKnown < Registered < Dynamic: the higher category is the client's.
    const auto cat_a = category_of(port_a);
    const auto cat_b = category_of(port_b);
    if (cat_a != cat_b) {
        return {cat_a > cat_b ? ClientSide::A : ClientSide::B, ClientBasis::Category};
    }
    // Dynamic ports carry no IANA assignment, but /etc/services or the user's file may name one.
    const bool known_a = registry.has_service(proto, port_a);
    const bool known_b = registry.has_service(proto, port_b);
    if (known_a != known_b) {
        return {known_a ? ClientSide::B : ClientSide::A, ClientBasis::KnownService};
    }
    // Both named: IANA names some ports for the client end of a protocol (bootpc, 68;
    // dhcpv6-client, 546), and there "higher port" would pick the server (547 over 546).
    if (known_a && known_b) {
        const bool client_a = is_client_service(registry.lookup(proto, port_a)->name);
        const bool client_b = is_client_service(registry.lookup(proto, port_b)->name);
        if (client_a != client_b) {
            return {client_a ? ClientSide::A : ClientSide::B, ClientBasis::ClientService};
        }
    }
    return {port_a > port_b ? ClientSide::A : ClientSide::B, ClientBasis::HigherPort};
}

} // namespace pairwatch::services
