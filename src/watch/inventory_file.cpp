#include "pairwatch/watch/inventory_file.h"

#include "pairwatch/export/flow_record.h"
#include "pairwatch/export/json_writer.h"
#include "pairwatch/services/cidr.h"
#include "pairwatch/services/port_category.h"
#include "pairwatch/services/proto.h"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

namespace pairwatch::watch {

std::string inventory_to_json(const ServerInventory& inventory,
                              const services::ServiceRegistry& registry) {
    std::vector<std::pair<const ServerKey*, const ServerRecord*>> all;
    inventory.for_each([&](const ServerKey& k, const ServerRecord& r) { all.emplace_back(&k, &r); });
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return std::tie(a.first->addr, a.first->proto, a.first->port) <
               std::tie(b.first->addr, b.first->proto, b.first->port);
    });
    std::string o = "{\"servers\":[";
    bool first = true;
    for (const auto& [k, r] : all) {
        o += first ? "\n" : ",\n";
        first = false;
        o += "{\"host\":";
        exporter::append_json_string(o, decode::to_string(k->addr, k->ip_version));
        o += fmt::format(",\"proto\":\"{}\",\"port\":{},\"service\":", services::ip_proto_name(k->proto), k->port);
        const auto s = registry.lookup(services::proto_from_ip(k->proto).value_or(services::Proto::Udp), k->port);
        if (s) {
            exporter::append_json_string(o, s->name);
        } else {
            o += "null";
        }
        o += fmt::format(",\"category\":\"{}\",\"first_ts\":", services::to_string(services::category_of(k->port)));
        exporter::append_epoch_seconds(o, r->first_ns);
        o += ",\"last_ts\":";
        exporter::append_epoch_seconds(o, r->last_ns);
        o += fmt::format(",\"clients\":{},\"clients_capped\":{},\"first_clients\":[", r->client_count,
                         r->clients_capped);
        for (std::size_t i = 0; i < r->first_clients.size(); ++i) {
            if (i > 0) o += ',';
            exporter::append_json_string(o, decode::to_string(r->first_clients[i], k->ip_version));
        }
        o += fmt::format("],\"flows\":{},\"packets\":{},\"bytes_to\":{},\"bytes_from\":{}}}", r->flows,
                         r->packets, r->bytes_to, r->bytes_from);
    }
    o += "\n]}\n";
    return o;
}

absl::flat_hash_set<ServerKey> read_baseline(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("--baseline {}: cannot be read", path));
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error(fmt::format("--baseline {}: not JSON ({}); make one with --learn",
                                             path, e.what()));
    }
    if (!doc.is_object() || !doc.contains("servers") || !doc["servers"].is_array()) {
        throw std::runtime_error(fmt::format(
            "--baseline {}: no \"servers\" list; make one with --learn FILE", path));
    }
    absl::flat_hash_set<ServerKey> servers;
    std::size_t n = 0;
    for (const auto& s : doc["servers"]) {
        ++n;
        const auto bad = [&](std::string_view why) {
            return std::runtime_error(fmt::format("--baseline {}: server {}: {}", path, n, why));
        };
        if (!s.is_object() || !s.contains("host") || !s["host"].is_string() || !s.contains("proto") ||
            !s["proto"].is_string() || !s.contains("port") || !s["port"].is_number_unsigned()) {
            throw bad("needs \"host\", \"proto\" and \"port\"");
        }
        const auto host = services::parse_cidr(s["host"].get<std::string>());
        if (!host || host->bits != 128) throw bad("\"host\" is not an address");
        const std::string proto = s["proto"].get<std::string>();
        if (proto != "tcp" && proto != "udp") throw bad("\"proto\" is neither tcp nor udp");
        const auto port = s["port"].get<std::uint64_t>();
        if (port > 65535) throw bad("\"port\" is past 65535");
        ServerKey k;
        k.addr = host->prefix;
        k.ip_version = s["host"].get<std::string>().find(':') == std::string::npos ? 4 : 6;
        k.proto = proto == "tcp" ? decode::kIpProtoTcp : decode::kIpProtoUdp;
        k.port = static_cast<std::uint16_t>(port);
        servers.insert(k);
    }
    return servers;
}

} // namespace pairwatch::watch
