#include "pairwatch/services/client_port.h"

#include "pairwatch/services/service_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using pairwatch::services::ClientBasis;
using pairwatch::services::ClientGuess;
using pairwatch::services::ClientSide;
using pairwatch::services::guess_client_port;
using pairwatch::services::Proto;
using pairwatch::services::ServiceRegistry;

namespace {
const ServiceRegistry& registry() {
    static const ServiceRegistry r;
    return r;
}
ClientGuess guess(Proto p, std::uint16_t a, std::uint16_t b) {
    return guess_client_port(registry(), p, a, b);
}
} // namespace

TEST(ClientPort, CategoryDecidesFirst) {
    // dynamic over registered over well-known
    EXPECT_EQ(guess(Proto::Udp, 53, 51000), (ClientGuess{ClientSide::B, ClientBasis::Category}));
    EXPECT_EQ(guess(Proto::Tcp, 50000, 443), (ClientGuess{ClientSide::A, ClientBasis::Category}));
    EXPECT_EQ(guess(Proto::Tcp, 443, 8080), (ClientGuess{ClientSide::B, ClientBasis::Category}));
    EXPECT_EQ(guess(Proto::Tcp, 49151, 49152), (ClientGuess{ClientSide::B, ClientBasis::Category}));
    EXPECT_EQ(guess(Proto::Tcp, 1024, 1023), (ClientGuess{ClientSide::A, ClientBasis::Category}));
    // A dynamic port with a lower number still beats a registered one.
    EXPECT_EQ(guess(Proto::Tcp, 49152, 40001), (ClientGuess{ClientSide::A, ClientBasis::Category}));
}

TEST(ClientPort, ThenThePortWithoutAKnownService) {
    // 8080 is http-alt, 40001 unassigned; 1000 is cadlock2, 32 unassigned (so the lower port wins).
    EXPECT_EQ(guess(Proto::Tcp, 8080, 40001),
              (ClientGuess{ClientSide::B, ClientBasis::KnownService}));
    EXPECT_EQ(guess(Proto::Tcp, 1000, 32), (ClientGuess{ClientSide::B, ClientBasis::KnownService}));
    EXPECT_EQ(guess(Proto::Udp, 32, 1000), (ClientGuess{ClientSide::A, ClientBasis::KnownService}));
}

TEST(ClientPort, ThenTheHigherPort) {
    // Both known.
    EXPECT_EQ(guess(Proto::Tcp, 3306, 5432), (ClientGuess{ClientSide::B, ClientBasis::HigherPort}));
    EXPECT_EQ(guess(Proto::Tcp, 80, 22), (ClientGuess{ClientSide::A, ClientBasis::HigherPort}));
    // Neither known: two dynamic ports (peer-to-peer, or a passive FTP data connection).
    EXPECT_EQ(guess(Proto::Udp, 60000, 50000),
              (ClientGuess{ClientSide::A, ClientBasis::HigherPort}));
}

TEST(ClientPort, TieOnlyForTheSamePort) {
    EXPECT_EQ(guess(Proto::Udp, 123, 123), (ClientGuess{ClientSide::Tie, ClientBasis::SamePort}));
    EXPECT_EQ(guess(Proto::Udp, 50000, 50000),
              (ClientGuess{ClientSide::Tie, ClientBasis::SamePort}));
}

TEST(ClientPort, UserNamedDynamicPortIsTheServer) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("pairwatch-client-" + std::to_string(::getpid()) + ".services");
    std::ofstream(path) << "lab-app 50000/udp\n";
    ServiceRegistry r;
    r.load_user_file(path);
    std::filesystem::remove(path);
    EXPECT_EQ(guess_client_port(r, Proto::Udp, 50000, 50001),
              (ClientGuess{ClientSide::B, ClientBasis::KnownService}));
    EXPECT_EQ(guess_client_port(r, Proto::Udp, 60000, 50000),
              (ClientGuess{ClientSide::A, ClientBasis::KnownService}));
    // Without the user's name, the higher port.
    EXPECT_EQ(guess(Proto::Udp, 50000, 50001),
              (ClientGuess{ClientSide::B, ClientBasis::HigherPort}));
}

TEST(ClientPort, IanaClientPortsAreTheClientsEvenWhenLower) {
    const pairwatch::services::ServiceRegistry registry;
    using pairwatch::services::ClientBasis;
    using pairwatch::services::ClientSide;
    using pairwatch::services::Proto;
    // DHCPv6: the client listens on 546, the server on 547; "higher port" alone would be wrong.
    EXPECT_EQ(pairwatch::services::guess_client_port(registry, Proto::Udp, 546, 547),
              (pairwatch::services::ClientGuess{ClientSide::A, ClientBasis::ClientService}));
    // DHCP: 68 (client) over 67 (server).
    EXPECT_EQ(pairwatch::services::guess_client_port(registry, Proto::Udp, 67, 68),
              (pairwatch::services::ClientGuess{ClientSide::B, ClientBasis::ClientService}));
    EXPECT_TRUE(pairwatch::services::is_client_service("dhcpv6-client"));
    EXPECT_FALSE(pairwatch::services::is_client_service("dhcpv6-server"));
}
