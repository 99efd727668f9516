// What a read policy decides: every rule form, the CIDR and port-range edges, first match,
// the default, the explicit-allow question, and the --check-policy listing. The file syntax and
// its error messages are policy_parser_test.cpp's.
#include "pairwatch/watch/policy.h"

#include "pairwatch/services/service_registry.h"
#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace pairwatch::test {
namespace {

using services::Proto;
using watch::Policy;
using watch::PolicyAction;
using watch::PortRange;

/// IANA and the core names only: no /etc/services, so the expansions are the same everywhere.
const services::ServiceRegistry& registry() {
    static const services::ServiceRegistry r;
    return r;
}

Policy parse(const std::string& text) {
    return watch::parse_policy(text, "test.toml", registry());
}

/// One rule with these keys (TOML lines), after `default`.
Policy one_rule(const std::string& keys, const std::string& default_action = "deny") {
    return parse("default = \"" + default_action + "\"\n[[rule]]\naction = \"allow\"\n" + keys);
}

bool allows(const Policy& p, const char* host, Proto proto, std::uint16_t port) {
    return p.evaluate(ip(host), proto, port).allowed();
}

TEST(Policy, ServiceNameMatchesThePortsTheRegistryNamesSo) {
    const Policy p = one_rule("services = [\"dns\", \"ssh\"]\n");
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Udp, 53));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 53)) << "DNS is dns over TCP too";
    EXPECT_TRUE(allows(p, "2001:db8::1", Proto::Tcp, 22));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 23));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 2222));
    const auto& entry = p.rules().at(0).services.at(0);
    EXPECT_TRUE(entry.is_name);
    EXPECT_EQ(entry.text, "dns");
    EXPECT_EQ(entry.ports, (std::vector<PortRange>{{Proto::Tcp, 53, 53}, {Proto::Udp, 53, 53}}));
}

TEST(Policy, ServiceNamesAreCaseInsensitiveAsRfc6335Says) {
    const Policy p = one_rule("services = [\"SSH\", \"TCP/8080\"]\n");
    EXPECT_EQ(p.rules().at(0).services.at(0).text, "ssh");
    EXPECT_EQ(p.rules().at(0).services.at(1).text, "tcp/8080");
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 22));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 8080));
}

TEST(Policy, AServiceNameOverARangeOfPortsIsOneRange) {
    // IANA names x11 on 6000-6063: one range, not 64 ports.
    const Policy p = one_rule("services = [\"x11\"]\n");
    EXPECT_EQ(p.rules().at(0).ports(Proto::Tcp),
              (std::vector<PortRange>{{Proto::Tcp, 6000, 6063}}));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 6063));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 6064));
}

TEST(Policy, ProtoSlashPortMatchesThatProtocolOnly) {
    const Policy p = one_rule("services = [\"tcp/22\"]\n");
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 22));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Udp, 22));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 21));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 23));
}

TEST(Policy, StarMeansBothProtocols) {
    const Policy p = one_rule("services = [\"*/123\"]\n");
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 123));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Udp, 123));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Udp, 124));
}

TEST(Policy, PortRangesIncludeBothEnds) {
    const Policy p = one_rule("services = [\"tcp/8000-8099\", \"udp/0\", \"udp/65535\"]\n");
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 7999));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 8000));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 8050));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 8099));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 8100));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Udp, 0));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Udp, 1));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Udp, 65534));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Udp, 65535));
}

TEST(Policy, TheWholePortSpaceAndTheTopPortDoNotWrap) {
    const Policy p = one_rule("services = [\"tcp/0-65535\", \"tcp/65535\"]\n");
    EXPECT_EQ(p.rules().at(0).ports(Proto::Tcp), (std::vector<PortRange>{{Proto::Tcp, 0, 65535}}));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 0));
    EXPECT_TRUE(allows(p, "10.0.0.1", Proto::Tcp, 65535));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Udp, 65535));
}

TEST(Policy, OverlappingAndAdjacentRangesMerge) {
    const Policy p =
        one_rule("services = [\"tcp/90-100\", \"tcp/80\", \"tcp/81-89\", \"tcp/95-99\", "
                 "\"tcp/102\"]\n");
    EXPECT_EQ(p.rules().at(0).ports(Proto::Tcp),
              (std::vector<PortRange>{{Proto::Tcp, 80, 100}, {Proto::Tcp, 102, 102}}));
    EXPECT_TRUE(p.rules().at(0).ports(Proto::Udp).empty());
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 101));
}

TEST(Policy, AnyServiceAndNoServicesKeyBothMeanEveryPort) {
    for (const char* keys :
         {"hosts = [\"10.0.0.5\"]\n", "hosts = [\"10.0.0.5\"]\nservices = [\"any\"]\n"}) {
        const Policy p = one_rule(keys);
        EXPECT_TRUE(p.rules().at(0).any_service()) << keys;
        EXPECT_TRUE(allows(p, "10.0.0.5", Proto::Tcp, 1)) << keys;
        EXPECT_TRUE(allows(p, "10.0.0.5", Proto::Udp, 65535)) << keys;
        EXPECT_FALSE(allows(p, "10.0.0.6", Proto::Tcp, 1)) << keys;
    }
}

TEST(Policy, AnyHostAndNoHostsKeyBothMeanEveryAddress) {
    for (const char* keys :
         {"services = [\"ssh\"]\n", "services = [\"ssh\"]\nhosts = [\"ANY\"]\n"}) {
        const Policy p = one_rule(keys);
        EXPECT_TRUE(p.rules().at(0).any_host()) << keys;
        EXPECT_TRUE(allows(p, "192.0.2.1", Proto::Tcp, 22)) << keys;
        EXPECT_TRUE(allows(p, "::1", Proto::Tcp, 22)) << keys;
    }
}

TEST(Policy, Ipv4HostsAndNetworks) {
    const Policy p = one_rule("hosts = [\"10.0.0.5\", \"192.168.1.0/24\", \"172.16.0.0/12\"]\n");
    EXPECT_TRUE(allows(p, "10.0.0.5", Proto::Tcp, 80)) << "a bare address is a /32";
    EXPECT_FALSE(allows(p, "10.0.0.4", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "10.0.0.6", Proto::Tcp, 80));
    EXPECT_TRUE(allows(p, "192.168.1.0", Proto::Tcp, 80));
    EXPECT_TRUE(allows(p, "192.168.1.255", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "192.168.0.255", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "192.168.2.0", Proto::Tcp, 80));
    EXPECT_TRUE(allows(p, "172.31.255.255", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "172.32.0.0", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "::ffff:10.0.0.4", Proto::Tcp, 80));
    EXPECT_TRUE(allows(p, "::ffff:10.0.0.5", Proto::Tcp, 80))
        << "an IPv4-mapped address is its IPv4 address, as Zeek counts it";
}

TEST(Policy, Ipv6HostsAndNetworks) {
    const Policy p = one_rule("hosts = [\"2001:db8::/64\", \"fe80::1\", \"2001:db8:ff::1/128\"]\n");
    EXPECT_TRUE(allows(p, "2001:db8::", Proto::Tcp, 80));
    EXPECT_TRUE(allows(p, "2001:db8::ffff:ffff:ffff:ffff", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "2001:db8:0:1::", Proto::Tcp, 80));
    EXPECT_TRUE(allows(p, "fe80::1", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "fe80::2", Proto::Tcp, 80));
    EXPECT_TRUE(allows(p, "2001:db8:ff::1", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "2001:db8:ff::", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "10.0.0.1", Proto::Tcp, 80));
}

TEST(Policy, SlashZeroV6HoldsEveryAddressV4OnlyIpv4) {
    const Policy v6 = one_rule("hosts = [\"::/0\"]\n");
    EXPECT_TRUE(allows(v6, "2001:db8::1", Proto::Tcp, 80));
    EXPECT_TRUE(allows(v6, "10.0.0.1", Proto::Tcp, 80)) << "::/0 holds both families, as in Zeek";
    const Policy v4 = one_rule("hosts = [\"0.0.0.0/0\"]\n");
    EXPECT_TRUE(allows(v4, "10.0.0.1", Proto::Tcp, 80));
    EXPECT_TRUE(allows(v4, "255.255.255.255", Proto::Tcp, 80));
    EXPECT_FALSE(allows(v4, "2001:db8::1", Proto::Tcp, 80));
}

TEST(Policy, AnIpv4MappedBlockIsItsIpv4Block) {
    const Policy p = one_rule("hosts = [\"::ffff:10.0.0.0/120\"]\n");
    EXPECT_EQ(p.rules().at(0).hosts.at(0).to_string(), "10.0.0.0/24");
    EXPECT_TRUE(allows(p, "10.0.0.200", Proto::Tcp, 80));
    EXPECT_FALSE(allows(p, "10.0.1.0", Proto::Tcp, 80));
}

TEST(Policy, FirstMatchWinsThenTheDefault) {
    const Policy p = parse(R"(default = "deny"
[[rule]]
name = "telnet nowhere"
action = "deny"
services = ["telnet"]
severity = "high"
[[rule]]
action = "allow"
hosts = ["10.0.0.0/8"]
[[rule]]
action = "deny"
services = ["http"]
)");
    const auto telnet = p.evaluate(ip("10.1.2.3"), Proto::Tcp, 23);
    EXPECT_FALSE(telnet.allowed());
    ASSERT_NE(telnet.rule, nullptr);
    EXPECT_EQ(telnet.rule->index, 1U);
    EXPECT_EQ(telnet.rule->line, 2U);
    EXPECT_EQ(telnet.rule->name, "telnet nowhere");
    EXPECT_EQ(telnet.rule->severity, watch::Severity::High);
    EXPECT_EQ(telnet.rule->label(), "rule 1 'telnet nowhere' (line 2)");

    const auto http_inside = p.evaluate(ip("10.1.2.3"), Proto::Tcp, 80);
    EXPECT_TRUE(http_inside.allowed()) << "rule 2 comes before the http deny";
    ASSERT_NE(http_inside.rule, nullptr);
    EXPECT_EQ(http_inside.rule->index, 2U);
    EXPECT_EQ(http_inside.rule->label(), "rule 2 (line 7)");

    const auto http_outside = p.evaluate(ip("192.0.2.1"), Proto::Tcp, 80);
    EXPECT_FALSE(http_outside.allowed());
    ASSERT_NE(http_outside.rule, nullptr);
    EXPECT_EQ(http_outside.rule->index, 3U);

    const auto other = p.evaluate(ip("192.0.2.1"), Proto::Tcp, 8080);
    EXPECT_FALSE(other.allowed());
    EXPECT_TRUE(other.by_default());
    EXPECT_EQ(other.rule, nullptr);
    EXPECT_EQ(p.default_line(), 1U);
}

TEST(Policy, ExplicitAllowIsARuleNotTheDefault) {
    const Policy p = parse(R"(default = "allow"
[[rule]]
action = "allow"
hosts = ["10.0.20.0/24"]
services = ["tcp/49152-65535"]
[[rule]]
action = "deny"
services = ["udp/49152-65535"]
)");
    EXPECT_TRUE(p.allowed_explicitly(ip("10.0.20.7"), Proto::Tcp, 50000));
    const auto by_default = p.evaluate(ip("10.0.30.7"), Proto::Tcp, 50000);
    EXPECT_TRUE(by_default.allowed());
    EXPECT_FALSE(by_default.allowed_explicitly()) << "the default allowed it, no rule did";
    EXPECT_FALSE(p.allowed_explicitly(ip("10.0.30.7"), Proto::Tcp, 50000));
    EXPECT_FALSE(p.allowed_explicitly(ip("10.0.20.7"), Proto::Udp, 50000)) << "a deny rule";
}

TEST(Policy, CoversIsExactForPortsAndPerBlockForHosts) {
    const Policy p = parse(R"(default = "deny"
[[rule]]
action = "allow"
hosts = ["10.0.0.0/8", "2001:db8::/32"]
services = ["tcp/1-1000", "ssh"]
[[rule]]
action = "deny"
hosts = ["10.1.0.0/16", "2001:db8:1::/48"]
services = ["tcp/22", "udp/22", "tcp/500-1000"]
[[rule]]
action = "deny"
hosts = ["10.1.0.0/16"]
services = ["tcp/500-1001"]
[[rule]]
action = "deny"
hosts = ["::/0"]
services = ["tcp/22"]
[[rule]]
action = "allow"
hosts = ["10.9.0.0/16"]
services = ["tcp/22"]
)");
    const auto& r = p.rules();
    EXPECT_TRUE(r[0].covers(r[1]));
    EXPECT_FALSE(r[0].covers(r[2])) << "tcp/1001 is outside";
    EXPECT_FALSE(r[0].covers(r[3])) << "::/0 is wider than both blocks";
    EXPECT_FALSE(r[3].covers(r[1])) << "udp/22 and tcp/500-1000 are outside";
    EXPECT_TRUE(r[3].covers(r[4])) << "::/0 holds IPv4 blocks too";
    EXPECT_FALSE(r[1].covers(r[0]));
    ASSERT_EQ(p.warnings().size(), 2U);
    EXPECT_EQ(p.warnings()[0].to_string(),
              "test.toml:6: warning: rule 2 is never used: rule 1 (line 2) comes first and "
              "matches every server it would, and allows them");
    EXPECT_EQ(p.warnings()[1].to_string(),
              "test.toml:18: warning: rule 5 is never used: rule 1 (line 2) comes first and "
              "matches every server it would");
}

TEST(Policy, DescribeListsRulesAsUnderstood) {
    const Policy p = parse(R"(default = "deny"   # the end
[[rule]]
name = "web \"front\""
action = "allow"
hosts = ["10.0.10.0/28", "2001:DB8:10::/64", "10.0.0.2"]
services = ["http", "tcp/8443", "*/5353"]
[[rule]]
action = "deny"
services = ["telnet"]
severity = "critical"
[[rule]]
action = "allow"
hosts = ["192.0.2.0/24"]
)");
    EXPECT_EQ(p.describe(),
              "rule 1 (line 2): allow hosts=10.0.10.0/28,2001:db8:10::/64,10.0.0.2/32 "
              "services=http(tcp/80,udp/80),tcp/8443,tcp/5353,udp/5353 severity=- "
              "name=\"web \\\"front\\\"\"\n"
              "rule 2 (line 7): deny hosts=any services=telnet(tcp/23,udp/23) severity=critical "
              "name=-\n"
              "rule 3 (line 11): allow hosts=192.0.2.0/24 services=any severity=- name=-\n"
              "default (line 1): deny\n");
    EXPECT_TRUE(p.warnings().empty());
}

TEST(Policy, ADefaultAloneIsValidWithAWarning) {
    const Policy p = parse("default = \"allow\"\n");
    EXPECT_TRUE(p.rules().empty());
    EXPECT_TRUE(p.evaluate(ip("10.0.0.1"), Proto::Tcp, 1).by_default());
    ASSERT_EQ(p.warnings().size(), 1U);
    EXPECT_EQ(p.warnings()[0].to_string(),
              "test.toml:1: warning: no rules: every server gets the default (allow)");
}

TEST(Policy, NamesOfAServicesFileCount) {
    const auto dir = std::filesystem::temp_directory_path() / "pairwatch-policy-test";
    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir / "services") << "intranet-app 9443/tcp\n";
        std::ofstream(dir / "p.toml") << "default = \"deny\"\n[[rule]]\naction = \"allow\"\n"
                                         "services = [\"intranet-app\"]\n";
    }
    const auto with_file = services::ServiceRegistry::standard(dir / "services", dir / "none");
    const Policy p = watch::load_policy(dir / "p.toml", with_file);
    EXPECT_EQ(p.file(), (dir / "p.toml").string());
    EXPECT_TRUE(p.evaluate(ip("10.0.0.1"), Proto::Tcp, 9443).allowed());
    EXPECT_FALSE(p.evaluate(ip("10.0.0.1"), Proto::Udp, 9443).allowed());
    std::filesystem::remove_all(dir);
}

TEST(Policy, AFileThatCannotBeReadIsAPolicyError) {
    try {
        (void)watch::load_policy("/nonexistent/lan.toml", registry());
        FAIL() << "read a file that does not exist";
    } catch (const watch::PolicyError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/lan.toml: cannot read: No such file or directory");
    }
    try {
        (void)watch::load_policy("/", registry());
        FAIL() << "read a directory";
    } catch (const watch::PolicyError& e) {
        EXPECT_STREQ(e.what(), "/: cannot read: Is a directory");
    }
}

TEST(Policy, EvaluatingDoesNotCopyRules) {
    // The verdict points into the policy: the alerts quote the rule without a copy.
    const Policy p = one_rule("services = [\"ssh\"]\nname = \"admins\"\n");
    const auto v = p.evaluate(ip("10.0.0.1"), Proto::Tcp, 22);
    EXPECT_EQ(v.rule, &p.rules().at(0));
    EXPECT_EQ(watch::to_string(v.action), "allow");
    EXPECT_EQ(watch::to_string(PortRange{Proto::Udp, 8000, 8099}), "udp/8000-8099");
}

} // namespace
} // namespace pairwatch::test
