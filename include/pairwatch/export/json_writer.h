// --json: one JSON object per ended flow, one per line, with Zeek's names where Zeek has one.
#pragma once

#include "pairwatch/export/file_sink.h"
#include "pairwatch/flow/app_lookup.h"
#include "pairwatch/services/service_registry.h"

#include <memory>
#include <string>

namespace pairwatch::exporter {

/// The record as one line of JSON (no newline). Keys, in order: FlowRecord::kFieldNames
/// (uid ts last_ts duration proto orig_h orig_p resp_h resp_p vlan service service_source
/// port_category app conn_state history dir_reason end_reason orig_pkts resp_pkts orig_bytes
/// resp_bytes orig_ip_bytes resp_ip_bytes orig_wire_bytes resp_wire_bytes). `app` empty: null.
[[nodiscard]] std::string flow_to_json(const flow::Flow& flow, flow::EndReason why,
                                       const services::ServiceRegistry& registry,
                                       std::uint64_t uid_seed, std::string_view app = {});

/// The same, appended to `out`.
void append_flow_json(std::string& out, const flow::Flow& flow, flow::EndReason why,
                      const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                      std::string_view app = {});

/// Appends `text` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter final : public FileSink {
public:
    /// `apps`: payload inspection's verdicts, asked as each flow ends; null: `app` is null.
    JsonWriter(std::unique_ptr<OutputFile> out, const services::ServiceRegistry& registry,
               std::uint64_t uid_seed, const flow::AppLookup* apps = nullptr);
    void write_flow(const flow::Flow& flow, flow::EndReason why, std::string_view app) override;

private:
    const services::ServiceRegistry& registry_;
    std::uint64_t uid_seed_;
    std::string line_;
};

} // namespace pairwatch::exporter
