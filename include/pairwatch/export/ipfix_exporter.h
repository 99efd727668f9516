// --ipfix: flow records to an IPFIX collector (nfcapd, pmacct, any RFC 7011 collector).
// Turns ended and active-timeout flows into records (one per direction, or RFC 5103 biflow),
// packs them with IpfixEncoder and hands the messages to a MessageTransport.
//
// What the numbers mean: octetDeltaCount counts IP bytes (IP header and payload, as the IE
// defines it and as NetFlow/nfdump expect; pairwatch's *_ip_bytes), packetDeltaCount packets.
// A conversation reported by active timeouts sends the part since its previous report each
// time (flowEndReason 2), and the rest when it ends: the parts add up to the whole.
#pragma once

#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/export/ipfix_encoder.h"
#include "pairwatch/export/ipfix_transport.h"
#include "pairwatch/flow/flow_sink.h"

#include <absl/container/flat_hash_map.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace pairwatch::exporter {

struct IpfixExporterOptions {
    IpfixEncoderOptions encoder;
    /// UDP template refresh (RFC 7011 10.3.6): templates go again once this much wall time or
    /// this many messages have passed since they last went, whichever comes first.
    std::chrono::seconds template_refresh_time{30};
    std::uint64_t template_refresh_messages = 20;
    /// A message that is not full leaves at the first packet batch after it waited this long
    /// (a quiet link still reports within about a second).
    std::chrono::milliseconds max_hold{1000};
    /// What on_finish waits at most for a TCP collector to take what is queued.
    std::chrono::milliseconds close_timeout{3000};
    std::uint64_t hash_seed = 0;
};

/// flowEndReason for a pairwatch end reason.
[[nodiscard]] IpfixEndReason ipfix_end_reason(flow::EndReason why);

/// A FlowSink for the records and a PacketConsumer for the clock: after each packet batch it
/// sends a message that waited long enough, refreshes templates and keeps TCP connecting.
class IpfixExporter final : public flow::FlowSink, public decode::PacketConsumer {
public:
    /// Wall-clock time in ns since the epoch (export times, holds, refreshes); tests fix it.
    using WallClock = std::function<std::int64_t()>;

    IpfixExporter(std::unique_ptr<MessageTransport> transport, IpfixExporterOptions options,
                  WallClock clock = {});

    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;
    void on_flow_update(const flow::Flow& flow, std::int64_t now_ns) override;
    /// Sends what is left and closes the transport.
    void on_finish() override;

    void on_packet(const decode::PacketInfo& /*packet*/) override {}
    void on_batch_end() override;

    [[nodiscard]] const TransportStats& transport_stats() const { return transport_->stats(); }
    /// Data records in messages handed to the transport.
    [[nodiscard]] std::uint64_t records_sent() const { return encoder_.records_finished(); }
    /// Conversations reported by an active timeout and still open.
    [[nodiscard]] std::size_t open_reported() const { return reported_.size(); }

private:
    /// Per direction (flow key side 0 = a, 1 = b), what earlier reports already carried.
    struct Reported {
        std::array<std::uint64_t, 2> packets{};
        std::array<std::uint64_t, 2> octets{};
        std::int64_t at_ns = 0; // packet time of the last report
    };
    struct KeyHash {
        std::uint64_t seed;
        std::size_t operator()(const flow::FlowKey& key) const;
    };

    void report(const flow::Flow& flow, IpfixEndReason reason, const Reported& before);
    void add(const IpfixRecord& record);
    void begin_message();
    void send_message();
    [[nodiscard]] std::uint32_t export_time_s() const;

    std::unique_ptr<MessageTransport> transport_;
    IpfixExporterOptions options_;
    WallClock clock_;
    IpfixEncoder encoder_;
    // Only conversations that had an active-timeout report are here (flow.updated says which),
    // so a short flow costs no lookup. The key alone is unique: a key is open once at a time.
    absl::flat_hash_map<flow::FlowKey, Reported, KeyHash> reported_;
    std::int64_t held_since_ns_ = 0;     // wall time of the first record in the open message
    std::int64_t templates_sent_ns_ = 0; // wall time a message with templates began (UDP)
    std::uint64_t messages_since_templates_ = 0; // messages sent since (UDP)
    bool finished_ = false;
};

} // namespace pairwatch::exporter
