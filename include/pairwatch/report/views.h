// The report's views laid out as lines of text with style spans, for a given width: the
// console view paints them (with colour), the plain-text blocks print them. Pure functions of
// a Snapshot, so the layout is tested without a terminal.
#pragma once

#include "pairwatch/report/snapshot.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pairwatch::report {

enum class View : std::uint8_t { Flows, Services, Categories, Servers, Alerts, kCount };
enum class SortKey : std::uint8_t { Bytes, Packets, Rate, Age, kCount };
[[nodiscard]] std::string_view to_string(View v);
[[nodiscard]] std::string_view to_string(SortKey k);

/// What a span of a line means; the console maps each to a colour pair.
enum class Style : std::uint8_t {
    Normal,
    Title,      // the header's first line
    ColumnHead, // a table's column names
    WellKnown,
    Registered,
    Dynamic,
    Refused, // REJ, and attempts never answered
    Reset,   // RST by either side
    Open,    // established, data flowing
    Bar,     // a share bar
    Warning, // drops, malformed packets
    Dim,
};

struct Span {
    std::size_t begin = 0, end = 0; // byte offsets into the line's text
    Style style = Style::Normal;
};

struct StyledLine {
    std::string text;
    std::vector<Span> spans;
};

/// "999", "1.2k", "12k", "1.2M", "3.4G": at most 5 characters (decimal units).
[[nodiscard]] std::string human_count(double n);
/// bits per second, "1.2 Mb/s" style.
[[nodiscard]] std::string human_bits(double bps);
/// "42s", "5m07s", "2h03m", "3d04h".
[[nodiscard]] std::string human_duration(double seconds);

[[nodiscard]] Style style_of(services::PortCategory c);
[[nodiscard]] Style style_of(flow::ConnState s);

struct HeaderInfo {
    std::string source;        // interface or file
    bool live = false;
    double replay_speed = 0;   // > 0: a paced replay
    std::string status;        // "paused", "end of capture: q quits", ...
};

/// Header lines: source and time, rates, packets and drops, flows.
[[nodiscard]] std::vector<StyledLine> header_lines(const Snapshot& s, const HeaderInfo& info,
                                                   std::size_t width);

/// The rows of one view, sorted (the flows and servers views) by `sort`, column heads first,
/// at most `max_rows` data rows; fits `width` by dropping the least needed columns first.
[[nodiscard]] std::vector<StyledLine> view_lines(const Snapshot& s, View view, SortKey sort,
                                                 std::size_t width, std::size_t max_rows);

/// The key help.
[[nodiscard]] std::vector<StyledLine> help_lines();

} // namespace pairwatch::report
