// --csv: the --json record as CSV: a header row of the JSON keys, then one row per ended flow.
// RFC 4180 fields and quoting; rows end in LF, not the RFC's CRLF, because the readers this is
// for (pandas, Python's csv, ClickHouse, DuckDB, PostgreSQL COPY, spreadsheets) take LF, and
// the Unix tools (awk -F, cut -d,) would otherwise see a '\r' glued to the last column.
#pragma once

#include "pairwatch/export/file_sink.h"
#include "pairwatch/flow/app_lookup.h"
#include "pairwatch/services/service_registry.h"

#include <memory>
#include <string>
#include <string_view>

namespace pairwatch::exporter {

/// The header row, newline included: FlowRecord::kFieldNames joined by commas.
[[nodiscard]] std::string csv_header();

/// One row, newline included. A JSON null is an empty field; a JSON string and a number are
/// written as they are, a string in double quotes only when it holds a comma, a double quote
/// (doubled inside), CR or LF (RFC 4180 2.6, 2.7), or is empty (`""`, so it is no null).
[[nodiscard]] std::string flow_to_csv(const flow::Flow& flow, flow::EndReason why,
                                      const services::ServiceRegistry& registry,
                                      std::uint64_t uid_seed, std::string_view app = {});

/// Appends one field with RFC 4180 quoting where it is needed.
void append_csv_field(std::string& out, std::string_view text);

class CsvWriter final : public FileSink {
public:
    /// Writes the header row at once, so even a run without flows leaves a readable file.
    /// `apps`: payload inspection's verdicts, asked as each flow ends; null: `app` is null.
    CsvWriter(std::unique_ptr<OutputFile> out, const services::ServiceRegistry& registry,
              std::uint64_t uid_seed, const flow::AppLookup* apps = nullptr);
    void write_flow(const flow::Flow& flow, flow::EndReason why, std::string_view app) override;
    /// A new file gets the header row; appending to the same file again does not.
    void reopen() override;

private:
    const services::ServiceRegistry& registry_;
    std::uint64_t uid_seed_;
};

} // namespace pairwatch::exporter
