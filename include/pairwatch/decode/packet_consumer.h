// Whatever receives decoded packets on the flow thread (or a flow worker's): the flow table, the
// payload inspector, the report, the --packets printer. Called once per frame, in capture order,
// for every outcome (a worker: every frame it owns).
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <cstddef>
#include <cstdint>

namespace pairwatch::decode {

class PacketConsumer {
public:
    virtual ~PacketConsumer() = default;
    virtual void on_packet(const PacketInfo& packet) = 0;
    /// After each batch handed over by the capture thread: a live capture's batch is at most
    /// a few milliseconds old, so output written here keeps up with the wire.
    virtual void on_batch_end() {}
    /// The capture's clock reached now_ns with no packet to say so (a quiet live link, or a
    /// paced replay waiting for its next packet); same timebase as packet timestamps.
    virtual void on_clock(std::int64_t /*now_ns*/) {}
    /// After the last packet: flush what is buffered.
    virtual void on_end() {}
    /// SIGHUP: reopen output files (logrotate). On the same thread as on_packet, between batches.
    virtual void on_reopen() {}
    /// True once the consumer cannot take more (its output closed): the capture stops.
    [[nodiscard]] virtual bool wants_stop() const { return false; }
    /// Asked at each batch end, before on_batch_end: true when this consumer is due to read
    /// the flow tables as a whole (a report or metrics interval ended). With flow workers the
    /// pipeline then waits until every worker has counted every packet handed out so far and
    /// none is counting, and calls on_tables_at_rest; reading the tables anywhere else would
    /// race the workers.
    [[nodiscard]] virtual bool wants_tables_at_rest() { return false; }
    virtual void on_tables_at_rest() {}

    /// How far ahead of its on_packet a packet is shown to look_ahead.
    enum class Ahead : std::uint8_t { Far, Near };
    static constexpr std::size_t kFarAhead = 8;
    static constexpr std::size_t kNearAhead = 4;
    /// True for a consumer that can use a packet before its turn: the pipeline then shows it
    /// each packet kFarAhead and kNearAhead packets early, so that what the packet will need
    /// is loaded by the time it comes (the flow table's index bucket, then its record).
    [[nodiscard]] virtual bool looks_ahead() const { return false; }
    /// A hint only: must not change anything the consumer's results depend on.
    virtual void look_ahead(const PacketInfo& /*packet*/, Ahead /*how_far*/) {}
};

} // namespace pairwatch::decode
