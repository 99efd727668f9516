#include "pairwatch/export/flow_record.h"

#include "flow_fields.h"

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

void FlowRecord::add_number(std::uint64_t n) {
    const fmt::format_int digits(n);
    text_.append(digits.data(), digits.data() + digits.size());
    end_value(ValueKind::Number);
}

void FlowRecord::add_seconds(std::int64_t ns) {
    append_epoch_seconds(text_, ns);
    end_value(ValueKind::Number);
}

/// Keeps each field as it comes (flow_fields.h), for random access.
struct FlowRecord::Recorder {
    FlowRecord& r;
    void null() { r.add(ValueKind::Null, {}); }
    void number(std::uint64_t n) { r.add_number(n); }
    void seconds(std::int64_t ns) { r.add_seconds(ns); }
    void plain(std::string_view text) { r.add(ValueKind::String, text); }
    void text(std::string_view text) { r.add(ValueKind::String, text); }
};

FlowRecord::FlowRecord(const flow::Flow& f, flow::EndReason why,
                       const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                       std::string_view app) {
    Recorder recorder{*this};
    visit_flow_fields(f, why, registry, uid_seed, app, recorder);
    assert(count_ == kFieldCount);
}

RecordValue FlowRecord::value(std::size_t i) const {
    assert(i < count_);
    return {kind_[i], std::string_view(text_.data() + start_[i], start_[i + 1] - start_[i])};
}

} // namespace pairwatch::exporter
