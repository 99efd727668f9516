#include "pairwatch/report/text_report.h"

#include <ctime>
#include <fmt/format.h>

namespace pairwatch::report {

namespace {

void append(std::string& out, const std::vector<StyledLine>& lines) {
    for (const StyledLine& l : lines) {
        out += l.text;
        out += '\n';
    }
}

} // namespace

std::string format_text_block(const Snapshot& s, const HeaderInfo& info) {
    std::int64_t secs = s.at_ns / 1'000'000'000;
    std::int64_t frac = s.at_ns % 1'000'000'000;
    if (frac < 0) {
        frac += 1'000'000'000;
        --secs;
    }
    std::string out = fmt::format("=== {}.{:03}{}\n", secs, frac / 1'000'000,
                                  s.final ? " (end of input)" : "");
    if (s.skipped_before > 0) {
        out += fmt::format("({} earlier blocks skipped: the output fell behind)\n", s.skipped_before);
    }
    append(out, header_lines(s, info, kTextWidth));
    out += fmt::format("\ntop conversations by bytes (rate over the last {:.1f} s)\n", s.interval_s);
    append(out, view_lines(s, View::Flows, SortKey::Bytes, kTextWidth, kTextRows));
    out += "\nservices\n";
    append(out, view_lines(s, View::Services, SortKey::Bytes, kTextWidth, kTextRows));
    out += "\nport categories\n";
    append(out, view_lines(s, View::Categories, SortKey::Bytes, kTextWidth, kTextRows));
    out += "\nservers\n";
    append(out, view_lines(s, View::Servers, SortKey::Bytes, kTextWidth, kTextRows));
    out += "\nalerts (newest first)\n";
    append(out, view_lines(s, View::Alerts, SortKey::Bytes, kTextWidth, kTextRows));
    return out;
}

} // namespace pairwatch::report
