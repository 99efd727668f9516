// The one list of a flow record's fields, in FlowRecord::kFieldNames order, handed to a format
// field by field: --json writes each straight into its line; FlowRecord (for --csv) keeps them.
// A format that kept the record and then copied it out took twice the copying, and at 1M
// conversations the million records that end with a file are formatted at its end, on the
// writer thread, after everything else is done.
#pragma once

#include "pairwatch/flow/flow.h"
#include "pairwatch/services/flow_label.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/util/saturating.h"

#include <cstdint>
#include <string_view>

namespace pairwatch::exporter {

/// Calls, once per field and in order, out.null(), out.number(n) (an unsigned integer),
/// out.seconds(ns) (epoch or duration), out.plain(text) (text of a fixed alphabet: letters,
/// digits, '.', ':', '-', '_', '^', nothing any format escapes) or out.text(text) (a name from a
/// services file or the payload inspector, which may hold anything).
template <typename Out>
void visit_flow_fields(const flow::Flow& f, flow::EndReason why,
                       const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                       std::string_view app, Out& out) {
    const services::FlowLabel label = services::label_flow(f, registry);
    const std::uint64_t orig_bytes = f.orig().payload_bytes;
    const std::uint64_t resp_bytes = f.resp().payload_bytes;
    out.plain(flow::flow_uid(f, uid_seed));
    out.seconds(f.first_ns);
    out.seconds(f.last_ns);
    out.seconds(util::saturating_sub(f.last_ns, f.first_ns));
    out.plain(f.is_tcp() ? "tcp" : "udp");
    out.plain(decode::to_string(f.orig_addr(), f.ip_version()));
    out.number(f.orig_port());
    out.plain(decode::to_string(f.resp_addr(), f.ip_version()));
    out.number(f.resp_port());
    if (f.key.vlan_count() > 0) {
        out.number(f.key.vlan_outer);
    } else {
        out.null();
    }
    if (label.service) {
        out.text(label.service->name);
        out.plain(services::to_string(label.source));
    } else {
        out.null();
        out.null();
    }
    out.plain(services::to_string(label.category));
    if (app.empty()) {
        out.null();
    } else {
        out.text(app);
    }
    out.plain(flow::to_string(f.tcp.conn_state(f.orig_side(), f.is_tcp(), orig_bytes, resp_bytes)));
    out.plain(f.tcp.history(f.orig_side()));
    out.plain(flow::to_string(f.dir_reason()));
    out.plain(flow::to_string(why));
    out.number(f.orig().packets.get());
    out.number(f.resp().packets.get());
    out.number(orig_bytes);
    out.number(resp_bytes);
    out.number(f.orig().ip_bytes.get());
    out.number(f.resp().ip_bytes.get());
    out.number(f.orig().wire_bytes.get());
    out.number(f.resp().wire_bytes.get());
}

} // namespace pairwatch::exporter
