#include "pairwatch/export/alert_writer.h"

#include "pairwatch/export/flow_record.h"
#include "pairwatch/export/json_writer.h"
#include "pairwatch/services/proto.h"

#include <fmt/format.h>

namespace pairwatch::exporter {

std::string alert_to_json(const watch::Alert& a) {
    std::string o = "{\"ts\":";
    append_epoch_seconds(o, a.ts_ns);
    o += ",\"kind\":";
    append_json_string(o, watch::to_string(a.kind));
    o += ",\"severity\":";
    append_json_string(o, watch::to_string(a.severity));
    o += ",\"host\":";
    append_json_string(o, decode::to_string(a.host, a.ip_version));
    o += ",\"proto\":";
    if (services::proto_from_ip(a.proto)) {
        append_json_string(o, services::ip_proto_name(a.proto));
    } else {
        o += "null";
    }
    o += ",\"port\":";
    o += a.kind == watch::AlertKind::Scan ? std::string("null") : fmt::to_string(a.port);
    o += ",\"service\":";
    if (a.service.empty()) {
        o += "null";
    } else {
        append_json_string(o, a.service);
    }
    o += ",\"app\":";
    if (a.app) {
        append_json_string(o, *a.app);
    } else {
        o += "null";
    }
    o += ",\"peer\":";
    if (a.peer) {
        append_json_string(o, decode::to_string(*a.peer, a.ip_version));
    } else {
        o += "null";
    }
    o += ",\"detail\":";
    append_json_string(o, a.detail);
    o += '}';
    return o;
}

void AlertWriter::on_alert(const watch::Alert& alert) {
    out_->write(alert_to_json(alert) + "\n");
    out_->flush(); // an alert is news: it does not wait for a buffer to fill
}

} // namespace pairwatch::exporter
