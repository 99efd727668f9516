#include "pairwatch/export/metrics.h"

#include "pairwatch/services/flow_label.h"
#include "pairwatch/services/port_category.h"
#include "pairwatch/util/signals_blocked.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <fmt/format.h>

namespace pairwatch::exporter {

namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string label_value(std::string_view v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

} // namespace

std::string format_metrics(const MetricsValues& v) {
    std::string o;
    family(o, "pairwatch_packets_total", "counter", "Frames read from the source.");
    fmt::format_to(std::back_inserter(o), "pairwatch_packets_total {}\n", v.packets);
    family(o, "pairwatch_bytes_total", "counter", "Bytes on the wire of the frames read.");
    fmt::format_to(std::back_inserter(o), "pairwatch_bytes_total {}\n", v.bytes);
    family(o, "pairwatch_packets_malformed_total", "counter",
           "Frames that contradict themselves (counted and skipped).");
    fmt::format_to(std::back_inserter(o), "pairwatch_packets_malformed_total {}\n", v.malformed);
    family(o, "pairwatch_packets_truncated_total", "counter",
           "Frames the snaplen cut before their ports.");
    fmt::format_to(std::back_inserter(o), "pairwatch_packets_truncated_total {}\n", v.truncated);
    if (v.capture) {
        family(o, "pairwatch_packets_dropped_total", "counter",
               "Packets the capture lost, by where (pcap_stats).");
        fmt::format_to(std::back_inserter(o),
                       "pairwatch_packets_dropped_total{{where=\"kernel\"}} {}\n"
                       "pairwatch_packets_dropped_total{{where=\"interface\"}} {}\n",
                       v.capture->dropped_by_kernel, v.capture->dropped_by_interface);
    }
    family(o, "pairwatch_flows_active", "gauge", "Conversations open now.");
    fmt::format_to(std::back_inserter(o), "pairwatch_flows_active {}\n", v.flows_active);
    family(o, "pairwatch_flows_created_total", "counter", "Conversations started.");
    fmt::format_to(std::back_inserter(o), "pairwatch_flows_created_total {}\n", v.flows_created);
    family(o, "pairwatch_flows_ended_total", "counter", "Conversations ended, by reason.");
    for (std::size_t r = 1; r < v.flows_ended.size(); ++r) { // 0 is "none": still open
        fmt::format_to(std::back_inserter(o), "pairwatch_flows_ended_total{{reason=\"{}\"}} {}\n",
                       flow::to_string(static_cast<flow::EndReason>(r)), v.flows_ended[r]);
    }
    family(o, "pairwatch_flows_ended_by_service_total", "counter",
           "Conversations ended, by the service of their ports.");
    for (const auto& [key, n] : v.ended_by_service) {
        fmt::format_to(std::back_inserter(o),
                       "pairwatch_flows_ended_by_service_total{{proto=\"{}\",service=\"{}\"}} {}\n",
                       key.first, label_value(key.second), n);
    }
    family(o, "pairwatch_flows_ended_by_category_total", "counter",
           "Conversations ended, by the IANA category of the responder's port.");
    for (std::size_t c = 0; c < v.ended_by_category.size(); ++c) {
        fmt::format_to(std::back_inserter(o),
                       "pairwatch_flows_ended_by_category_total{{category=\"{}\"}} {}\n",
                       services::to_string(static_cast<services::PortCategory>(c)),
                       v.ended_by_category[c]);
    }
    family(o, "pairwatch_alerts_total", "counter", "Alerts raised, by kind.");
    for (std::size_t k = 0; k < v.alerts.size(); ++k) {
        fmt::format_to(std::back_inserter(o), "pairwatch_alerts_total{{kind=\"{}\"}} {}\n",
                       watch::to_string(static_cast<watch::AlertKind>(k)), v.alerts[k]);
    }
    return o;
}

MetricsCollector::MetricsCollector(const flow::FlowTable& table,
                                   const services::ServiceRegistry& registry)
    : MetricsCollector([&table] { return table.stats(); }, registry) {}

MetricsCollector::MetricsCollector(TableStats table_stats, const services::ServiceRegistry& registry)
    : table_stats_(std::move(table_stats)), registry_(registry) {}

void MetricsCollector::on_packet(const decode::PacketInfo& p) {
    ++working_.packets;
    working_.bytes += p.wire_len;
    if (p.outcome == decode::Outcome::Malformed) ++working_.malformed;
    if (p.outcome == decode::Outcome::Truncated) ++working_.truncated;
}

bool MetricsCollector::wants_tables_at_rest() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return false;
    next_ = now + std::chrono::seconds(1);
    return true;
}

void MetricsCollector::on_flow_end(const flow::Flow& f, flow::EndReason why) {
    ++working_.flows_ended[static_cast<std::size_t>(why)];
    const services::FlowLabel label = services::label_flow(f, registry_);
    const std::string name = label.service ? std::string(label.service->name) : std::string("-");
    ++working_.ended_by_service[{f.is_tcp() ? "tcp" : "udp", name}];
    ++working_.ended_by_category[static_cast<std::size_t>(label.category)];
}

void MetricsCollector::on_alert(const watch::Alert& alert) {
    ++working_.alerts[static_cast<std::size_t>(alert.kind)];
}

void MetricsCollector::publish() {
    const flow::FlowTableStats stats = table_stats_();
    working_.flows_active = stats.active;
    working_.flows_created = stats.flows_created;
    std::lock_guard lock(mutex_);
    published_ = working_;
}

MetricsValues MetricsCollector::latest() const {
    std::lock_guard lock(mutex_);
    return published_;
}

BindAddress parse_bind_address(const std::string& text) {
    BindAddress b{"127.0.0.1", 0};
    std::string_view port_text = text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            throw MetricsError(fmt::format("--metrics: '{}': expected [IPV6]:PORT", text));
        }
        b.host = text.substr(1, close - 1);
        port_text = std::string_view(text).substr(close + 2);
    } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
        if (text.find(':') != colon) {
            throw MetricsError(fmt::format("--metrics: '{}': put an IPv6 address in brackets: [::1]:9100", text));
        }
        if (colon > 0) b.host = text.substr(0, colon);
        port_text = std::string_view(text).substr(colon + 1);
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value > 65535) {
        throw MetricsError(fmt::format("--metrics: '{}': the port is not a number from 0 to 65535", text));
    }
    b.port = static_cast<std::uint16_t>(value);
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, b.host.c_str(), &a4) != 1 && inet_pton(AF_INET6, b.host.c_str(), &a6) != 1) {
        throw MetricsError(fmt::format("--metrics: '{}' is not an IPv4 or IPv6 address", b.host));
    }
    return b;
}

struct MetricsServer::Daemon {
    MHD_Daemon* mhd = nullptr;
    ~Daemon() {
        if (mhd != nullptr) MHD_stop_daemon(mhd);
    }
};

namespace {

MHD_Result answer(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char* /*version*/, const char* /*upload*/, std::size_t* /*upload_size*/,
                  void** /*state*/) {
    const auto& body = *static_cast<const MetricsServer::Body*>(cls);
    unsigned status = MHD_HTTP_OK;
    std::string text;
    const char* type = "text/plain; version=0.0.4; charset=utf-8";
    if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        text = "only GET /metrics\n";
        type = "text/plain";
    } else if (std::strcmp(url, "/metrics") != 0) {
        status = MHD_HTTP_NOT_FOUND;
        text = "pairwatch serves /metrics only\n";
        type = "text/plain";
    } else {
        text = body();
    }
    MHD_Response* r = MHD_create_response_from_buffer(text.size(), text.data(), MHD_RESPMEM_MUST_COPY);
    if (r == nullptr) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    const MHD_Result result = MHD_queue_response(connection, status, r);
    MHD_destroy_response(r);
    return result;
}

} // namespace

MetricsServer::MetricsServer(const BindAddress& where, Body body)
    : daemon_(std::make_unique<Daemon>()), body_(std::move(body)) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (where.host.find(':') != std::string::npos) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(where.port);
        inet_pton(AF_INET6, where.host.c_str(), &a.sin6_addr);
        std::memcpy(&ss, &a, sizeof a);
        len = sizeof a;
        flags |= MHD_USE_IPv6;
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(where.port);
        inet_pton(AF_INET, where.host.c_str(), &a.sin_addr);
        std::memcpy(&ss, &a, sizeof a);
        len = sizeof a;
    }
    (void)len;
    // Its polling thread must leave the stop signals to the capture (util/signals_blocked.h).
    const util::SignalsBlocked blocked;
    daemon_->mhd = MHD_start_daemon(flags, where.port, nullptr, nullptr, &answer, &body_,
                                    MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_CONNECTION_LIMIT, 16U,
                                    MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
    if (daemon_->mhd == nullptr) {
        throw MetricsError(fmt::format("--metrics {}:{}: cannot listen there (port in use, or not "
                                       "an address of this host)",
                                       where.host, where.port));
    }
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_->mhd, MHD_DAEMON_INFO_BIND_PORT);
    port_ = info != nullptr ? info->port : where.port;
}

MetricsServer::~MetricsServer() = default;

} // namespace pairwatch::exporter
