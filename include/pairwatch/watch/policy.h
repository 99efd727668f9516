// The policy: which services are expected on which hosts, read from a TOML file (--policy,
// issue 5). Rules are tried in file order and the first that matches a server decides; a server
// no rule matches gets the default. Rules match servers (host, protocol, port), never clients:
// the policy answers "may this host answer on this port", once per new server of the inventory.
// The file format is documented in the README ("Policy files") and read by policy_parser.cpp.
#pragma once

#include "pairwatch/decode/packet_info.h"
#include "pairwatch/watch/alert.h"
#include "pairwatch/services/cidr.h"
#include "pairwatch/services/proto.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pairwatch::services {
class ServiceRegistry;
}

namespace pairwatch::watch {

enum class PolicyAction : std::uint8_t { Allow, Deny };
/// "allow", "deny": as the file spells them.
[[nodiscard]] std::string_view to_string(PolicyAction a);

/// An inclusive range of ports of one transport.
struct PortRange {
    services::Proto proto = services::Proto::Tcp;
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    friend bool operator==(const PortRange&, const PortRange&) = default;
};

/// "tcp/22", "udp/8000-8099".
[[nodiscard]] std::string to_string(const PortRange& r);

/// One entry of a rule's `services` list: as written, and the ports it stands for.
struct ServiceEntry {
    std::string text;             // "http", "tcp/8000-8099", "*/53" (lower case)
    bool is_name = false;         // a service name, resolved through the ServiceRegistry
    std::vector<PortRange> ports; // sorted by protocol, then port
};

struct PolicyRule {
    std::size_t index = 0;  // 1-based, in file order: "rule 3"
    std::uint32_t line = 0; // of its [[rule]] header
    std::string name;       // the rule's `name`, which alerts quote; may be empty
    PolicyAction action = PolicyAction::Deny;
    std::optional<Severity> severity;
    std::vector<services::Cidr> hosts;  // empty: any host
    std::vector<ServiceEntry> services; // empty: any service

    [[nodiscard]] bool any_host() const { return hosts.empty(); }
    [[nodiscard]] bool any_service() const { return services.empty(); }
    /// No allocation: a scan of the host blocks and a binary search of the merged port ranges.
    [[nodiscard]] bool matches(const decode::IpAddress& host, services::Proto proto,
                               std::uint16_t port) const;
    /// Every server `other` matches, this rule matches too (so `other`, if later, is never
    /// reached). Exact for services; for hosts, each of other's blocks must lie in one of ours.
    [[nodiscard]] bool covers(const PolicyRule& other) const;
    /// The ports of all `services` entries, per protocol (Tcp, Udp), sorted and merged. Filled
    /// by finish(); what matches() searches.
    [[nodiscard]] const std::vector<PortRange>& ports(services::Proto p) const {
        return merged_[p == services::Proto::Tcp ? 0 : 1];
    }
    /// "rule 3 'web servers' (line 12)": how messages and alerts name the rule.
    [[nodiscard]] std::string label() const;

    /// Builds the merged port ranges from `services`; called once the rule is read.
    void finish();

private:
    std::array<std::vector<PortRange>, 2> merged_;
};

/// What the policy says about one server.
struct PolicyVerdict {
    PolicyAction action = PolicyAction::Deny;
    const PolicyRule* rule = nullptr; // the first rule that matched; nullptr: the default decided

    [[nodiscard]] bool allowed() const { return action == PolicyAction::Allow; }
    [[nodiscard]] bool by_default() const { return rule == nullptr; }
    /// A rule, not the default, allowed it: what the dynamic-port-server alert asks.
    [[nodiscard]] bool allowed_explicitly() const { return rule != nullptr && allowed(); }
};

/// A mistake or a doubt about a policy file, with where it is.
struct PolicyDiagnostic {
    std::string file;
    std::uint32_t line = 0; // 0: the file as a whole
    std::string message;    // "rule 3: 'tcp/70000' is not a port (0-65535)"
    bool warning = false;

    /// "lan.toml:12: rule 3: ..." or "lan.toml:20: warning: ...".
    [[nodiscard]] std::string to_string() const;
};

/// A policy file that cannot be used. what() is the first error and how many follow; errors()
/// has them all, in line order.
class PolicyError : public std::runtime_error {
public:
    explicit PolicyError(std::vector<PolicyDiagnostic> errors);
    [[nodiscard]] const std::vector<PolicyDiagnostic>& errors() const { return errors_; }

private:
    std::vector<PolicyDiagnostic> errors_;
};

class Policy {
public:
    Policy(std::string file, PolicyAction default_action, std::uint32_t default_line,
           std::vector<PolicyRule> rules, std::vector<PolicyDiagnostic> warnings);

    /// First match wins; no rule matching gives the default. Once per new server, on the flow
    /// thread: no allocation, a walk of the (few) rules.
    [[nodiscard]] PolicyVerdict evaluate(const decode::IpAddress& host, services::Proto proto,
                                         std::uint16_t port) const;
    [[nodiscard]] bool allowed_explicitly(const decode::IpAddress& host, services::Proto proto,
                                          std::uint16_t port) const {
        return evaluate(host, proto, port).allowed_explicitly();
    }

    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] PolicyAction default_action() const { return default_action_; }
    [[nodiscard]] std::uint32_t default_line() const { return default_line_; }
    [[nodiscard]] const std::vector<PolicyRule>& rules() const { return rules_; }
    /// Rules that can never match, a policy without rules...: worth saying, not fatal.
    [[nodiscard]] const std::vector<PolicyDiagnostic>& warnings() const { return warnings_; }

    /// The rules as understood, one line each, then the default: what --check-policy prints.
    ///     rule 1 (line 7): allow hosts=10.0.2.0/24 services=http(tcp/80,udp/80) severity=-
    ///     name="web" default (line 3): deny
    [[nodiscard]] std::string describe() const;

private:
    std::string file_;
    PolicyAction default_action_;
    std::uint32_t default_line_;
    std::vector<PolicyRule> rules_;
    std::vector<PolicyDiagnostic> warnings_;
};

/// Reads a policy from TOML text; `file` names it in messages. Service names are resolved
/// through `registry` (so a --services file's names work too). Throws PolicyError listing
/// every mistake found.
[[nodiscard]] Policy parse_policy(std::string_view text, std::string_view file,
                                  const services::ServiceRegistry& registry);

/// parse_policy() on a file's contents, named in messages as `path` was given. A file that
/// cannot be read is a PolicyError too ("lan.toml: cannot read: No such file or directory").
[[nodiscard]] Policy load_policy(const std::filesystem::path& path,
                                 const services::ServiceRegistry& registry);

} // namespace pairwatch::watch
