#include "pairwatch/export/flow_record.h"

#include "pairwatch/services/flow_label.h"
#include "pairwatch/util/saturating.h"

#include <cassert>
#include <fmt/format.h>

namespace pairwatch::exporter {

void FlowRecord::end_value(ValueKind kind) {
    assert(count_ < kFieldCount);
    kind_[count_] = kind;
    start_[++count_] = static_cast<std::uint32_t>(text_.size());
}

void FlowRecord::add(ValueKind kind, std::string_view text) {
    text_.append(text.data(), text.data() + text.size());
    end_value(kind);
}

template <typename T> void FlowRecord::add_number(T n) {
    const fmt::format_int digits(n);
    text_.append(digits.data(), digits.data() + digits.size());
    end_value(ValueKind::Number);
}

void FlowRecord::add_seconds(std::int64_t ns) {
    append_epoch_seconds(text_, ns);
    end_value(ValueKind::Number);
}

FlowRecord::FlowRecord(const flow::Flow& f, flow::EndReason why,
                       const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                       std::string_view app) {
    const services::FlowLabel label = services::label_flow(f, registry);
    const std::uint64_t orig_bytes = f.orig().payload_bytes;
    const std::uint64_t resp_bytes = f.resp().payload_bytes;
    // In kFieldNames order; the constructor's last line checks that none was left out.
    add(ValueKind::String, flow::flow_uid(f, uid_seed));
    add_seconds(f.first_ns);
    add_seconds(f.last_ns);
    add_seconds(util::saturating_sub(f.last_ns, f.first_ns));
    add(ValueKind::String, f.is_tcp() ? "tcp" : "udp");
    add(ValueKind::String, decode::to_string(f.orig_addr(), f.ip_version()));
    add_number(f.orig_port());
    add(ValueKind::String, decode::to_string(f.resp_addr(), f.ip_version()));
    add_number(f.resp_port());
    if (f.key.vlan_count() > 0) {
        add_number(f.key.vlan_outer);
    } else {
        add(ValueKind::Null, {});
    }
    if (label.service) {
        add(ValueKind::String, label.service->name);
        add(ValueKind::String, services::to_string(label.source));
    } else {
        add(ValueKind::Null, {});
        add(ValueKind::Null, {});
    }
    add(ValueKind::String, services::to_string(label.category));
    if (app.empty()) {
        add(ValueKind::Null, {});
    } else {
        add(ValueKind::String, app);
    }
    add(ValueKind::String,
        flow::to_string(f.tcp.conn_state(f.orig_side(), f.is_tcp(), orig_bytes, resp_bytes)));
    add(ValueKind::String, f.tcp.history(f.orig_side()));
    add(ValueKind::String, flow::to_string(f.dir_reason()));
    add(ValueKind::String, flow::to_string(why));
    add_number(f.orig().packets.get());
    add_number(f.resp().packets.get());
    add_number(orig_bytes);
    add_number(resp_bytes);
    add_number(f.orig().ip_bytes.get());
    add_number(f.resp().ip_bytes.get());
    add_number(f.orig().wire_bytes.get());
    add_number(f.resp().wire_bytes.get());
    assert(count_ == kFieldCount);
}

RecordValue FlowRecord::value(std::size_t i) const {
    assert(i < count_);
    return {kind_[i], std::string_view(text_.data() + start_[i], start_[i + 1] - start_[i])};
}

} // namespace pairwatch::exporter
