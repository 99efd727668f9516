// A policy file's mistakes: each says its file, line and what to write instead, and every
// mistake in the file is listed, in line order.
#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pairwatch::test {
namespace {

const services::ServiceRegistry& registry() {
    static const services::ServiceRegistry r; // IANA and core names: the same on every machine
    return r;
}

/// Every error the file gets, as printed.
std::vector<std::string> errors_of(const std::string& text) {
    try {
        (void)watch::parse_policy(text, "lan.toml", registry());
    } catch (const watch::PolicyError& e) {
        std::vector<std::string> out;
        for (const auto& d : e.errors()) {
            EXPECT_FALSE(d.warning);
            out.push_back(d.to_string());
        }
        return out;
    }
    return {"(accepted)"};
}

/// The one error of a file with one rule made of `keys` (the rule header is line 2, its first
/// key line 3).
std::string rule_error(const std::string& keys) {
    const auto errors = errors_of("default = \"deny\"\n[[rule]]\n" + keys);
    EXPECT_EQ(errors.size(), 1U) << ::testing::PrintToString(errors);
    return errors.empty() ? "" : errors.front();
}

TEST(PolicyParser, APortOutOfRange) {
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"tcp/70000\"]\n"),
              "lan.toml:4: rule 1: 'tcp/70000' is not a port (0-65535)");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"tcp/8000-70000\"]\n"),
              "lan.toml:4: rule 1: 'tcp/8000-70000': 70000 is not a port (0-65535)");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"udp/-1\"]\n"),
              "lan.toml:4: rule 1: 'udp/-1' is not a port (0-65535)");
}

TEST(PolicyParser, PortsNeedTheirProtocolFirst) {
    EXPECT_EQ(
        rule_error("action = \"allow\"\nservices = [\"53\"]\n"),
        "lan.toml:4: rule 1: '53' needs its protocol: write tcp/53, udp/53, or */53 for both");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"8000-8099\"]\n"),
              "lan.toml:4: rule 1: '8000-8099' needs its protocol: write tcp/8000-8099, "
              "udp/8000-8099, or */8000-8099 for both");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"22/tcp\"]\n"),
              "lan.toml:4: rule 1: '22/tcp': the protocol comes first: tcp/22");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"sctp/9\"]\n"),
              "lan.toml:4: rule 1: 'sctp/9': the protocol must be tcp, udp, or * for both");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"tcp/http\"]\n"),
              "lan.toml:4: rule 1: 'tcp/http' is not a port (0-65535); a service name stands "
              "alone: \"http\"");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [22]\n"),
              "lan.toml:4: rule 1: each of 'services' must be a string (\"...\"), not a whole "
              "number: write \"tcp/22\", \"udp/22\" or \"*/22\"");
}

TEST(PolicyParser, ABackwardsRange) {
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"tcp/9000-8000\"]\n"),
              "lan.toml:4: rule 1: 'tcp/9000-8000': a range goes from low to high "
              "(tcp/8000-9000)");
}

TEST(PolicyParser, AnUnknownServiceNameGetsCloseNames) {
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"htpp\"]\n"),
              "lan.toml:4: rule 1: 'htpp' is not a service name pairwatch knows (did you mean "
              "'http' or 'htcp'?)");
    // A swap of two letters is one typo.
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"shh\"]\n"),
              "lan.toml:4: rule 1: 'shh' is not a service name pairwatch knows (did you mean "
              "'ssh'?)");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"tenlet\"]\n"),
              "lan.toml:4: rule 1: 'tenlet' is not a service name pairwatch knows (did you mean "
              "'telnet', 'eenet' or 'ktelnet'?)")
        << "closest first: the swap is one edit, the other two are two";
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"no-such-service-here\"]\n"),
              "lan.toml:4: rule 1: 'no-such-service-here' is not a service name pairwatch knows; "
              "give its port instead (tcp/8080), or name it in a --services file");
}

TEST(PolicyParser, HostBitsSetIsAMistake) {
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = [\"10.0.0.5/24\"]\n"),
              "lan.toml:4: rule 1: '10.0.0.5/24' has host bits set: write 10.0.0.0/24 for the "
              "network, or 10.0.0.5 for the one host");
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = [\"2001:db8::1/64\"]\n"),
              "lan.toml:4: rule 1: '2001:db8::1/64' has host bits set: write 2001:db8::/64 for "
              "the network, or 2001:db8::1 for the one host");
}

TEST(PolicyParser, BadAddresses) {
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = [\"10.0.0.0/33\"]\n"),
              "lan.toml:4: rule 1: '10.0.0.0/33': the prefix length must be a number from 0 to 32");
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = [\"2001:db8::/129\"]\n"),
              "lan.toml:4: rule 1: '2001:db8::/129': the prefix length must be a number from 0 "
              "to 128");
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = [\"10.0.0.256\"]\n"),
              "lan.toml:4: rule 1: '10.0.0.256': not an IPv4 address");
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = [\"web1.lan\"]\n"),
              "lan.toml:4: rule 1: 'web1.lan' is not an address: hosts are IPv4 or IPv6 addresses "
              "or networks (10.0.0.5, 10.0.0.0/24, 2001:db8::/64), not host names");
}

TEST(PolicyParser, EachElementHasItsOwnLine) {
    EXPECT_EQ(
        rule_error("action = \"allow\"\nhosts = [\n  \"10.0.0.0/8\",\n  \"10.0.0.1/8\",\n]\n"),
        "lan.toml:6: rule 1: '10.0.0.1/8' has host bits set: write 10.0.0.0/8 for the "
        "network, or 10.0.0.1 for the one host");
}

TEST(PolicyParser, UnknownKeysGetASuggestionAndTheList) {
    EXPECT_EQ(rule_error("action = \"allow\"\nservces = [\"ssh\"]\n"),
              "lan.toml:4: rule 1: unknown key 'servces' (did you mean 'services'?); a rule takes "
              "name, action, hosts, services, severity");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"ssh\"]\ncomment = \"x\"\n"),
              "lan.toml:5: rule 1: unknown key 'comment'; a rule takes name, action, hosts, "
              "services, severity");
    EXPECT_EQ(errors_of("default = \"deny\"\n[[rules]]\naction = \"allow\"\n"),
              (std::vector<std::string>{"lan.toml:2: unknown key 'rules' (did you mean 'rule'?); "
                                        "the top level takes default, rule"}));
}

TEST(PolicyParser, KeysPeopleTryGetAHint) {
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"ssh\"]\nclients = [\"10.0.0.0/8\"]\n"),
              "lan.toml:5: rule 1: unknown key 'clients': rules match servers, not their "
              "clients: pairwatch asks whether a host may answer on a port, whoever asks");
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = [\"10.0.0.1\"]\nport = 22\n"),
              "lan.toml:5: rule 1: unknown key 'port': ports go in 'services', with their "
              "protocol: services = [\"tcp/22\", \"udp/53\", \"*/123\"]");
    EXPECT_EQ(errors_of("hosts = [\"10.0.0.1\"]\ndefault = \"deny\"\n"),
              (std::vector<std::string>{"lan.toml:1: unknown key 'hosts': 'hosts' belongs to a "
                                        "rule: put it under a [[rule]] header"}));
    // After a [[rule]] header every key is the rule's, `default` included.
    EXPECT_EQ(
        errors_of("[[rule]]\naction = \"deny\"\nservices = [\"telnet\"]\ndefault = \"allow\"\n"),
        (std::vector<std::string>{
            "lan.toml: no 'default': say what a server that matches no rule gets: "
            "default = \"allow\" or default = \"deny\"",
            "lan.toml:4: rule 1: unknown key 'default': 'default' goes at the top of the "
            "file, before the first [[rule]]"}));
}

TEST(PolicyParser, WrongTypes) {
    EXPECT_EQ(rule_error("action = 1\nservices = [\"ssh\"]\n"),
              "lan.toml:3: rule 1: 'action' must be a string (action = \"allow\"), not a whole "
              "number");
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = \"10.0.0.0/8\"\n"),
              "lan.toml:4: rule 1: 'hosts' must be a list: hosts = [\"10.0.0.0/24\", "
              "\"2001:db8::/64\"]");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"ssh\"]\nname = true\n"),
              "lan.toml:5: rule 1: 'name' must be a string (name = \"web servers\"), not true or "
              "false");
    EXPECT_EQ(errors_of("default = false\n"),
              (std::vector<std::string>{
                  "lan.toml:1: 'default' must be a string (default = \"allow\"), not true or "
                  "false"}));
    EXPECT_EQ(errors_of("default = \"deny\"\nrule = [1]\n"),
              (std::vector<std::string>{"lan.toml:2: rule 1: a rule is a table ([[rule]] and its "
                                        "keys), not a whole number"}));
}

TEST(PolicyParser, BadWords) {
    EXPECT_EQ(rule_error("action = \"Allow\"\nservices = [\"ssh\"]\n"),
              "lan.toml:3: rule 1: 'Allow' is not an action: write \"allow\" or \"deny\"");
    EXPECT_EQ(rule_error("action = \"deny\"\nservices = [\"ssh\"]\nseverity = \"urgent\"\n"),
              "lan.toml:5: rule 1: 'urgent' is not a severity: write \"low\", \"medium\", "
              "\"high\" or \"critical\"");
    EXPECT_EQ(errors_of("default = \"drop\"\n"),
              (std::vector<std::string>{
                  "lan.toml:1: 'drop' is not an action: write \"allow\" or \"deny\""}));
}

TEST(PolicyParser, EmptyRulesAndLists) {
    EXPECT_EQ(rule_error("action = \"allow\"\nname = \"nothing\"\n"),
              "lan.toml:2: rule 1: a rule needs 'hosts', 'services' or both (to match every "
              "server, write services = [\"any\"])");
    EXPECT_EQ(rule_error("services = [\"ssh\"]\n"),
              "lan.toml:2: rule 1: no 'action': say action = \"allow\" or action = \"deny\"");
    EXPECT_EQ(rule_error("action = \"allow\"\nhosts = []\n"),
              "lan.toml:4: rule 1: 'hosts' is empty, so the rule could match nothing: leave "
              "'hosts' out, or write hosts = [\"any\"], to mean every one");
    EXPECT_EQ(rule_error("action = \"allow\"\nservices = [\"any\", \"ssh\"]\n"),
              "lan.toml:4: rule 1: 'any' in 'services' already means every one: write either "
              "\"any\" or the list");
}

TEST(PolicyParser, TheDefaultIsRequired) {
    EXPECT_EQ(errors_of(""),
              (std::vector<std::string>{"lan.toml: no 'default': say what a server that matches "
                                        "no rule gets: default = \"allow\" or default = "
                                        "\"deny\""}));
}

TEST(PolicyParser, OneBracketRuleTable) {
    EXPECT_EQ(errors_of("default = \"deny\"\n\n[rule]\naction = \"deny\"\n"),
              (std::vector<std::string>{"lan.toml:3: write [[rule]], with two brackets: each "
                                        "rule is one entry of the list of rules"}));
}

TEST(PolicyParser, TomlSyntaxErrorsKeepTomlsWordsAndPosition) {
    EXPECT_EQ(errors_of("default = \"deny\"\n[[rule]]\naction = \"allow\"\naction = \"deny\"\n"),
              (std::vector<std::string>{"lan.toml:4: not valid TOML: Error while parsing "
                                        "key-value pair: cannot redefine existing string 'action' "
                                        "(column 10)"}));
    EXPECT_EQ(errors_of("default = deny\n"),
              (std::vector<std::string>{
                  "lan.toml:1: not valid TOML: Error while parsing value: could not determine "
                  "value type (column 11)"}));
}

TEST(PolicyParser, EveryMistakeIsListedInLineOrderAndRulesKeepTheirNumbers) {
    const std::string text = R"(default = "deny"
[[rule]]
action = "allow"
services = ["tcp/70000"]
[[rule]]
action = "allow"
services = ["ssh"]
[[rule]]
severity = "urgent"
hosts = ["10.0.0.1/8"]
action = "deny"
)";
    EXPECT_EQ(errors_of(text),
              (std::vector<std::string>{
                  "lan.toml:4: rule 1: 'tcp/70000' is not a port (0-65535)",
                  "lan.toml:9: rule 3: 'urgent' is not a severity: write \"low\", \"medium\", "
                  "\"high\" or \"critical\"",
                  "lan.toml:10: rule 3: '10.0.0.1/8' has host bits set: write 10.0.0.0/8 for the "
                  "network, or 10.0.0.1 for the one host",
              }));
    try {
        (void)watch::parse_policy(text, "lan.toml", registry());
        FAIL();
    } catch (const watch::PolicyError& e) {
        // What a start with --policy prints: the first mistake, and where to see the others.
        EXPECT_STREQ(e.what(), "lan.toml:4: rule 1: 'tcp/70000' is not a port (0-65535) (and 2 "
                               "more errors: pairwatch --check-policy lan.toml lists them)");
    }
}

TEST(PolicyParser, ARuleAfterAnIdenticalOneIsAWarningNotAnError) {
    const watch::Policy p = watch::parse_policy(R"(default = "deny"
[[rule]]
name = "dns"
action = "allow"
hosts = ["10.0.0.2"]
services = ["dns"]
[[rule]]
action = "deny"
hosts = ["10.0.0.2/32"]
services = ["udp/53", "tcp/53"]
)",
                                                "lan.toml", registry());
    ASSERT_EQ(p.rules().size(), 2U);
    ASSERT_EQ(p.warnings().size(), 1U);
    EXPECT_TRUE(p.warnings()[0].warning);
    EXPECT_EQ(p.warnings()[0].to_string(),
              "lan.toml:7: warning: rule 2 is never used: rule 1 'dns' (line 2) comes first and "
              "matches every server it would, and allows them");
}

} // namespace
} // namespace pairwatch::test
