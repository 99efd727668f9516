#include "pairwatch/report/live_report.h"

#include "pairwatch/services/flow_label.h"

#include <algorithm>
#include <fmt/format.h>

namespace pairwatch::report {

namespace {

std::string human_rate(double per_s, std::string_view unit) {
    if (per_s >= 1e9) return fmt::format("{:.1f} G{}", per_s / 1e9, unit);
    if (per_s >= 1e6) return fmt::format("{:.1f} M{}", per_s / 1e6, unit);
    if (per_s >= 1e3) return fmt::format("{:.1f} k{}", per_s / 1e3, unit);
    return fmt::format("{:.0f} {}", per_s, unit);
}

} // namespace

LiveReport::LiveReport(const flow::FlowTable& table, const services::ServiceRegistry& registry,
                       double interval_s, std::size_t top)
    : table_(table), registry_(registry),
      interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(interval_s))),
      top_(top), start_(std::chrono::steady_clock::now()), last_(start_), next_(start_ + interval_) {}

void LiveReport::on_packet(const decode::PacketInfo& packet) {
    ++packets_;
    ++interval_packets_;
    interval_bytes_ += packet.wire_len;
}

void LiveReport::on_batch_end() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    Snapshot s = build(now);
    last_ = now;
    next_ = now + interval_;
    interval_packets_ = interval_bytes_ = 0;
    std::lock_guard lock(mutex_);
    ready_ = std::move(s);
}

std::optional<Snapshot> LiveReport::take() {
    std::lock_guard lock(mutex_);
    std::optional<Snapshot> s = std::move(ready_);
    ready_.reset();
    return s;
}

Snapshot LiveReport::build(std::chrono::steady_clock::time_point now) {
    using Seconds = std::chrono::duration<double>;
    Snapshot s;
    s.wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    s.elapsed_s = Seconds(now - start_).count();
    s.interval_s = Seconds(now - last_).count();
    s.interval_packets = interval_packets_;
    s.interval_bytes = interval_bytes_;
    s.packets = packets_;
    const auto& ts = table_.stats();
    s.flows_active = ts.active;
    s.flows_total = ts.flows_created;
    s.evicted = ts.ended[static_cast<std::size_t>(flow::EndReason::Evicted)];

    // The top conversations by bytes: a bounded partial selection over the open flows.
    std::vector<const flow::Flow*> top;
    top.reserve(top_ + 1);
    const auto bytes_of = [](const flow::Flow* f) {
        return f->orig().ip_bytes.get() + f->resp().ip_bytes.get(); // as the summary counts
    };
    const auto more = [&](const flow::Flow* a, const flow::Flow* b) { return bytes_of(a) > bytes_of(b); };
    std::int64_t newest_ns = 0;
    table_.for_each([&](const flow::Flow& f) {
        newest_ns = std::max(newest_ns, f.last_ns);
        if (top.size() < top_) {
            top.push_back(&f);
            std::push_heap(top.begin(), top.end(), more);
        } else if (top_ > 0 && bytes_of(&f) > bytes_of(top.front())) {
            std::pop_heap(top.begin(), top.end(), more);
            top.back() = &f;
            std::push_heap(top.begin(), top.end(), more);
        }
    });
    std::sort(top.begin(), top.end(), more);
    for (const flow::Flow* f : top) {
        const services::FlowLabel label = services::label_flow(*f, registry_);
        SnapshotRow r;
        r.proto = f->is_tcp() ? "tcp" : "udp";
        r.orig = decode::format_endpoint(f->orig_addr(), f->orig_port(), f->ip_version());
        r.resp = decode::format_endpoint(f->resp_addr(), f->resp_port(), f->ip_version());
        r.service = label.service ? std::string(label.service->name) : "-";
        r.category = std::string(services::to_string(label.category));
        r.state = std::string(flow::to_string(f->tcp.conn_state(
            f->orig_side(), f->is_tcp(), f->orig().payload_bytes, f->resp().payload_bytes)));
        r.packets = f->orig().packets.get() + f->resp().packets.get();
        r.bytes = bytes_of(f);
        r.age_s = static_cast<double>(newest_ns - f->first_ns) / 1e9;
        s.top.push_back(std::move(r));
    }
    return s;
}

std::string format_snapshot(const Snapshot& s, const std::string& source) {
    const std::int64_t secs = s.wall_ns / 1'000'000'000;
    const auto micros = (s.wall_ns % 1'000'000'000) / 1000;
    const double dt = s.interval_s > 0 ? s.interval_s : 1;
    std::string out = fmt::format("=== {}.{:06} pairwatch {}, up {:.0f} s\n", secs, micros, source,
                                  s.elapsed_s);
    out += fmt::format("{}, {} | {} packets read | flows {} active, {} total, {} evicted\n",
                       human_rate(static_cast<double>(s.interval_packets) / dt, "pkt/s"),
                       human_rate(static_cast<double>(s.interval_bytes) * 8 / dt, "bit/s"),
                       s.packets, s.flows_active, s.flows_total, s.evicted);
    out += fmt::format("{:<3} {:>24}   {:<24} {:<10} {:<10} {:<6} {:>8} {:>12} {:>8}\n", "", "originator",
                       "responder", "service", "category", "state", "packets", "bytes", "age");
    for (const auto& r : s.top) {
        out += fmt::format("{:<3} {:>24} > {:<24} {:<10} {:<10} {:<6} {:>8} {:>12} {:>7.1f}s\n", r.proto,
                           r.orig, r.resp, r.service, r.category, r.state, r.packets, r.bytes, r.age_s);
    }
    return out;
}

} // namespace pairwatch::report
