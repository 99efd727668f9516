#include "pairwatch/watch/alert_engine.h"

#include "pairwatch/services/port_category.h"
#include "pairwatch/services/proto.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pairwatch::watch {

bool is_failed_attempt(const flow::Flow& f) {
    if (!f.is_tcp()) return f.resp().packets.get() == 0 && f.orig().packets.get() > 0;
    using flow::ConnState;
    switch (f.tcp.conn_state(f.orig_side(), true, f.orig().payload_bytes.get(),
                             f.resp().payload_bytes.get())) {
    case ConnState::REJ:
    case ConnState::S0:
    case ConnState::RSTOS0:
    case ConnState::SH:
        return true;
    default:
        return false;
    }
}

AlertEngine::AlertEngine(const services::ServiceRegistry& registry, AlertOptions options)
    : registry_(registry), options_(std::move(options)),
      scans_(options_.scan_threshold, options_.scan_window_ns) {}

std::string AlertEngine::service_name(std::uint8_t proto, std::uint16_t port) const {
    const auto p = proto == decode::kIpProtoTcp ? services::Proto::Tcp : services::Proto::Udp;
    const auto s = registry_.lookup(p, port);
    return s ? std::string(s->name) : std::string();
}

std::array<std::uint64_t, kAlertKinds> AlertEngine::counts() const {
    std::array<std::uint64_t, kAlertKinds> c{};
    for (const Alert& a : alerts_) ++c[static_cast<std::size_t>(a.kind)];
    return c;
}

void AlertEngine::raise(Alert alert, const ServerKey& key) {
    const Key k{key, alert.kind};
    if (auto it = raised_.find(k); it != raised_.end()) {
        ++alerts_[it->second].repeats;
        return;
    }
    if (raised_.size() >= kMaxAlerts) {
        if (not_raised_++ == 0) {
            spdlog::warn("{} alerts raised: further new ones are counted, not raised (a flood of "
                         "made-up servers?)", kMaxAlerts);
        }
        return;
    }
    raised_.emplace(k, alerts_.size());
    alerts_.push_back(std::move(alert));
    for (AlertSink* s : sinks_) s->on_alert(alerts_.back());
}

void AlertEngine::on_answer(const flow::Flow& f) {
    const ServerKey server = ServerInventory::server_of(f);
    Alert base;
    base.ts_ns = f.last_ns;
    base.host = server.addr;
    base.ip_version = server.ip_version;
    base.proto = server.proto;
    base.port = server.port;
    base.service = service_name(server.proto, server.port);
    base.peer = f.orig_addr();

    std::optional<PolicyVerdict> verdict;
    if (options_.policy != nullptr) {
        const auto proto = server.proto == decode::kIpProtoTcp ? services::Proto::Tcp : services::Proto::Udp;
        verdict = options_.policy->evaluate(server.addr, proto, server.port);
    }
    const bool explicitly_allowed = verdict && verdict->allowed_explicitly();
    const bool in_baseline = options_.baseline != nullptr && options_.baseline->contains(server);

    if (verdict && !verdict->allowed()) {
        Alert a = base;
        if (verdict->by_default()) {
            a.kind = AlertKind::NewServer;
            a.detail = fmt::format("no rule of {} allows it (the default is deny)", options_.policy->file());
        } else {
            a.kind = AlertKind::DeniedService;
            a.severity = verdict->rule->severity.value_or(Severity::High);
            a.detail = fmt::format("denied by {}", verdict->rule->label());
        }
        // A server the baseline already knew is not new: only a rule that denies it speaks.
        if (a.kind == AlertKind::DeniedService || !in_baseline) raise(std::move(a), server);
    } else if (options_.baseline != nullptr && !in_baseline && !explicitly_allowed) {
        Alert a = base;
        a.kind = AlertKind::NewServer;
        a.detail = "not in the baseline";
        raise(std::move(a), server);
    }
    if (services::category_of(server.port) == services::PortCategory::Dynamic &&
        !explicitly_allowed && !in_baseline) {
        Alert a = base;
        a.kind = AlertKind::DynamicPortServer;
        a.detail = "a server on a dynamic port (49152-65535) that no rule allows";
        raise(std::move(a), server);
    }
}

void AlertEngine::on_app(const flow::Flow& f, std::string_view app, std::string_view expected) {
    const ServerKey server = ServerInventory::server_of(f);
    Alert a;
    a.ts_ns = f.last_ns;
    a.kind = AlertKind::ServiceMismatch;
    a.severity = Severity::High;
    a.host = server.addr;
    a.ip_version = server.ip_version;
    a.proto = server.proto;
    a.port = server.port;
    a.service = service_name(server.proto, server.port);
    a.app = std::string(app);
    a.peer = f.orig_addr();
    a.detail = fmt::format("the payload is {}, the port says {}", app, expected);
    raise(std::move(a), server);
}

void AlertEngine::on_flow_end(const flow::Flow& f, flow::EndReason /*why*/) {
    if (!is_failed_attempt(f)) return;
    const auto finding = scans_.on_failed_attempt(f.orig_addr(), f.first_ns, f.resp_addr(), f.resp_port());
    if (!finding) return;
    Alert a;
    a.ts_ns = f.last_ns;
    a.kind = AlertKind::Scan;
    a.severity = Severity::High;
    a.host = f.orig_addr();
    a.ip_version = f.ip_version();
    a.proto = f.key.proto;
    a.detail = fmt::format("{} refused or unanswered attempts to {} ports on {} hosts within {} s",
                           finding->attempts, finding->ports, finding->hosts,
                           options_.scan_window_ns / 1'000'000'000);
    raise(std::move(a), ServerKey{f.orig_addr(), 0, 0, f.ip_version()});
}

} // namespace pairwatch::watch
