#include "pairwatch/export/csv_writer.h"

#include "pairwatch/export/flow_record.h"

namespace pairwatch::exporter {

void append_csv_field(std::string& out, std::string_view text) {
    // An empty string is quoted so that it reads apart from a null (an empty field), as
    // PostgreSQL's COPY ... CSV tells them apart.
    if (!text.empty() && text.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += text;
        return;
    }
    out += '"';
    for (const char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    out += '"';
}

std::string csv_header() {
    std::string out;
    for (const std::string_view name : FlowRecord::kFieldNames) {
        if (!out.empty()) out += ',';
        out += name;
    }
    out += '\n';
    return out;
}

std::string flow_to_csv(const flow::Flow& flow, flow::EndReason why,
                        const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                        std::string_view app) {
    const FlowRecord record(flow, why, registry, uid_seed, app);
    std::string out;
    out.reserve(256);
    for (std::size_t i = 0; i < FlowRecord::kFieldCount; ++i) {
        if (i > 0) out += ',';
        const RecordValue v = record.value(i);
        if (v.kind != ValueKind::Null) append_csv_field(out, v.text);
    }
    out += '\n';
    return out;
}

CsvWriter::CsvWriter(std::unique_ptr<OutputFile> out, const services::ServiceRegistry& registry,
                     std::uint64_t uid_seed, const flow::AppLookup* apps)
    : FileSink(std::move(out), apps), registry_(registry), uid_seed_(uid_seed) {
    this->out().write(csv_header());
}

void CsvWriter::reopen() {
    if (out().reopen() && out().empty_on_disk()) out().write(csv_header());
}

void CsvWriter::write_flow(const flow::Flow& flow, flow::EndReason why, std::string_view app) {
    out().write(flow_to_csv(flow, why, registry_, uid_seed_, app));
}

} // namespace pairwatch::exporter
