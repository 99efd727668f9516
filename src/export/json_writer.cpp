#include "pairwatch/export/json_writer.h"

#include "pairwatch/services/flow_label.h"
#include "pairwatch/util/saturating.h"

#include <fmt/format.h>

namespace pairwatch::exporter {

namespace {

void append_seconds(std::string& out, std::int64_t ns) {
    // Epoch seconds with microseconds, as a JSON number (floor division for pre-1970 times).
    std::int64_t s = ns / 1'000'000'000;
    std::int64_t rem = ns % 1'000'000'000;
    if (rem < 0) {
        rem += 1'000'000'000;
        --s;
    }
    fmt::format_to(std::back_inserter(out), "{}.{:06}", s, rem / 1000);
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

std::string flow_to_json(const flow::Flow& f, flow::EndReason why,
                         const services::ServiceRegistry& registry, std::uint64_t uid_seed) {
    const services::FlowLabel label = services::label_flow(f, registry);
    const std::uint64_t orig_bytes = f.orig().payload_bytes;
    const std::uint64_t resp_bytes = f.resp().payload_bytes;
    std::string o;
    o.reserve(512);
    o += "{\"uid\":\"";
    o += flow::flow_uid(f, uid_seed);
    o += "\",\"ts\":";
    append_seconds(o, f.first_ns);
    o += ",\"last_ts\":";
    append_seconds(o, f.last_ns);
    o += ",\"duration\":";
    append_seconds(o, util::saturating_sub(f.last_ns, f.first_ns));
    o += f.is_tcp() ? ",\"proto\":\"tcp\"" : ",\"proto\":\"udp\"";
    o += ",\"orig_h\":";
    append_json_string(o, decode::to_string(f.orig_addr(), f.ip_version()));
    fmt::format_to(std::back_inserter(o), ",\"orig_p\":{},\"resp_h\":", f.orig_port());
    append_json_string(o, decode::to_string(f.resp_addr(), f.ip_version()));
    fmt::format_to(std::back_inserter(o), ",\"resp_p\":{}", f.resp_port());
    if (f.key.vlan_count() > 0) {
        fmt::format_to(std::back_inserter(o), ",\"vlan\":{}", f.key.vlan_outer);
    } else {
        o += ",\"vlan\":null";
    }
    o += ",\"service\":";
    if (label.service) {
        append_json_string(o, label.service->name);
        o += ",\"service_source\":";
        append_json_string(o, services::to_string(label.source));
    } else {
        o += "null,\"service_source\":null";
    }
    o += ",\"port_category\":";
    append_json_string(o, services::to_string(label.category));
    o += ",\"conn_state\":";
    append_json_string(o, flow::to_string(f.tcp.conn_state(f.orig_side(), f.is_tcp(), orig_bytes,
                                                            resp_bytes)));
    o += ",\"history\":";
    append_json_string(o, f.tcp.history(f.orig_side()));
    o += ",\"dir_reason\":";
    append_json_string(o, flow::to_string(f.dir_reason()));
    o += ",\"end_reason\":";
    append_json_string(o, flow::to_string(why));
    fmt::format_to(std::back_inserter(o),
                   ",\"orig_pkts\":{},\"resp_pkts\":{},\"orig_bytes\":{},\"resp_bytes\":{},"
                   "\"orig_ip_bytes\":{},\"resp_ip_bytes\":{},\"orig_wire_bytes\":{},"
                   "\"resp_wire_bytes\":{}}}",
                   f.orig().packets.get(), f.resp().packets.get(), orig_bytes, resp_bytes,
                   f.orig().ip_bytes.get(), f.resp().ip_bytes.get(), f.orig().wire_bytes.get(),
                   f.resp().wire_bytes.get());
    return o;
}

JsonWriter::JsonWriter(std::unique_ptr<OutputFile> out, const services::ServiceRegistry& registry,
                       std::uint64_t uid_seed)
    : out_(std::move(out)), registry_(registry), uid_seed_(uid_seed) {}

void JsonWriter::on_flow_end(const flow::Flow& flow, flow::EndReason why) {
    std::string line = flow_to_json(flow, why, registry_, uid_seed_);
    line += '\n';
    out_->write(line);
}

} // namespace pairwatch::exporter
