// The flow record that --json and --csv write: one list of fields, in one order
// (src/export/flow_fields.h), so the two can never disagree on a name or a value. --json writes
// each field as it comes; FlowRecord keeps them all, for --csv and for a reader that wants them
// by index.
#pragma once

#include "pairwatch/flow/flow.h"
#include "pairwatch/services/service_registry.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <array>
#include <iterator>
#include <cstdint>
#include <string>
#include <string_view>

namespace pairwatch::exporter {

/// Epoch seconds with 6 decimals ("1362692526.869344"), truncated to the microsecond as Zeek's
/// timestamps are.
template <typename Buffer> void append_epoch_seconds(Buffer& out, std::int64_t ns) {
    // The sign apart, so that a time before 1970 reads right: -0.5 s is "-0.500000".
    const std::uint64_t magnitude =
        ns < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    if (ns < 0) out.push_back('-');
    // Compiled format: parsing "{}.{:06}" at run time was a third of a JSON record's cost.
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}.{:06}"), magnitude / 1'000'000'000,
                   magnitude % 1'000'000'000 / 1000);
}

/// How a value is written: JSON needs the difference, CSV only tells null from the rest.
enum class ValueKind : std::uint8_t { Null, Number, String };

struct RecordValue {
    ValueKind kind = ValueKind::Null;
    std::string_view text; // the number's digits or the raw string; empty for Null
};

class FlowRecord {
public:
    /// The field names, in the order both formats write them.
    static constexpr std::array<std::string_view, 26> kFieldNames = {
        "uid",
        "ts",
        "last_ts",
        "duration",
        "proto",
        "orig_h",
        "orig_p",
        "resp_h",
        "resp_p",
        "vlan",
        "service",
        "service_source",
        "port_category",
        "app",
        "conn_state",
        "history",
        "dir_reason",
        "end_reason",
        "orig_pkts",
        "resp_pkts",
        "orig_bytes",
        "resp_bytes",
        "orig_ip_bytes",
        "resp_ip_bytes",
        "orig_wire_bytes",
        "resp_wire_bytes",
    };
    static constexpr std::size_t kFieldCount = kFieldNames.size();

    /// `app`: what payload inspection named (flow::AppLookup::app_of); empty writes null.
    FlowRecord(const flow::Flow& flow, flow::EndReason why,
               const services::ServiceRegistry& registry, std::uint64_t uid_seed,
               std::string_view app = {});

    /// The value of field `i` (an index into kFieldNames); views into this record.
    [[nodiscard]] RecordValue value(std::size_t i) const;

private:
    struct Recorder;
    void add(ValueKind kind, std::string_view text);
    void add_number(std::uint64_t n);
    void add_seconds(std::int64_t ns);
    void end_value(ValueKind kind); // the text appended since the last value is this one

    // Every value back to back; the inline buffer holds a whole record, so none allocates.
    fmt::memory_buffer text_;
    std::array<std::uint32_t, kFieldCount + 1> start_{};
    std::array<ValueKind, kFieldCount> kind_{};
    std::size_t count_ = 0;
};

} // namespace pairwatch::exporter
