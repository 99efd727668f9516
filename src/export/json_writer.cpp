#include "pairwatch/export/json_writer.h"

#include "pairwatch/export/flow_record.h"

#include <fmt/format.h>

namespace pairwatch::exporter {

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
                         const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                         std::string_view app) {
    const FlowRecord record(f, why, registry, uid_seed, app);
    std::string o;
    o.reserve(512);
    for (std::size_t i = 0; i < FlowRecord::kFieldCount; ++i) {
        o += i == 0 ? "{\"" : ",\"";
        o += FlowRecord::kFieldNames[i]; // plain identifiers: nothing to escape
        o += "\":";
        const RecordValue v = record.value(i);
        switch (v.kind) {
        case ValueKind::Null: o += "null"; break;
        case ValueKind::Number: o += v.text; break;
        case ValueKind::String: append_json_string(o, v.text); break;
        }
    }
    o += '}';
    return o;
}

JsonWriter::JsonWriter(std::unique_ptr<OutputFile> out, const services::ServiceRegistry& registry,
                       std::uint64_t uid_seed, const flow::AppLookup* apps)
    : FileSink(std::move(out)), registry_(registry), uid_seed_(uid_seed), apps_(apps) {}

void JsonWriter::on_flow_end(const flow::Flow& flow, flow::EndReason why) {
    const std::string_view app = apps_ != nullptr ? apps_->app_of(flow) : std::string_view{};
    std::string line = flow_to_json(flow, why, registry_, uid_seed_, app);
    line += '\n';
    out().write(line);
}

} // namespace pairwatch::exporter
