// fuzz_policy: a policy file (--policy, --check-policy) through parse_policy(), TOML and all.
//
// Input: the file's text. A mistake must come back as a PolicyError naming each mistake (any
// other exception escaping is a bug: libFuzzer reports it). A policy that parses is described
// as --check-policy prints it, and evaluated at the edges of each rule's hosts and ports, where
// the verdict must be the first rule that matches (or the default when none does).
#include "fuzz_check.h"
#include "pairwatch/decode/packet_info.h"
#include "pairwatch/services/proto.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/policy.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace pairwatch;
using services::Proto;

const services::ServiceRegistry& registry() {
    static const services::ServiceRegistry r;
    return r;
}

/// The first address of a block and the last (host bits all set).
decode::IpAddress block_end(const services::Cidr& c) {
    decode::IpAddress a = c.prefix;
    for (unsigned bit = c.bits; bit < 128; ++bit) {
        a.bytes[bit / 8] = static_cast<std::uint8_t>(a.bytes[bit / 8] | (0x80U >> (bit % 8)));
    }
    return a;
}

void check_verdict(const watch::Policy& policy, const decode::IpAddress& host, Proto proto,
                   std::uint16_t port) {
    const watch::PolicyVerdict v = policy.evaluate(host, proto, port);
    const watch::PolicyRule* first = nullptr;
    for (const watch::PolicyRule& r : policy.rules()) {
        if (r.matches(host, proto, port)) {
            first = &r;
            break;
        }
    }
    PW_FUZZ_CHECK(v.rule == first);
    PW_FUZZ_CHECK(v.action == (first != nullptr ? first->action : policy.default_action()));
}

void check_policy(const watch::Policy& policy) {
    PW_FUZZ_CHECK(!policy.describe().empty());
    std::vector<decode::IpAddress> hosts = {decode::IpAddress::from_v4(0x0a000001),
                                            decode::IpAddress{}};
    std::vector<std::uint16_t> ports = {0, 22, 53, 80, 65535};
    std::size_t index = 0;
    for (const watch::PolicyRule& r : policy.rules()) {
        PW_FUZZ_CHECK(r.index == ++index && r.line >= 1);
        PW_FUZZ_CHECK(!r.label().empty());
        for (const services::Cidr& c : r.hosts) {
            PW_FUZZ_CHECK(c.bits <= 128 && c.contains(c.prefix));
            hosts.push_back(c.prefix);
            hosts.push_back(block_end(c));
        }
        for (const Proto p : {Proto::Tcp, Proto::Udp}) {
            const std::vector<watch::PortRange>& merged = r.ports(p);
            for (std::size_t i = 0; i < merged.size(); ++i) {
                // Sorted, merged, of the protocol asked for.
                PW_FUZZ_CHECK(merged[i].proto == p && merged[i].first <= merged[i].last);
                PW_FUZZ_CHECK(i == 0 || merged[i - 1].last < merged[i].first);
                ports.push_back(merged[i].first);
                ports.push_back(merged[i].last);
            }
        }
        // A rule matches itself: covers() is a reflexive "every server it matches".
        PW_FUZZ_CHECK(r.covers(r));
    }
    // Bounded work per input: a policy may list thousands of blocks.
    constexpr std::size_t kMaxProbes = 64;
    if (hosts.size() > kMaxProbes) hosts.resize(kMaxProbes);
    if (ports.size() > kMaxProbes) ports.resize(kMaxProbes);
    for (const decode::IpAddress& h : hosts) {
        for (const std::uint16_t port : ports) {
            check_verdict(policy, h, Proto::Tcp, port);
            check_verdict(policy, h, Proto::Udp, port);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(data, data + size);
    try {
        const watch::Policy policy = watch::parse_policy(text, "fuzz.toml", registry());
        check_policy(policy);
    } catch (const watch::PolicyError& e) {
        // Every mistake is named, with its file.
        PW_FUZZ_CHECK(!e.errors().empty() && std::string_view(e.what()).size() > 0);
        for (const watch::PolicyDiagnostic& d : e.errors()) {
            PW_FUZZ_CHECK(!d.warning && d.file == "fuzz.toml" && !d.message.empty());
            PW_FUZZ_CHECK(!d.to_string().empty());
        }
    }
    return 0;
}
