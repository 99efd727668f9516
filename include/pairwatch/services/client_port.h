// Which of a conversation's two ports looks more like a client's: the flow table's originator
// rule when the handshake was not seen (UDP, or a capture that starts mid-conversation).
#pragma once

#include "pairwatch/services/proto.h"

#include <cstdint>

namespace pairwatch::services {

class ServiceRegistry;

enum class ClientSide : std::uint8_t { A, B, Tie };

/// Which rule decided, for the flow record's "how the originator was chosen".
enum class ClientBasis : std::uint8_t {
    Category,     // dynamic over registered over well-known (RFC 6335)
    KnownService, // same category: the port without a known service
    ClientService, // both named, and IANA names one of them as a protocol's client end
    HigherPort,   // same category, both or neither known: the higher port
    SamePort,     // the ports are equal: nothing to go on
};

struct ClientGuess {
    ClientSide side = ClientSide::Tie;
    ClientBasis basis = ClientBasis::SamePort;
    friend bool operator==(const ClientGuess&, const ClientGuess&) = default;
};

/// True for service names of a protocol's client end: "bootpc", "dhcpv6-client", ...
[[nodiscard]] bool is_client_service(std::string_view name);

/// Clients usually send from a dynamic port to a well-known or registered one. A tie only
/// when port_a == port_b.
[[nodiscard]] ClientGuess guess_client_port(const ServiceRegistry& registry, Proto proto,
                                            std::uint16_t port_a, std::uint16_t port_b);

} // namespace pairwatch::services
