#include "pairwatch/services/core_services.h"

#include "pairwatch/services/service_registry.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

using pairwatch::services::core_services;
using pairwatch::services::find_core_service;
using pairwatch::services::Proto;
using pairwatch::services::ServiceRegistry;
using pairwatch::services::ServiceSource;

TEST(CoreServices, EveryCoreServiceIsNamed) {
    struct Want {
        Proto proto;
        std::uint16_t port;
        const char* name;
        const char* label;
    };
    const Want want[] = {
        {Proto::Tcp, 20, "ftp-data", "FTP data"},
        {Proto::Tcp, 21, "ftp", "FTP control"},
        {Proto::Tcp, 22, "ssh", "SSH"},
        {Proto::Tcp, 23, "telnet", "Telnet"},
        {Proto::Tcp, 25, "smtp", "SMTP"},
        {Proto::Udp, 53, "dns", "DNS"},
        {Proto::Tcp, 53, "dns", "DNS"},
        {Proto::Udp, 67, "dhcp", "DHCP server"},
        {Proto::Udp, 68, "dhcp-client", "DHCP client"},
        {Proto::Udp, 69, "tftp", "TFTP"},
        {Proto::Tcp, 80, "http", "HTTP"},
        {Proto::Tcp, 110, "pop3", "POP3"},
        {Proto::Tcp, 143, "imap", "IMAP"},
        {Proto::Udp, 161, "snmp", "SNMP"},
        {Proto::Tcp, 443, "https", "HTTPS"},
    };
    EXPECT_EQ(core_services().size(), std::size(want));
    const ServiceRegistry registry;
    for (const auto& w : want) {
        const auto core = find_core_service(w.proto, w.port);
        ASSERT_TRUE(core) << w.name;
        EXPECT_EQ(core->name, w.name);
        EXPECT_EQ(core->label, w.label);
        // The friendly name overrides IANA's raw one (domain, bootps, bootpc...).
        const auto s = registry.lookup(w.proto, w.port);
        ASSERT_TRUE(s) << w.name;
        EXPECT_EQ(s->name, w.name);
        EXPECT_EQ(s->description, w.label);
        EXPECT_EQ(s->source, ServiceSource::Core);
    }
}

// One seed table lists FTP control as port 32: a typo. IANA assigns 21; 32 is unassigned.
TEST(CoreServices, FtpControlIs21Not32) {
    const ServiceRegistry registry;
    EXPECT_EQ(registry.lookup(Proto::Tcp, 21)->name, "ftp");
    EXPECT_FALSE(find_core_service(Proto::Tcp, 32));
    const auto s32 = registry.lookup(Proto::Tcp, 32);
    EXPECT_TRUE(!s32 || s32->name != "ftp");
}

TEST(CoreServices, NamesShortLowercaseAndUnique) {
    std::set<std::tuple<Proto, std::uint16_t>> seen;
    for (const auto& c : core_services()) {
        EXPECT_TRUE(seen.emplace(c.proto, c.port).second) << c.name;
        EXPECT_LE(c.name.size(), 12U) << c.name;
        for (const char ch : c.name) {
            EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')
                << c.name;
        }
        EXPECT_FALSE(c.label.empty()) << c.name;
    }
    // Only the seed's protocol/port pairs: UDP 22 and TCP 67 keep IANA's names.
    EXPECT_FALSE(find_core_service(Proto::Udp, 22));
    EXPECT_FALSE(find_core_service(Proto::Tcp, 67));
}
