#include "pairwatch/export/ipfix_exporter.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <limits>

namespace pairwatch::exporter {

namespace {

std::int64_t system_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Epoch milliseconds for flowStart/EndMilliseconds (unsigned: a pre-1970 time becomes 0).
std::uint64_t to_ms(std::int64_t ns) {
    return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns / 1'000'000);
}

} // namespace

IpfixEndReason ipfix_end_reason(flow::EndReason why) {
    switch (why) {
    case flow::EndReason::Idle: return IpfixEndReason::IdleTimeout;
    case flow::EndReason::Fin:
    case flow::EndReason::Rst:
    case flow::EndReason::Reused: // a new SYN on a closed pair: its end was seen
        return IpfixEndReason::EndOfFlowDetected;
    case flow::EndReason::Evicted: return IpfixEndReason::LackOfResources;
    case flow::EndReason::CaptureEnd: // end of the file, or Ctrl-C
    case flow::EndReason::None: break;
    }
    return IpfixEndReason::ForcedEnd;
}

std::size_t IpfixExporter::KeyHash::operator()(const flow::FlowKey& key) const {
    return flow::hash_flow_key(key, seed);
}

IpfixExporter::IpfixExporter(std::unique_ptr<MessageTransport> transport,
                             IpfixExporterOptions options, WallClock clock)
    : transport_(std::move(transport)), options_(options),
      clock_(clock ? std::move(clock) : WallClock(system_now_ns)), encoder_(options.encoder),
      reported_(0, KeyHash{options.hash_seed}) {
    // The first message carries the templates (the encoder starts with them due): the first
    // connection's stream needs nothing more.
    (void)transport_->take_new_stream();
    templates_sent_ns_ = clock_();
}

std::uint32_t IpfixExporter::export_time_s() const {
    const std::int64_t s = clock_() / 1'000'000'000;
    return static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(s, 0, std::numeric_limits<std::uint32_t>::max()));
}

void IpfixExporter::on_flow_update(const flow::Flow& flow, std::int64_t now_ns) {
    Reported& r = reported_[flow.key]; // the first update finds nothing: zeros, as it should
    const Reported before = r;
    report(flow, IpfixEndReason::ActiveTimeout, before);
    for (int side = 0; side < 2; ++side) {
        const auto s = static_cast<std::size_t>(side);
        r.packets[s] = flow.counters[side].packets;
        r.octets[s] = flow.counters[side].ip_bytes;
    }
    r.at_ns = now_ns;
}

void IpfixExporter::on_flow_end(const flow::Flow& flow, flow::EndReason why) {
    const IpfixEndReason reason = ipfix_end_reason(why);
    if (flow.updated) {
        if (auto it = reported_.find(flow.key); it != reported_.end()) {
            const Reported before = it->second;
            reported_.erase(it);
            report(flow, reason, before);
            return;
        }
    }
    report(flow, reason, Reported{});
}

void IpfixExporter::report(const flow::Flow& f, IpfixEndReason reason, const Reported& before) {
    // A later part starts where the previous report was made: pairwatch keeps no first-packet
    // time per part, and every packet it covers came at or after that moment.
    const std::int64_t start_ns =
        std::min(f.last_ns, before.at_ns == 0 ? f.first_ns : std::max(before.at_ns, f.first_ns));
    auto delta = [&](int side, bool octets) -> std::uint64_t {
        const auto s = static_cast<std::size_t>(side);
        const std::uint64_t now = octets ? f.counters[side].ip_bytes : f.counters[side].packets;
        const std::uint64_t was = octets ? before.octets[s] : before.packets[s];
        return now > was ? now - was : 0;
    };
    auto fill = [&](IpfixRecord& r, int side) {
        const bool a = side == 0;
        r.src = a ? f.key.addr_a : f.key.addr_b;
        r.dst = a ? f.key.addr_b : f.key.addr_a;
        r.src_port = a ? f.key.port_a : f.key.port_b;
        r.dst_port = a ? f.key.port_b : f.key.port_a;
        r.ipv6 = f.key.ipv6();
        r.protocol = f.key.proto;
        r.end_reason = reason;
        r.vlan = f.key.vlan_count() > 0 ? f.key.vlan_outer : 0;
        r.start_ms = to_ms(start_ns);
        r.end_ms = to_ms(f.last_ns);
        r.packets = delta(side, false);
        r.octets = delta(side, true);
        // The OR of every flag the side sent since the conversation began: the tracker keeps
        // one byte per side, not one per report.
        r.tcp_flags = f.is_tcp() ? f.tcp.flags_seen(side) : 0;
    };
    const int orig = f.orig_side();
    const int resp = orig ^ 1;
    if (options_.encoder.biflow) {
        // RFC 5103: the originator's direction is forward, the responder's reverse.
        IpfixRecord r;
        fill(r, orig);
        r.reverse_packets = delta(resp, false);
        r.reverse_octets = delta(resp, true);
        r.reverse_tcp_flags = f.is_tcp() ? f.tcp.flags_seen(resp) : 0;
        if (r.packets > 0 || r.reverse_packets > 0) add(r);
        return;
    }
    // Uniflow: one record per direction that sent something since the last report.
    for (const int side : {orig, resp}) {
        IpfixRecord r;
        fill(r, side);
        if (r.packets > 0) add(r);
    }
}

void IpfixExporter::add(const IpfixRecord& record) {
    if (encoder_.pending_records() == 0) begin_message();
    if (encoder_.add(record)) return;
    send_message();
    begin_message();
    [[maybe_unused]] const bool added = encoder_.add(record); // an empty message has room
    assert(added);
}

void IpfixExporter::begin_message() {
    held_since_ns_ = clock_();
    if (!transport_->datagrams()) return;
    // UDP template refresh (RFC 7011 10.3.6): the message that begins once the interval or
    // the message count has run out leads with the templates.
    const auto refresh_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.template_refresh_time)
            .count();
    if (messages_since_templates_ >= options_.template_refresh_messages ||
        held_since_ns_ - templates_sent_ns_ >= refresh_ns) {
        encoder_.request_templates();
    }
    if (encoder_.templates_pending()) {
        messages_since_templates_ = 0;
        templates_sent_ns_ = held_since_ns_;
    }
}

void IpfixExporter::send_message() {
    transport_->poll();
    const std::uint32_t now_s = export_time_s();
    if (transport_->take_new_stream() && !encoder_.templates_pending()) {
        // A new TCP connection: its stream starts with the templates (RFC 7011 10.4.2).
        if (encoder_.pending_records() > 0) {
            const std::vector<std::uint8_t> templates = encoder_.templates_message(now_s);
            transport_->send(templates);
        } else {
            encoder_.request_templates();
        }
    }
    const std::vector<std::uint8_t> message = encoder_.finish(now_s);
    if (message.empty()) return;
    transport_->send(message);
    ++messages_since_templates_;
}

void IpfixExporter::on_batch_end() {
    transport_->poll();
    if (encoder_.pending_records() == 0) return;
    const auto hold_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.max_hold).count();
    if (clock_() - held_since_ns_ >= hold_ns) send_message();
}

void IpfixExporter::on_finish() {
    if (finished_) return;
    finished_ = true;
    send_message();
    transport_->close(options_.close_timeout);
    const TransportStats& s = transport_->stats();
    const auto line = fmt::format("ipfix {}: records: {}, messages sent: {}, lost: {}",
                                  transport_->describe(), records_sent(), s.messages_sent,
                                  s.messages_lost);
    if (s.messages_lost > 0) {
        spdlog::warn("{} ({} send errors)", line, s.send_errors);
    } else {
        spdlog::info("{}", line);
    }
}

} // namespace pairwatch::exporter
