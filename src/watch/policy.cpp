#include "pairwatch/watch/policy.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <memory>

namespace pairwatch::watch {

namespace {

std::size_t proto_index(services::Proto p) {
    return p == services::Proto::Tcp ? 0 : 1;
}

/// The merged range holding `port`, or end().
std::vector<PortRange>::const_iterator find_range(const std::vector<PortRange>& ranges,
                                                  std::uint16_t port) {
    const auto it =
        std::lower_bound(ranges.begin(), ranges.end(), port,
                         [](const PortRange& r, std::uint16_t p) { return r.last < p; });
    return it != ranges.end() && it->first <= port ? it : ranges.end();
}

/// A rule's name as --check-policy prints it: quoted, with quotes, backslashes and control
/// characters escaped so that one rule stays one line.
std::string quote_name(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
            out += c;
        }
    }
    return out + '"';
}

} // namespace

std::string_view to_string(PolicyAction a) {
    return a == PolicyAction::Allow ? "allow" : "deny";
}

std::string_view to_string(Severity s) {
    switch (s) {
    case Severity::Low:
        return "low";
    case Severity::Medium:
        return "medium";
    case Severity::High:
        return "high";
    case Severity::Critical:
        return "critical";
    }
    return "?";
}

std::string to_string(const PortRange& r) {
    if (r.first == r.last) return fmt::format("{}/{}", services::to_string(r.proto), r.first);
    return fmt::format("{}/{}-{}", services::to_string(r.proto), r.first, r.last);
}

bool PolicyRule::matches(const decode::IpAddress& host, services::Proto proto,
                         std::uint16_t port) const {
    if (!any_service()) {
        const auto& ranges = ports(proto);
        if (find_range(ranges, port) == ranges.end()) return false;
    }
    if (any_host()) return true;
    return std::any_of(hosts.begin(), hosts.end(),
                       [&host](const services::Cidr& c) { return c.contains(host); });
}

bool PolicyRule::covers(const PolicyRule& other) const {
    if (!any_service()) {
        if (other.any_service()) return false;
        for (const auto p : {services::Proto::Tcp, services::Proto::Udp}) {
            const auto& ours = ports(p);
            for (const PortRange& r : other.ports(p)) {
                const auto it = find_range(ours, r.first);
                if (it == ours.end() || it->last < r.last) return false;
            }
        }
    }
    if (!any_host()) {
        if (other.any_host()) return false;
        for (const services::Cidr& theirs : other.hosts) {
            const bool inside = std::any_of(hosts.begin(), hosts.end(), [&](const auto& ours) {
                return ours.bits <= theirs.bits && ours.contains(theirs.prefix);
            });
            if (!inside) return false;
        }
    }
    return true;
}

std::string PolicyRule::label() const {
    if (name.empty()) return fmt::format("rule {} (line {})", index, line);
    return fmt::format("rule {} '{}' (line {})", index, name, line);
}

void PolicyRule::finish() {
    for (auto& merged : merged_) merged.clear();
    for (const ServiceEntry& entry : services) {
        for (const PortRange& r : entry.ports) merged_[proto_index(r.proto)].push_back(r);
    }
    for (auto& merged : merged_) {
        std::sort(merged.begin(), merged.end(),
                  [](const PortRange& a, const PortRange& b) { return a.first < b.first; });
        std::vector<PortRange> out;
        for (const PortRange& r : merged) {
            // Adjacent ranges merge too (tcp/80 and tcp/81 -> tcp/80-81); int arithmetic so
            // that a range ending at 65535 cannot wrap.
            if (!out.empty() && int{r.first} <= int{out.back().last} + 1) {
                out.back().last = std::max(out.back().last, r.last);
            } else {
                out.push_back(r);
            }
        }
        merged = std::move(out);
    }
}

std::string PolicyDiagnostic::to_string() const {
    const std::string where = line == 0 ? file : fmt::format("{}:{}", file, line);
    return fmt::format("{}: {}{}", where, warning ? "warning: " : "", message);
}

namespace {

std::string first_error_text(const std::vector<PolicyDiagnostic>& errors) {
    if (errors.empty()) return "invalid policy";
    std::string text = errors.front().to_string();
    if (errors.size() > 1) {
        text += fmt::format(" (and {} more error{}: pairwatch --check-policy {} lists them)",
                            errors.size() - 1, errors.size() > 2 ? "s" : "", errors.front().file);
    }
    return text;
}

} // namespace

PolicyError::PolicyError(std::vector<PolicyDiagnostic> errors)
    : std::runtime_error(first_error_text(errors)), errors_(std::move(errors)) {}

Policy::Policy(std::string file, PolicyAction default_action, std::uint32_t default_line,
               std::vector<PolicyRule> rules, std::vector<PolicyDiagnostic> warnings)
    : file_(std::move(file)), default_action_(default_action), default_line_(default_line),
      rules_(std::move(rules)), warnings_(std::move(warnings)) {}

PolicyVerdict Policy::evaluate(const decode::IpAddress& host, services::Proto proto,
                               std::uint16_t port) const {
    for (const PolicyRule& rule : rules_) {
        if (rule.matches(host, proto, port)) return {rule.action, &rule};
    }
    return {default_action_, nullptr};
}

std::string Policy::describe() const {
    std::string out;
    for (const PolicyRule& rule : rules_) {
        std::string hosts;
        for (const services::Cidr& c : rule.hosts) {
            if (!hosts.empty()) hosts += ',';
            hosts += c.to_string();
        }
        std::string services;
        for (const ServiceEntry& entry : rule.services) {
            std::string ports;
            for (const PortRange& r : entry.ports) {
                if (!ports.empty()) ports += ',';
                ports += to_string(r);
            }
            if (!services.empty()) services += ',';
            // A name shows what it stands for; tcp/22 or */53 is its own expansion.
            services += entry.is_name ? fmt::format("{}({})", entry.text, ports) : ports;
        }
        out += fmt::format("rule {} (line {}): {} hosts={} services={} severity={} name={}\n",
                           rule.index, rule.line, to_string(rule.action),
                           rule.any_host() ? "any" : hosts, rule.any_service() ? "any" : services,
                           rule.severity ? to_string(*rule.severity) : "-",
                           rule.name.empty() ? std::string("-") : quote_name(rule.name));
    }
    out += fmt::format("default (line {}): {}\n", default_line_, to_string(default_action_));
    return out;
}

Policy load_policy(const std::filesystem::path& path, const services::ServiceRegistry& registry) {
    const std::string name = path.string();
    auto fail = [&name](int err) {
        return PolicyError(
            {PolicyDiagnostic{name, 0, fmt::format("cannot read: {}", std::strerror(err)), false}});
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw fail(EISDIR);
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(name.c_str(), "rb"),
                                                             &std::fclose);
    if (!in) throw fail(errno);
    std::string text;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, in.get())) > 0) text.append(buffer, n);
    if (std::ferror(in.get()) != 0) throw fail(errno);
    return parse_policy(text, name, registry);
}

} // namespace pairwatch::watch
