#include "pairwatch/report/views.h"

#include "pairwatch/services/proto.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <fmt/format.h>

namespace pairwatch::report {

namespace {

struct Column {
    std::string_view title;
    bool right = false;
    int keep = 0;          // columns with the lowest value are dropped first when too narrow
    bool flexible = false; // may be cut (in the middle) to fit
};
struct Cell {
    std::string text;
    Style style = Style::Normal;
};
using Row = std::vector<Cell>;

constexpr std::size_t kMinFlexible = 9;
constexpr int kOptional = 7;

std::string cut_middle(const std::string& s, std::size_t width) {
    if (s.size() <= width) return s;
    if (width < 3) return s.substr(0, width);
    const std::size_t tail = (width - 1) / 2;
    const std::size_t head = width - 1 - tail;
    return s.substr(0, head) + "~" + s.substr(s.size() - tail);
}

/// Lays out a table in `width` columns: natural widths, then the least needed columns go,
/// then the flexible ones are cut.
std::vector<StyledLine> layout_table(const std::vector<Column>& cols, const std::vector<Row>& rows,
                                     std::size_t width) {
    const std::size_t n = cols.size();
    std::vector<std::size_t> w(n);
    for (std::size_t c = 0; c < n; ++c) {
        w[c] = cols[c].title.size();
        for (const Row& r : rows) w[c] = std::max(w[c], r[c].text.size());
    }
    std::vector<bool> shown(n, true);
    auto total = [&] {
        std::size_t t = 0, k = 0;
        for (std::size_t c = 0; c < n; ++c) {
            if (!shown[c]) continue;
            t += w[c];
            ++k;
        }
        return t + (k > 0 ? k - 1 : 0);
    };
    // The least needed columns go first (keep below kOptional), before anything is cut; then
    // the flexible ones are cut; then, if it must, more columns go.
    auto drop_one = [&](int below) {
        std::size_t victim = n;
        for (std::size_t c = 0; c < n; ++c) {
            if (shown[c] && cols[c].keep > 0 && cols[c].keep < below &&
                (victim == n || cols[c].keep < cols[victim].keep)) {
                victim = c;
            }
        }
        if (victim == n) return false;
        shown[victim] = false;
        return true;
    };
    while (total() > width && drop_one(kOptional)) {
    }
    auto flexible_floor = [&] {
        std::size_t t = 0, k = 0;
        for (std::size_t c = 0; c < n; ++c) {
            if (!shown[c]) continue;
            t += cols[c].flexible ? std::min(w[c], kMinFlexible) : w[c];
            ++k;
        }
        return t + (k > 0 ? k - 1 : 0);
    };
    while (flexible_floor() > width && drop_one(std::numeric_limits<int>::max())) {
    }
    // Then cut the flexible columns, the widest first, one character at a time.
    while (total() > width) {
        std::size_t widest = n;
        for (std::size_t c = 0; c < n; ++c) {
            if (shown[c] && cols[c].flexible && w[c] > kMinFlexible &&
                (widest == n || w[c] > w[widest])) {
                widest = c;
            }
        }
        if (widest == n) break;
        --w[widest];
    }
    auto line_of = [&](auto cell_at, bool head) {
        StyledLine line;
        bool first = true;
        for (std::size_t c = 0; c < n; ++c) {
            if (!shown[c]) continue;
            if (!first) line.text += ' ';
            first = false;
            const Cell cell = cell_at(c);
            const std::string text = cut_middle(cell.text, w[c]);
            const std::size_t pad = w[c] - text.size();
            if (cols[c].right) line.text.append(pad, ' ');
            const std::size_t begin = line.text.size();
            line.text += text;
            if (head) {
                // one span for the whole head line, below
            } else if (cell.style != Style::Normal && !text.empty()) {
                line.spans.push_back(Span{begin, line.text.size(), cell.style});
            }
            if (!cols[c].right) line.text.append(pad, ' ');
        }
        while (!line.text.empty() && line.text.back() == ' ') line.text.pop_back();
        if (head) line.spans.push_back(Span{0, line.text.size(), Style::ColumnHead});
        return line;
    };
    std::vector<StyledLine> out;
    out.push_back(line_of([&](std::size_t c) { return Cell{std::string(cols[c].title)}; }, true));
    for (const Row& r : rows) {
        out.push_back(line_of([&](std::size_t c) { return r[c]; }, false));
    }
    return out;
}

std::string category_text(services::PortCategory c) { return std::string(services::to_string(c)); }

std::string share_bar(double share, std::size_t width) {
    const auto filled = static_cast<std::size_t>(std::lround(share * static_cast<double>(width)));
    return std::string(std::min(filled, width), '#');
}

double flow_sort_value(const FlowRow& r, SortKey k) {
    switch (k) {
    case SortKey::Packets:
        return static_cast<double>(r.packets);
    case SortKey::Rate:
        return r.rate_bps;
    case SortKey::Age:
        return r.age_s;
    default:
        return static_cast<double>(r.bytes);
    }
}

double server_sort_value(const ServerRow& r, SortKey k) {
    switch (k) {
    case SortKey::Packets:
        return static_cast<double>(r.packets);
    case SortKey::Rate:
        return static_cast<double>(r.clients); // servers have no rate: the busiest by clients
    case SortKey::Age:
        return r.first_seen_s;
    default:
        return static_cast<double>(r.bytes_to + r.bytes_from);
    }
}

std::vector<StyledLine> flows_view(const Snapshot& s, SortKey sort, std::size_t width,
                                   std::size_t max_rows) {
    std::vector<const FlowRow*> rows;
    for (const FlowRow& r : s.flows) rows.push_back(&r);
    std::stable_sort(rows.begin(), rows.end(), [sort](const FlowRow* a, const FlowRow* b) {
        return flow_sort_value(*a, sort) > flow_sort_value(*b, sort);
    });
    if (rows.size() > max_rows) rows.resize(max_rows);
    const std::vector<Column> cols = {
        {"PROTO", false, 9, false},   {"ORIGINATOR", false, 10, true},
        {"RESPONDER", false, 10, true}, {"SERVICE", false, 8, false},
        {"CATEGORY", false, 5, false}, {"STATE", false, 9, false},
        {"PACKETS", true, 4, false},  {"BYTES", true, 7, false},
        {"RATE", true, 6, false},     {"AGE", true, 3, false},
    };
    std::vector<Row> cells;
    for (const FlowRow* r : rows) {
        cells.push_back({{r->proto},
                         {r->orig},
                         {r->resp},
                         {r->service, style_of(r->category)},
                         {category_text(r->category), style_of(r->category)},
                         {std::string(flow::to_string(r->state)), style_of(r->state)},
                         {fmt::to_string(r->packets)},
                         {human_count(static_cast<double>(r->bytes))},
                         {human_bits(r->rate_bps)},
                         {human_duration(r->age_s)}});
    }
    auto lines = layout_table(cols, cells, width);
    if (rows.empty()) lines.push_back(StyledLine{"(no open conversations)", {}});
    return lines;
}

std::vector<StyledLine> totals_view(const std::vector<TotalsRow>& rows_in, bool services,
                                    std::size_t width, std::size_t max_rows) {
    std::uint64_t all = 0;
    for (const TotalsRow& r : rows_in) all += r.bytes;
    std::vector<Column> cols;
    if (services) {
        cols = {{"SERVICE", false, 10, false}, {"PROTO", false, 8, false},
                {"CATEGORY", false, 5, false}};
    } else {
        cols = {{"CATEGORY", false, 10, false}};
    }
    const std::vector<Column> counts = {
        {"FLOWS", true, 9, false}, {"ACTIVE", true, 4, false}, {"PACKETS", true, 3, false},
        {"BYTES", true, 9, false}, {"SHARE", true, 8, false},  {"", false, 5, false},
        {"RATE", true, 6, false},
    };
    cols.insert(cols.end(), counts.begin(), counts.end());
    constexpr std::size_t kBar = 10;
    std::vector<Row> cells;
    for (const TotalsRow& r : rows_in) {
        if (cells.size() == max_rows) break;
        const double share = all > 0 ? static_cast<double>(r.bytes) / static_cast<double>(all) : 0;
        const Style cat = r.category ? style_of(*r.category) : Style::Dim;
        Row row;
        if (services) {
            row = {{r.name, cat}, {r.proto}, {r.category ? category_text(*r.category) : "-", cat}};
        } else {
            row = {{r.name, cat}};
        }
        row.push_back({fmt::to_string(r.flows)});
        row.push_back({fmt::to_string(r.active)});
        row.push_back({fmt::to_string(r.packets)});
        row.push_back({human_count(static_cast<double>(r.bytes))});
        row.push_back({fmt::format("{:.1f}%", share * 100)});
        row.push_back({fmt::format("{:<{}}", share_bar(share, kBar), kBar), Style::Bar});
        row.push_back({human_bits(r.rate_bps)});
        cells.push_back(std::move(row));
    }
    auto lines = layout_table(cols, cells, width);
    if (rows_in.empty()) lines.push_back(StyledLine{"(no conversations yet)", {}});
    return lines;
}

std::vector<StyledLine> servers_view(const Snapshot& s, SortKey sort, std::size_t width,
                                     std::size_t max_rows) {
    std::vector<const ServerRow*> rows;
    for (const ServerRow& r : s.servers) rows.push_back(&r);
    std::stable_sort(rows.begin(), rows.end(), [sort](const ServerRow* a, const ServerRow* b) {
        return server_sort_value(*a, sort) > server_sort_value(*b, sort);
    });
    if (rows.size() > max_rows) rows.resize(max_rows);
    const std::vector<Column> cols = {
        {"SERVER", false, 10, true},  {"PROTO", false, 9, false},  {"SERVICE", false, 8, false},
        {"CATEGORY", false, 5, false}, {"CLIENTS", true, 8, false}, {"FLOWS", true, 7, false},
        {"ACTIVE", true, 3, false},   {"IN", true, 6, false},      {"OUT", true, 6, false},
        {"FIRST", true, 2, false},    {"LAST", true, 2, false},    {"SOME CLIENTS", false, 1, true},
    };
    std::vector<Row> cells;
    for (const ServerRow* r : rows) {
        std::string sample;
        for (const auto& c : r->first_clients) sample += (sample.empty() ? "" : " ") + c;
        if (r->clients > r->first_clients.size()) {
            sample += fmt::format(" +{}{}", r->clients - r->first_clients.size(),
                                  r->clients_capped ? "+" : "");
        }
        cells.push_back({{r->endpoint, style_of(r->category)},
                         {r->proto},
                         {r->service, style_of(r->category)},
                         {category_text(r->category), style_of(r->category)},
                         {fmt::format("{}{}", r->clients, r->clients_capped ? "+" : "")},
                         {fmt::to_string(r->flows)},
                         {fmt::to_string(r->active)},
                         {human_count(static_cast<double>(r->bytes_to))},
                         {human_count(static_cast<double>(r->bytes_from))},
                         {human_duration(r->first_seen_s)},
                         {r->active > 0 ? std::string("now") : human_duration(r->last_seen_s)},
                         {sample}});
    }
    auto lines = layout_table(cols, cells, width);
    if (rows.empty()) lines.push_back(StyledLine{"(no server has answered yet)", {}});
    if (s.servers_total > s.servers.size()) {
        lines.push_back(StyledLine{fmt::format("({} servers in all; the {} with the most bytes are kept here)",
                                               s.servers_total, s.servers.size()),
                                   {}});
    }
    return lines;
}

Style style_of(watch::Severity s) {
    switch (s) {
    case watch::Severity::High:
        return Style::Refused;
    case watch::Severity::Medium:
        return Style::Warning;
    default:
        return Style::Normal;
    }
}

std::vector<StyledLine> alerts_view(const Snapshot& s, std::size_t width, std::size_t max_rows) {
    const std::vector<Column> cols = {
        {"AGO", true, 6, false},       {"KIND", false, 10, false}, {"SEVERITY", false, 5, false},
        {"HOST", false, 10, true},     {"PORT", false, 9, false},  {"SERVICE", false, 7, false},
        {"APP", false, 3, false},      {"PEER", false, 4, true},   {"REPEATS", true, 6, false},
        {"DETAIL", false, 8, true},
    };
    std::vector<Row> cells;
    for (const watch::Alert& a : s.alerts) {
        if (cells.size() == max_rows) break;
        const bool scan = a.kind == watch::AlertKind::Scan;
        const std::string_view proto = services::ip_proto_name(a.proto);
        cells.push_back({{human_duration(static_cast<double>(s.at_ns - a.ts_ns) / 1e9)},
                         {std::string(watch::to_string(a.kind)), style_of(a.severity)},
                         {std::string(watch::to_string(a.severity)), style_of(a.severity)},
                         {decode::to_string(a.host, a.ip_version)},
                         {scan ? std::string("-") : fmt::format("{}/{}", proto, a.port)},
                         {a.service.empty() ? std::string("-") : a.service},
                         {a.app.value_or("-")},
                         {a.peer ? decode::to_string(*a.peer, a.ip_version) : std::string("-")},
                         {fmt::to_string(a.repeats)},
                         {a.detail}});
    }
    auto lines = layout_table(cols, cells, width);
    if (s.alerts.empty()) lines.push_back(StyledLine{"(no alerts)", {}});
    if (s.alerts_total > s.alerts.size()) {
        lines.push_back(StyledLine{fmt::format("({} alerts in all; the newest {} are kept here)",
                                               s.alerts_total, s.alerts.size()),
                                   {}});
    }
    return lines;
}

std::string local_time(std::int64_t ns) {
    const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000 - (ns % 1'000'000'000 < 0 ? 1 : 0));
    std::tm tm{};
    if (localtime_r(&secs, &tm) == nullptr) return fmt::format("{}", secs);
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return std::string(buf, n);
}

} // namespace

std::string_view to_string(View v) {
    switch (v) {
    case View::Flows:
        return "flows";
    case View::Services:
        return "services";
    case View::Categories:
        return "categories";
    case View::Servers:
        return "servers";
    case View::Alerts:
        return "alerts";
    default:
        return "?";
    }
}

std::string_view to_string(SortKey k) {
    switch (k) {
    case SortKey::Bytes:
        return "bytes";
    case SortKey::Packets:
        return "packets";
    case SortKey::Rate:
        return "rate";
    case SortKey::Age:
        return "age";
    default:
        return "?";
    }
}

std::string human_count(double n) {
    if (n < 1000) return fmt::format("{:.0f}", n);
    static constexpr const char* kUnits[] = {"k", "M", "G", "T", "P", "E"};
    std::size_t u = 0;
    n /= 1000;
    while (n >= 999.5 && u + 1 < std::size(kUnits)) {
        n /= 1000;
        ++u;
    }
    return n < 9.95 ? fmt::format("{:.1f}{}", n, kUnits[u]) : fmt::format("{:.0f}{}", n, kUnits[u]);
}

std::string human_bits(double bps) {
    if (bps <= 0) return "0b/s";
    return human_count(bps) + "b/s";
}

std::string human_duration(double s) {
    if (!(s >= 0)) s = 0;
    const auto t = static_cast<std::uint64_t>(s);
    if (t < 60) return fmt::format("{}s", t);
    if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
    if (t < 86400) return fmt::format("{}h{:02}m", t / 3600, t % 3600 / 60);
    return fmt::format("{}d{:02}h", t / 86400, t % 86400 / 3600);
}

Style style_of(services::PortCategory c) {
    switch (c) {
    case services::PortCategory::WellKnown:
        return Style::WellKnown;
    case services::PortCategory::Registered:
        return Style::Registered;
    case services::PortCategory::Dynamic:
        return Style::Dynamic;
    }
    return Style::Normal;
}

Style style_of(flow::ConnState s) {
    using flow::ConnState;
    switch (s) {
    case ConnState::REJ:
    case ConnState::S0:
        return Style::Refused;
    case ConnState::RSTO:
    case ConnState::RSTR:
    case ConnState::RSTOS0:
    case ConnState::RSTRH:
        return Style::Reset;
    case ConnState::S1:
        return Style::Open;
    default:
        return Style::Normal;
    }
}

std::vector<StyledLine> header_lines(const Snapshot& s, const HeaderInfo& info, std::size_t width) {
    std::vector<StyledLine> out;
    std::string mode = info.live ? "live" : info.replay_speed > 0
                                                ? fmt::format("replay x{:g}", info.replay_speed)
                                                : "file";
    std::string when = local_time(s.at_ns);
    if (width < 100 && when.size() > 11) when = when.substr(11); // the time of day will do
    std::string title = fmt::format("pairwatch  {} ({})  {}  up {}", info.source, mode, when,
                                    human_duration(s.elapsed_s));
    if (!info.status.empty() && title.size() + info.status.size() + 4 <= width) {
        title += "  [" + info.status + "]";
    }
    out.push_back(StyledLine{title, {Span{0, title.size(), Style::Title}}});

    const double dt = s.interval_s > 0 ? s.interval_s : 1;
    std::string rates = fmt::format("{} pkt/s  {}  | packets {}",
                                    human_count(static_cast<double>(s.interval_packets) / dt),
                                    human_bits(static_cast<double>(s.interval_bytes) * 8 / dt),
                                    s.packets);
    StyledLine l2{rates, {}};
    auto add_counter = [&l2](std::string_view name, std::uint64_t n) {
        l2.text += fmt::format("  {} ", name);
        const std::size_t begin = l2.text.size();
        l2.text += fmt::to_string(n);
        if (n > 0) l2.spans.push_back(Span{begin, l2.text.size(), Style::Warning});
    };
    if (s.capture) {
        add_counter("kernel drops", s.capture->dropped_by_kernel);
        add_counter("interface drops", s.capture->dropped_by_interface);
    }
    add_counter("malformed", s.malformed);
    add_counter("truncated", s.truncated);
    out.push_back(std::move(l2));

    StyledLine l3{fmt::format("flows {} active, {} total", s.flows_active, s.flows_total), {}};
    l3.text += ", ";
    const std::size_t begin = l3.text.size();
    l3.text += fmt::format("{} evicted", s.evicted);
    if (s.evicted > 0) l3.spans.push_back(Span{begin, l3.text.size(), Style::Warning});
    l3.text += fmt::format("  | servers {}  | ", s.servers_total);
    const std::size_t alerts_begin = l3.text.size();
    l3.text += fmt::format("alerts {}", s.alerts_total);
    if (s.alerts_total > 0) l3.spans.push_back(Span{alerts_begin, l3.text.size(), Style::Warning});
    out.push_back(std::move(l3));
    for (StyledLine& l : out) {
        if (l.text.size() > width) {
            l.text.resize(width);
            for (Span& sp : l.spans) {
                sp.begin = std::min(sp.begin, width);
                sp.end = std::min(sp.end, width);
            }
        }
    }
    return out;
}

std::vector<StyledLine> view_lines(const Snapshot& s, View view, SortKey sort, std::size_t width,
                                   std::size_t max_rows) {
    switch (view) {
    case View::Services:
        return totals_view(s.services, true, width, max_rows);
    case View::Categories:
        return totals_view(s.categories, false, width, max_rows);
    case View::Servers:
        return servers_view(s, sort, width, max_rows);
    case View::Alerts:
        return alerts_view(s, width, max_rows);
    default:
        return flows_view(s, sort, width, max_rows);
    }
}

std::vector<StyledLine> help_lines() {
    std::vector<StyledLine> out;
    for (std::string_view l : {
             "keys",
             "  v, Tab   next view: flows, services, categories, servers, alerts",
             "  V        previous view",
             "  s        next sort: bytes, packets, rate, age (servers: clients for rate)",
             "  p        pause the display (the capture goes on)",
             "  q        quit (Ctrl-C too); the final summary follows",
             "  ?        this help; any key closes it",
             "",
             "colours: well-known / registered / dynamic port; refused (REJ, S0) and reset",
             "(RST*) conversations stand out. --no-color or NO_COLOR=1 turns colour off.",
         }) {
        out.push_back(StyledLine{std::string(l), {}});
    }
    out.front().spans.push_back(Span{0, out.front().text.size(), Style::ColumnHead});
    return out;
}

} // namespace pairwatch::report
