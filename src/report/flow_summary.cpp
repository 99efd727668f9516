#include "pairwatch/report/flow_summary.h"

#include "pairwatch/services/flow_label.h"
#include "pairwatch/services/port_category.h"
#include "pairwatch/services/proto.h"

#include <algorithm>
#include <fmt/format.h>

namespace pairwatch::report {

namespace {

/// More bytes first, then the earlier start, then the line: a total order, so which tied
/// conversations make the list does not depend on the order flows end in (with several flow
/// workers that is not the capture's). std::*_heap with it keeps the last in the list on top.
bool ranks_before(const FlowSummary::Conversation& a, const FlowSummary::Conversation& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.first_ns != b.first_ns) return a.first_ns < b.first_ns;
    return a.line < b.line;
}

void add(Totals& t, std::uint64_t packets, std::uint64_t bytes) {
    ++t.flows;
    t.packets += packets;
    t.bytes += bytes;
}

std::string table(std::string_view title, const std::map<std::string, Totals>& rows,
                  const Totals& all) {
    std::vector<std::pair<std::string, Totals>> sorted(rows.begin(), rows.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.second.bytes != b.second.bytes ? a.second.bytes > b.second.bytes
                                                : a.second.flows > b.second.flows;
    });
    std::string out = fmt::format("{}:\n  {:<22} {:>9} {:>12} {:>15} {:>7}\n", title, "", "flows",
                                  "packets", "bytes", "share");
    constexpr std::size_t kMaxRows = 12;
    Totals rest;
    std::size_t rest_rows = 0;
    for (std::size_t i = kMaxRows; i < sorted.size(); ++i) {
        rest.flows += sorted[i].second.flows;
        rest.packets += sorted[i].second.packets;
        rest.bytes += sorted[i].second.bytes;
        ++rest_rows;
    }
    if (sorted.size() > kMaxRows) {
        sorted.resize(kMaxRows);
        sorted.emplace_back(fmt::format("({} more)", rest_rows), rest);
    }
    for (const auto& [name, t] : sorted) {
        const double share = all.bytes == 0 ? 0.0 : 100.0 * static_cast<double>(t.bytes) /
                                                          static_cast<double>(all.bytes);
        out += fmt::format("  {:<22} {:>9} {:>12} {:>15} {:>6.1f}%\n", name, t.flows, t.packets,
                           t.bytes, share);
    }
    return out;
}

} // namespace

FlowSummary::FlowSummary(const services::ServiceRegistry& registry, std::size_t top)
    : registry_(registry), top_(top) {}

void FlowSummary::on_flow_end(const flow::Flow& f, flow::EndReason why) {
    const std::uint64_t packets = f.orig().packets + f.resp().packets;
    const std::uint64_t bytes = f.orig().ip_bytes + f.resp().ip_bytes;
    const services::FlowLabel label = services::label_flow(f, registry_);
    const flow::ConnState state = f.tcp.conn_state(f.orig_side(), f.is_tcp(), f.orig().payload_bytes,
                                                   f.resp().payload_bytes);
    const bool named = label.service.has_value();
    const std::uint16_t port = label.source == services::LabelSource::OrigPort ? f.orig_port() : f.resp_port();
    add(totals_, packets, bytes);
    add(by_service_[std::uint32_t{f.key.proto} << 17 | std::uint32_t{named} << 16 | port], packets, bytes);
    add(by_category_[static_cast<std::size_t>(label.category)], packets, bytes);
    add(by_state_[f.is_tcp() ? 0 : 1][static_cast<std::size_t>(state)], packets, bytes);
    ++by_end_[static_cast<std::size_t>(why)];

    if (top_ == 0) return;
    const bool full = top_conversations_.size() == top_;
    if (full) {
        const Conversation& last = top_conversations_.front();
        if (bytes < last.bytes || (bytes == last.bytes && f.first_ns > last.first_ns)) return;
    }
    const std::string_view proto = f.is_tcp() ? "tcp" : "udp";
    const std::string service = named ? std::string(label.service->name) : fmt::format("{}/{}", port, proto);
    Conversation c{bytes, f.first_ns, fmt::format("{:<3} {:>22} > {:<22} {:<12} {:<6} {:>8} {:>12}", proto,
                                      decode::format_endpoint(f.orig_addr(), f.orig_port(), f.ip_version()),
                                      decode::format_endpoint(f.resp_addr(), f.resp_port(), f.ip_version()),
                                      service, flow::to_string(state), packets, bytes)};
    if (full) {
        if (!ranks_before(c, top_conversations_.front())) return;
        std::pop_heap(top_conversations_.begin(), top_conversations_.end(), ranks_before);
        top_conversations_.pop_back();
    }
    top_conversations_.push_back(std::move(c));
    std::push_heap(top_conversations_.begin(), top_conversations_.end(), ranks_before);
}

std::map<std::string, Totals> FlowSummary::by_service() const {
    std::map<std::string, Totals> out;
    for (const auto& [key, t] : by_service_) {
        const auto proto = static_cast<services::Proto>(key >> 17);
        const auto port = static_cast<std::uint16_t>(key & 0xFFFF);
        const auto service = (key >> 16 & 1) != 0 ? registry_.lookup(proto, port) : std::nullopt;
        // Services of one name on several ports (http on tcp/80 and udp/80) share a row.
        Totals& row = out[service ? std::string(service->name)
                                  : fmt::format("{}/{}", port, services::to_string(proto))];
        row.flows += t.flows;
        row.packets += t.packets;
        row.bytes += t.bytes;
    }
    return out;
}

std::map<std::string, Totals> FlowSummary::by_category() const {
    std::map<std::string, Totals> out;
    for (std::size_t c = 0; c < by_category_.size(); ++c) {
        if (by_category_[c].flows == 0) continue;
        out[std::string(services::to_string(static_cast<services::PortCategory>(c)))] = by_category_[c];
    }
    return out;
}

std::map<std::string, Totals> FlowSummary::by_conn_state() const {
    std::map<std::string, Totals> out;
    for (std::size_t p = 0; p < by_state_.size(); ++p) {
        for (std::size_t st = 0; st < kStates; ++st) {
            if (by_state_[p][st].flows == 0) continue;
            out[fmt::format("{} {}", p == 0 ? "tcp" : "udp",
                            flow::to_string(static_cast<flow::ConnState>(st)))] = by_state_[p][st];
        }
    }
    return out;
}

std::map<std::string, std::uint64_t> FlowSummary::by_end_reason() const {
    std::map<std::string, std::uint64_t> out;
    for (std::size_t r = 0; r < by_end_.size(); ++r) {
        if (by_end_[r] != 0) out[std::string(flow::to_string(static_cast<flow::EndReason>(r)))] = by_end_[r];
    }
    return out;
}

std::string FlowSummary::text() const {
    std::string out = fmt::format("flows: {} conversations, {} packets, {} IP bytes\n",
                                  totals_.flows, totals_.packets, totals_.bytes);
    out += "ended:";
    const auto ended = by_end_reason();
    for (const auto& [why, n] : ended) out += fmt::format(" {} {},", why, n);
    if (ended.empty()) out += " none";
    else out.pop_back();
    out += '\n';
    out += table("by service", by_service(), totals_);
    out += table("by port category", by_category(), totals_);
    out += table("by conn_state", by_conn_state(), totals_);
    std::vector<Conversation> top = top_conversations_;
    std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
        return a.bytes != b.bytes ? a.bytes > b.bytes : a.line < b.line;
    });
    out += fmt::format("top conversations by bytes:\n  {:<3} {:>22}   {:<22} {:<12} {:<6} {:>8} "
                       "{:>12}\n",
                       "", "originator", "responder", "service", "state", "packets", "bytes");
    for (const auto& c : top) out += "  " + c.line + "\n";
    return out;
}

} // namespace pairwatch::report
