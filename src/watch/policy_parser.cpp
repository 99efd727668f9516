// Reads a policy file. toml++ does the TOML (strings, escapes, arrays, tables, duplicate keys)
// and gives every node and key its line; this file checks what the policy means, and says each
// mistake with its line and, where it can guess, the fix. It goes on after a mistake, so that
// --check-policy lists them all at once.
#include "pairwatch/services/core_services.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/policy.h"

#include <absl/container/flat_hash_map.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fmt/format.h>
#include <tuple>

namespace pairwatch::watch {

namespace {

using services::Proto;

constexpr std::string_view kAny = "any";
constexpr std::array<std::string_view, 2> kTopKeys = {"default", "rule"};
constexpr std::array<std::string_view, 5> kRuleKeys = {"name", "action", "hosts", "services",
                                                       "severity"};

/// Keys people are likely to try, and what to write instead.
std::string_view rule_key_hint(std::string_view key) {
    if (key == "clients" || key == "client" || key == "from" || key == "src") {
        return "rules match servers, not their clients: pairwatch asks whether a host may "
               "answer on a port, whoever asks";
    }
    if (key == "port" || key == "ports" || key == "proto" || key == "protocol") {
        return "ports go in 'services', with their protocol: services = [\"tcp/22\", "
               "\"udp/53\", \"*/123\"]";
    }
    if (key == "default") return "'default' goes at the top of the file, before the first [[rule]]";
    return {};
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment), so
/// "hsot" is one edit from "host", as a typist would count it.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

/// " (did you mean 'a', 'b' or 'c'?)" for up to three candidates, or "".
std::string did_you_mean(const std::vector<std::string_view>& names) {
    if (names.empty()) return {};
    std::string text = " (did you mean ";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
        text += fmt::format("'{}'", names[i]);
    }
    return text + "?)";
}

/// The candidates within a typo or two of `word`, closest first; `preferred` breaks ties
/// (the core services before the ~6000 IANA names).
template <typename Range, typename Preferred>
std::vector<std::string_view> close_to(std::string_view word, const Range& candidates,
                                       Preferred preferred) {
    const std::size_t limit = word.size() <= 4 ? 1 : 2;
    struct Close {
        std::size_t distance;
        bool other;
        std::string_view name;
        bool operator<(const Close& o) const {
            return std::tie(distance, other, name) < std::tie(o.distance, o.other, o.name);
        }
    };
    std::vector<Close> found;
    for (const auto& c : candidates) {
        const std::string_view name(c);
        // Each edit changes the length by one at most: most of ~6000 names are ruled out here.
        const std::size_t length_gap =
            name.size() > word.size() ? name.size() - word.size() : word.size() - name.size();
        if (length_gap > limit) continue;
        const std::size_t d = edit_distance(word, name);
        if (d <= limit) found.push_back({d, !preferred(name), name});
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < found.size() && i < 3; ++i) out.push_back(found[i].name);
    return out;
}

std::string_view type_name(toml::node_type t) {
    switch (t) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "a whole number";
    case toml::node_type::floating_point:
        return "a number";
    case toml::node_type::boolean:
        return "true or false";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "a list";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return "a date or time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

std::uint32_t line_of(const toml::node& n) {
    return n.source().begin.line;
}
std::uint32_t line_of(const toml::key& k) {
    return k.source().begin.line;
}

/// "0".."65535", digits only (no sign, no spaces, no hex).
std::optional<std::uint16_t> parse_port(std::string_view s) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Every name the registry gives, lower case (RFC 6335 5.1: service names are
/// case-insensitive), with the ports it names: built once per policy read, by asking the
/// registry about each of the 2 x 65536 ports, so a --services file's names count as well.
class ServiceNames {
public:
    explicit ServiceNames(const services::ServiceRegistry& registry) {
        for (const Proto proto : {Proto::Tcp, Proto::Udp}) {
            for (unsigned p = 0; p <= 65535; ++p) {
                const auto port = static_cast<std::uint16_t>(p);
                const auto service = registry.lookup(proto, port);
                if (!service) continue;
                auto& ranges = ports_[lower(service->name)];
                if (!ranges.empty() && ranges.back().proto == proto &&
                    int{ranges.back().last} + 1 == int{port}) {
                    ranges.back().last = port; // x11 is 6000-6063: one range, not 64 ports
                } else {
                    ranges.push_back({proto, port, port});
                }
            }
        }
    }
    [[nodiscard]] const std::vector<PortRange>* find(const std::string& name) const {
        const auto it = ports_.find(name);
        return it == ports_.end() ? nullptr : &it->second;
    }
    [[nodiscard]] std::vector<std::string_view> close_to(std::string_view name) const {
        std::vector<std::string_view> names;
        names.reserve(ports_.size());
        for (const auto& [n, ranges] : ports_) names.emplace_back(n);
        return watch::close_to(name, names, [](std::string_view n) {
            const auto core = services::core_services();
            return std::any_of(core.begin(), core.end(),
                               [n](const services::CoreService& c) { return c.name == n; });
        });
    }

private:
    absl::flat_hash_map<std::string, std::vector<PortRange>> ports_;
};

class Parser {
public:
    Parser(std::string_view file, const services::ServiceRegistry& registry)
        : file_(file), registry_(registry) {}

    Policy parse(std::string_view text) {
        toml::table root;
        try {
            root = toml::parse(text, std::string_view(file_));
        } catch (const toml::parse_error& e) {
            error(e.source().begin.line, fmt::format("not valid TOML: {} (column {})",
                                                     e.description(), e.source().begin.column));
            throw PolicyError(std::move(errors_));
        }
        std::optional<PolicyAction> default_action;
        std::uint32_t default_line = 0;
        std::vector<PolicyRule> rules;
        for (const auto& [key, node] : root) {
            if (key == "default") {
                default_line = line_of(node);
                default_action = action_of(node, "default", "");
            } else if (key == "rule") {
                read_rules(node, rules);
            } else {
                unknown_key(key, "", kTopKeys,
                            std::find(kRuleKeys.begin(), kRuleKeys.end(), key.str()) !=
                                    kRuleKeys.end()
                                ? fmt::format("'{}' belongs to a rule: put it under a [[rule]] "
                                              "header",
                                              key.str())
                                : std::string());
            }
        }
        if (!root.contains("default")) {
            error(0, "no 'default': say what a server that matches no rule gets: "
                     "default = \"allow\" or default = \"deny\"");
        }
        if (!errors_.empty()) {
            std::stable_sort(errors_.begin(), errors_.end(),
                             [](const auto& a, const auto& b) { return a.line < b.line; });
            throw PolicyError(std::move(errors_));
        }
        warn_unreachable(rules);
        if (rules.empty()) {
            warnings_.push_back({file_, default_line,
                                 fmt::format("no rules: every server gets the default ({})",
                                             to_string(*default_action)),
                                 true});
        }
        return {file_, *default_action, default_line, std::move(rules), std::move(warnings_)};
    }

private:
    void error(std::uint32_t line, std::string message) {
        errors_.push_back({file_, line, std::move(message), false});
    }

    template <std::size_t N>
    void unknown_key(const toml::key& key, std::string_view where,
                     const std::array<std::string_view, N>& known, std::string hint) {
        std::string message = fmt::format("{}unknown key '{}'", where, key.str());
        if (hint.empty()) {
            message +=
                did_you_mean(close_to(key.str(), known, [](std::string_view) { return true; }));
            std::string list;
            for (const auto k : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
            message +=
                fmt::format("; {} takes {}", where.empty() ? "the top level" : "a rule", list);
        } else {
            message += fmt::format(": {}", hint);
        }
        error(line_of(key), std::move(message));
    }

    /// A string value of `key`, or an error saying what came instead.
    const std::string* string_of(const toml::node& node, std::string_view key,
                                 std::string_view where, std::string_view example) {
        if (const auto* s = node.as_string()) return &s->get();
        error(line_of(node), fmt::format("{}'{}' must be a string ({} = {}), not {}", where, key,
                                         key, example, type_name(node.type())));
        return nullptr;
    }

    std::optional<PolicyAction> action_of(const toml::node& node, std::string_view key,
                                          std::string_view where) {
        const std::string* s = string_of(node, key, where, "\"allow\"");
        if (s == nullptr) return std::nullopt;
        if (*s == "allow") return PolicyAction::Allow;
        if (*s == "deny") return PolicyAction::Deny;
        error(line_of(node),
              fmt::format("{}'{}' is not an action: write \"allow\" or \"deny\"", where, *s));
        return std::nullopt;
    }

    void read_rules(const toml::node& node, std::vector<PolicyRule>& rules) {
        const auto* list = node.as_array();
        if (list == nullptr) {
            error(line_of(node),
                  node.is_table() ? std::string("write [[rule]], with two brackets: each rule is "
                                                "one entry of the list of rules")
                                  : fmt::format("'rule' must be a list of [[rule]] tables, not {}",
                                                type_name(node.type())));
            return;
        }
        for (const toml::node& element : *list) {
            const std::size_t index = rules.size() + skipped_ + 1;
            const auto* table = element.as_table();
            if (table == nullptr) {
                error(line_of(element), fmt::format("rule {}: a rule is a table ([[rule]] and its "
                                                    "keys), not {}",
                                                    index, type_name(element.type())));
                ++skipped_;
                continue;
            }
            if (auto rule = read_rule(*table, index)) {
                rules.push_back(std::move(*rule));
            } else {
                ++skipped_;
            }
        }
    }

    std::optional<PolicyRule> read_rule(const toml::table& table, std::size_t index) {
        const std::size_t errors_before = errors_.size();
        const std::string where = fmt::format("rule {}: ", index);
        PolicyRule rule;
        rule.index = index;
        rule.line = line_of(table);
        std::optional<PolicyAction> action;
        bool has_hosts = false;
        bool has_services = false;
        bool unknown_keys = false; // "servces = [...]": said once, not again as a missing key
        for (const auto& [key, node] : table) {
            if (key == "name") {
                if (const auto* s = string_of(node, "name", where, "\"web servers\""))
                    rule.name = *s;
            } else if (key == "action") {
                action = action_of(node, "action", where);
            } else if (key == "severity") {
                rule.severity = severity_of(node, where);
            } else if (key == "hosts") {
                has_hosts = true;
                read_list(node, "hosts", where, "\"10.0.0.0/24\", \"2001:db8::/64\"",
                          [&](const std::string& text, std::uint32_t line) {
                              if (auto c = host_of(text, where, line)) rule.hosts.push_back(*c);
                          });
            } else if (key == "services") {
                has_services = true;
                read_list(node, "services", where, "\"ssh\", \"tcp/8000-8099\", \"*/53\"",
                          [&](const std::string& text, std::uint32_t line) {
                              if (auto e = service_of(text, where, line)) {
                                  rule.services.push_back(std::move(*e));
                              }
                          });
            } else {
                unknown_key(key, where, kRuleKeys, std::string(rule_key_hint(key.str())));
                unknown_keys = true;
            }
        }
        if (!table.contains("action")) {
            error(rule.line, where + "no 'action': say action = \"allow\" or action = \"deny\"");
        }
        if (!has_hosts && !has_services && !unknown_keys) {
            error(rule.line, where + "a rule needs 'hosts', 'services' or both (to match every "
                                     "server, write services = [\"any\"])");
        }
        if (errors_.size() != errors_before || !action) return std::nullopt;
        rule.action = *action;
        rule.finish();
        return rule;
    }

    std::optional<Severity> severity_of(const toml::node& node, const std::string& where) {
        const std::string* s = string_of(node, "severity", where, "\"high\"");
        if (s == nullptr) return std::nullopt;
        constexpr std::array kAll = {Severity::Low, Severity::Medium, Severity::High,
                                     Severity::Critical};
        for (const Severity v : kAll) {
            if (*s == to_string(v)) return v;
        }
        error(line_of(node), fmt::format("{}'{}' is not a severity: write \"low\", \"medium\", "
                                         "\"high\" or \"critical\"",
                                         where, *s));
        return std::nullopt;
    }

    /// A list of strings, each handed to `each` with its own line; "any" alone stands for the
    /// whole set, which the rule keeps as an empty list.
    template <typename Each>
    void read_list(const toml::node& node, std::string_view key, const std::string& where,
                   std::string_view example, Each each) {
        const auto* list = node.as_array();
        if (list == nullptr) {
            error(line_of(node),
                  fmt::format("{}'{}' must be a list: {} = [{}]", where, key, key, example));
            return;
        }
        if (list->empty()) {
            error(line_of(node), fmt::format("{}'{}' is empty, so the rule could match nothing: "
                                             "leave '{}' out, or write {} = [\"any\"], to mean "
                                             "every one",
                                             where, key, key, key));
            return;
        }
        bool any = false;
        for (const toml::node& element : *list) {
            const auto* s = element.as_string();
            if (s == nullptr) {
                error(line_of(element),
                      fmt::format("{}each of '{}' must be a string (\"...\"), not {}{}", where, key,
                                  type_name(element.type()),
                                  key == "services" && element.is_integer()
                                      ? fmt::format(": write \"tcp/{0}\", \"udp/{0}\" or "
                                                    "\"*/{0}\"",
                                                    element.as_integer()->get())
                                      : std::string()));
                continue;
            }
            if (lower(s->get()) == kAny) {
                any = true;
                continue;
            }
            each(s->get(), line_of(element));
        }
        if (any && list->size() > 1) {
            error(line_of(node), fmt::format("{}'any' in '{}' already means every one: write "
                                             "either \"any\" or the list",
                                             where, key));
        }
    }

    std::optional<services::Cidr> host_of(const std::string& text, const std::string& where,
                                          std::uint32_t line) {
        std::string why;
        const auto cidr = services::parse_cidr(text, &why);
        if (!cidr) {
            const std::string_view address = std::string_view(text).substr(0, text.find('/'));
            const bool looks_like_name =
                address.find(':') == std::string_view::npos &&
                std::any_of(address.begin(), address.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                });
            error(line, looks_like_name
                            ? fmt::format("{}'{}' is not an address: hosts are IPv4 or IPv6 "
                                          "addresses or networks (10.0.0.5, 10.0.0.0/24, "
                                          "2001:db8::/64), not host names",
                                          where, text)
                            : fmt::format("{}'{}': {}", where, text, why));
            return std::nullopt;
        }
        // parse_cidr clears host bits, as --local-nets wants; in a policy "10.0.0.5/24" more
        // likely means one host than its network, so it is a mistake to point out.
        const auto address = services::parse_cidr(text.substr(0, text.find('/')));
        if (address && address->prefix != cidr->prefix) {
            error(line,
                  fmt::format("{}'{}' has host bits set: write {} for the network, or {} "
                              "for the one host",
                              where, text, cidr->to_string(), text.substr(0, text.find('/'))));
            return std::nullopt;
        }
        return cidr;
    }

    std::optional<ServiceEntry> service_of(const std::string& raw, const std::string& where,
                                           std::uint32_t line) {
        const std::string text = lower(raw);
        const std::size_t slash = text.find('/');
        if (slash == std::string::npos) {
            // "53" or "8000-8099": a port without its protocol.
            if (all_digits(text.substr(0, text.find('-')))) {
                error(line, fmt::format("{}'{}' needs its protocol: write tcp/{}, udp/{}, or */{} "
                                        "for both",
                                        where, raw, text, text, text));
                return std::nullopt;
            }
            return service_by_name(text, raw, where, line);
        }
        const std::string proto = text.substr(0, slash);
        const std::string ports = text.substr(slash + 1);
        if (all_digits(proto) && (ports == "tcp" || ports == "udp")) {
            error(line,
                  fmt::format("{}'{}': the protocol comes first: {}/{}", where, raw, ports, proto));
            return std::nullopt;
        }
        std::vector<Proto> protos;
        if (proto == "tcp" || proto == "*") protos.push_back(Proto::Tcp);
        if (proto == "udp" || proto == "*") protos.push_back(Proto::Udp);
        if (protos.empty()) {
            error(line,
                  fmt::format("{}'{}': the protocol must be tcp, udp, or * for both", where, raw));
            return std::nullopt;
        }
        const std::size_t dash = ports.find('-');
        const std::string first_text = ports.substr(0, dash);
        const std::string last_text =
            dash == std::string::npos ? first_text : ports.substr(dash + 1);
        const auto first = parse_port(first_text);
        const auto last = parse_port(last_text);
        if ((dash == std::string::npos || first_text.empty() || last_text.empty()) &&
            (!first || !last)) {
            error(line, fmt::format("{}'{}' is not a port (0-65535){}", where, raw,
                                    all_digits(first_text) || first_text.empty()
                                        ? std::string()
                                        : fmt::format("; a service name stands alone: \"{}\"",
                                                      first_text)));
            return std::nullopt;
        }
        if (!first || !last) {
            error(line, fmt::format("{}'{}': {} is not a port (0-65535)", where, raw,
                                    first ? last_text : first_text));
            return std::nullopt;
        }
        if (*first > *last) {
            error(line, fmt::format("{}'{}': a range goes from low to high ({}/{}-{})", where, raw,
                                    proto, *last, *first));
            return std::nullopt;
        }
        ServiceEntry entry;
        entry.text = *first == *last ? fmt::format("{}/{}", proto, *first)
                                     : fmt::format("{}/{}-{}", proto, *first, *last);
        for (const Proto p : protos) entry.ports.push_back({p, *first, *last});
        return entry;
    }

    std::optional<ServiceEntry> service_by_name(const std::string& name, const std::string& raw,
                                                const std::string& where, std::uint32_t line) {
        if (!names_) names_.emplace(registry_);
        const std::vector<PortRange>* ports = names_->find(name);
        if (ports == nullptr) {
            const auto close = names_->close_to(name);
            error(line, fmt::format("{}'{}' is not a service name pairwatch knows{}", where, raw,
                                    close.empty() ? "; give its port instead (tcp/8080), or name "
                                                    "it in a --services file"
                                                  : did_you_mean(close)));
            return std::nullopt;
        }
        return ServiceEntry{name, true, *ports};
    }

    void warn_unreachable(const std::vector<PolicyRule>& rules) {
        for (std::size_t j = 1; j < rules.size(); ++j) {
            for (std::size_t i = 0; i < j; ++i) {
                if (!rules[i].covers(rules[j])) continue;
                warnings_.push_back(
                    {file_, rules[j].line,
                     fmt::format("rule {} is never used: {} comes first and matches every "
                                 "server it would{}",
                                 rules[j].index, rules[i].label(),
                                 rules[i].action == rules[j].action       ? ""
                                 : rules[i].action == PolicyAction::Allow ? ", and allows them"
                                                                          : ", and denies them"),
                     true});
                break;
            }
        }
    }

    std::string file_;
    const services::ServiceRegistry& registry_;
    std::optional<ServiceNames> names_; // built at the first service name
    std::size_t skipped_ = 0;           // rules with mistakes, still counted in rule numbers
    std::vector<PolicyDiagnostic> errors_;
    std::vector<PolicyDiagnostic> warnings_;
};

} // namespace

Policy parse_policy(std::string_view text, std::string_view file,
                    const services::ServiceRegistry& registry) {
    return Parser(file, registry).parse(text);
}

} // namespace pairwatch::watch
