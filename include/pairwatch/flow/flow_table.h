// Conversations: one Flow per socket pair (both directions), found through an open-addressing
// index, expired by packet time through idle lists, capped in size with the longest-idle flow
// evicted. Nothing here scans the table.
#pragma once

#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/flow/flow.h"
#include "pairwatch/flow/flow_sink.h"
#include "pairwatch/flow/report_clock.h"
#include "pairwatch/util/huge_page_allocator.h"
#include "pairwatch/util/page_warmer.h"

#include <absl/container/flat_hash_set.h>

#include <array>
#include <climits>
#include <cstdint>
#include <functional>
#include <vector>

namespace pairwatch::services {
class ServiceRegistry;
}

namespace pairwatch::flow {

struct FlowTableOptions {
    std::size_t max_flows = 1'000'000;
    // Zeek's defaults: tcp_inactivity_timeout, udp_inactivity_timeout, tcp_close_delay.
    std::int64_t tcp_timeout_ns = 300'000'000'000;
    std::int64_t udp_timeout_ns = 60'000'000'000;
    std::int64_t closed_linger_ns = 5'000'000'000;
    std::int64_t attempt_timeout_ns = 5'000'000'000; // Zeek's tcp_attempt_delay
    /// Every this long (packet time) an open flow goes to FlowSink::on_flow_update; 0: never.
    /// Costs 16 bytes per record slot when on (IPFIX turns it on).
    std::int64_t active_timeout_ns = 0;
    std::uint64_t hash_seed = 0;
    /// Open flows from which the table looks ahead (FlowTable::looks_ahead): once the records
    /// outgrow a core's share of the L2 cache (512 KiB here, 3.6k records of 136 B). At 10k
    /// flows looking ahead took 14% off the flow thread's CPU time; below this it only costs.
    /// Tests set 0 (always) or SIZE_MAX (never).
    std::size_t look_ahead_from = 2'048;
};

struct FlowTableStats {
    std::uint64_t flows_created = 0;
    std::uint64_t packets_in_flows = 0;
    std::uint64_t packets_not_in_flows = 0; // frames with no TCP/UDP socket pair
    std::array<std::uint64_t, 7> ended{};   // by EndReason
    std::uint64_t active_updates = 0;       // on_flow_update calls (active timeouts)
    std::size_t active = 0;
    std::size_t peak_active = 0;

    /// Adds another table's counters (flow workers). The peaks add up too: the sum is what the
    /// tables were sized for, and at least the true peak of the tables together.
    FlowTableStats& operator+=(const FlowTableStats& other);
};

/// Decides which port of a new conversation is the client's when no SYN says so:
/// returns <0 when port_a looks more like the client's, >0 for port_b, 0 for a tie.
using ClientPortRule = std::function<int(std::uint8_t proto, std::uint16_t port_a,
                                         std::uint16_t port_b)>;

class FlowTable final : public decode::PacketConsumer {
public:
    FlowTable(FlowTableOptions options, ClientPortRule client_rule, FlowSink* sink);
    ~FlowTable() override;
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    void on_packet(const decode::PacketInfo& packet) override;
    /// At 1M conversations a packet's index bucket, slot number and record are each a cache
    /// miss, one after the other: loaded ahead, they overlap with the packets in between.
    /// The key is hashed once, ahead, and the slot found ahead is used if it still holds, so
    /// looking ahead costs little more than not (10k conversations: the same time within the
    /// noise); a table that fits the L2 cache has nothing to gain, so it starts past
    /// FlowTableOptions::look_ahead_from.
    [[nodiscard]] bool looks_ahead() const override { return index_.size() >= options_.look_ahead_from; }
    void look_ahead(const decode::PacketInfo& packet, Ahead how_far) override;
    /// End of input: every open flow ends with reason capture-end.
    void on_end() override;
    /// The capture's clock moved with no packet (a quiet live link, a paced replay waiting):
    /// expire and report by it. Never moves time backwards.
    void on_clock(std::int64_t now_ns) override { advance_time(now_ns); }
    void advance_time(std::int64_t now_ns);
    /// Calls `listener` at each report boundary (see ReportClock) and once at the end of input,
    /// before the open flows end. interval_ns 0: only at the end.
    void set_report(ReportListener* listener, std::int64_t interval_ns, bool compress_quiet);

    [[nodiscard]] const FlowTableStats& stats() const { return stats_; }
    [[nodiscard]] std::size_t size() const { return index_.size(); }
    /// Visits every open flow (for snapshots); the table must not change during the visit.
    void for_each(const std::function<void(const Flow&)>& visit) const;
    /// The same, with each flow's slot: a number that stays the flow's until it ends, below
    /// slot_count(); the report keeps per-slot state in plain arrays with it.
    /// A template, so the report's walk of every open flow each second inlines its visit.
    template <typename Visit> void for_each_slot(Visit&& visit) const {
        // In slot order, not the index's: the records are read front to back, which the
        // hardware prefetches, instead of one cache miss per flow.
        const auto n = static_cast<std::uint32_t>(slots_.size());
        for (std::uint32_t slot = 0; slot < n; ++slot) {
            if (slots_[slot].in_use_ != 0) visit(slot, slots_[slot]);
        }
    }
    [[nodiscard]] std::uint32_t slot_of(const Flow& flow) const {
        return static_cast<std::uint32_t>(&flow - slots_.data());
    }
    [[nodiscard]] std::size_t slot_count() const { return slots_.size(); }
    /// True when `flow` is one of this table's records (with several flow workers, which
    /// table a flow handed to a sink came from).
    [[nodiscard]] bool holds(const Flow& flow) const {
        const std::less<const Flow*> before;
        return !before(&flow, slots_.data()) && before(&flow, slots_.data() + slots_.size());
    }
    /// The record in a slot (an open flow only while its slot is in use).
    [[nodiscard]] const Flow& at(std::uint32_t slot) const { return slots_[slot]; }
    static constexpr std::uint32_t kNoSlot = UINT32_MAX;
    /// The slot of the flow that the last packet given to on_packet went to, or kNoSlot when
    /// it had no socket pair: how a consumer placed after the table (payload inspection) keeps
    /// per-flow state without a second lookup of the key.
    [[nodiscard]] std::uint32_t last_packet_slot() const { return last_packet_slot_; }
    /// Bytes held per open flow: records plus index, for the benchmark and README.
    [[nodiscard]] std::size_t memory_bytes() const;

private:
    // Each list shares one timeout, so its head is always the next to expire. Attempts are
    // ordered by their first SYN (Zeek's attempt timer does not restart on retransmissions),
    // the others by last activity.
    enum List : std::uint8_t { kTcpOpen, kShort, kClosed, kAttempt, kListCount };

    /// A key with its hash already taken (by look_ahead), so that neither the prefetch, nor
    /// the probe, nor on_packet hashes it again.
    struct HashedKey {
        const FlowKey* key;
        std::size_t hash;
    };
    /// An index entry: the slot, and beside it a 32-bit tag of its key's hash. A probe
    /// compares tags before it reads a record, so look_ahead can name a flow's slot from the
    /// index alone (which it prefetched) and load the record before on_packet checks its key.
    /// The index's hash is made from the tag alone, so growing the index rehashes entries
    /// without reading their records: at 1M flows that was a cache miss per entry per
    /// doubling, 6% of all samples. Its low 7 bits (the index's own control byte) and the 25
    /// above them (the bucket, up to 2^25 buckets) are independent bits of the tag.
    using Entry = std::uint64_t;
    static std::uint32_t tag_of(std::size_t hash) { return static_cast<std::uint32_t>(hash); }
    static std::size_t index_hash(std::uint32_t tag) { return std::size_t{tag} << 32 | tag; }
    static Entry entry_of(std::uint32_t slot, std::size_t hash) {
        return Entry{tag_of(hash)} << 32 | slot;
    }
    static std::uint32_t slot_of(Entry e) { return static_cast<std::uint32_t>(e); }
    static std::uint32_t tag_of_entry(Entry e) { return static_cast<std::uint32_t>(e >> 32); }
    /// Any entry whose tag matches: look_ahead's probe, which never touches a record.
    struct TagProbe {
        std::size_t hash;
    };
    struct SlotHash {
        using is_transparent = void;
        const FlowTable* table;
        std::size_t operator()(Entry e) const;
        std::size_t operator()(const FlowKey& key) const;
        std::size_t operator()(const HashedKey& key) const { return key.hash; }
        std::size_t operator()(const TagProbe& probe) const { return probe.hash; }
    };
    struct SlotEq {
        using is_transparent = void;
        const FlowTable* table;
        bool operator()(Entry a, Entry b) const { return a == b; }
        bool operator()(Entry e, const HashedKey& key) const {
            return tag_of_entry(e) == tag_of(key.hash) && table->slots_[slot_of(e)].key == *key.key;
        }
        bool operator()(const HashedKey& key, Entry e) const { return (*this)(e, key); }
        bool operator()(Entry e, const TagProbe& probe) const {
            return tag_of_entry(e) == tag_of(probe.hash);
        }
        bool operator()(const TagProbe& probe, Entry e) const { return (*this)(e, probe); }
    };
    /// What look_ahead learnt of a packet before its turn: its key and hash (Far), then the
    /// slot its flow had then (Near; kNoSlot: none yet). Packets come to look_ahead and to
    /// on_packet in the same order, so the entries are used in the order they were made; one
    /// that does not match the packet is not used.
    struct AheadEntry {
        const decode::PacketInfo* packet = nullptr;
        KeyedPacket keyed;
        std::size_t hash = 0;
        std::uint32_t slot = kNoSlot;
    };
    static constexpr std::size_t kAheadRing = 16; // > kFarAhead, a power of two
    /// The slot of `keyed`'s flow, or kNoSlot; `hint` is the slot look_ahead found, used when
    /// it holds a live flow with this key.
    [[nodiscard]] std::uint32_t find_slot(const KeyedPacket& keyed, std::size_t hash,
                                          std::uint32_t hint) const;

    /// Loads a record and its links ahead of their use.
    void prefetch_record(std::uint32_t slot) const;
    std::uint32_t create(const decode::PacketInfo& packet, const KeyedPacket& keyed,
                         std::size_t hash);
    void update(Flow& flow, const decode::PacketInfo& packet, bool from_b);
    void end(std::uint32_t slot, EndReason why);
    void expire(std::int64_t now_ns);
    /// Moves the table's clock to now_ns, reporting at the boundaries passed on the way.
    void move_clock(std::int64_t now_ns, bool by_packet);
    void evict_one();
    /// Slot + 1 of the flow idle longest across the lists' heads; 0 when the table is empty.
    [[nodiscard]] std::uint32_t longest_idle() const;
    [[nodiscard]] static EndReason closed_reason(const Flow& flow);
    [[nodiscard]] List list_of(const Flow& flow) const;
    [[nodiscard]] std::int64_t timeout_of(List list) const;
    [[nodiscard]] std::int64_t deadline_of(List list, const Flow& flow) const;
    void link_tail(List list, std::uint32_t slot);
    void unlink(List list, std::uint32_t slot);
    void start_active_timer(std::uint32_t slot);
    void stop_active_timer(std::uint32_t slot);
    void fire_active_timer();

    // The idle lists' links, beside the records rather than in them: relinking a flow touches
    // its neighbours' links, and at 1M flows 8 MB of links stay in the L3 cache where 136 MB
    // of records cannot (two cache misses to DRAM per packet became two L3 hits).
    struct IdleLinks {
        std::uint32_t prev = 0; // slot + 1; 0 = none
        std::uint32_t next = 0;
    };
    template <typename T> using HugeVector = std::vector<T, util::HugePageAllocator<T>>;
    HugeVector<IdleLinks> links_; // parallel to slots_

    // Active timeouts: an intrusive list beside the records (so a table without IPFIX pays
    // nothing). Every flow's next due time is the time it was queued
    // plus the one timeout, and the queueing time only grows, so appending keeps the list in
    // due order: the head is always the next due and nothing scans.
    struct ActiveTimer {
        std::uint32_t prev = 0; // slot + 1; 0 = none
        std::uint32_t next = 0;
        std::int64_t due_ns = 0;
    };
    std::vector<ActiveTimer> active_; // parallel to slots_ when active_timeout_ns > 0
    std::uint32_t active_head_ = 0;
    std::uint32_t active_tail_ = 0;

    // The records' and links' pages faulted in ahead of the table's growth, off this thread.
    util::GrowthWarmer slots_warmth_, links_warmth_;

    FlowTableOptions options_;
    ClientPortRule client_rule_;
    FlowSink* sink_;
    HugeVector<Flow> slots_;
    std::vector<std::uint32_t> free_slots_;
    absl::flat_hash_set<Entry, SlotHash, SlotEq, util::HugePageAllocator<Entry>> index_;
    std::array<std::uint32_t, kListCount> head_{}; // slot + 1 of the longest idle; 0 = empty
    std::array<std::uint32_t, kListCount> tail_{};
    std::int64_t now_ns_ = 0;
    // No timer is due before this (a lower bound: linking a flow or starting a timer lowers
    // it, expire() sets it exactly), so most packets skip expire()'s look at every list head.
    std::int64_t next_due_ns_ = INT64_MAX;
    std::uint32_t last_packet_slot_ = kNoSlot;
    std::array<AheadEntry, kAheadRing> ahead_{};
    std::uint32_t ahead_far_ = 0, ahead_near_ = 0, ahead_next_ = 0; // sequence numbers
    FlowTableStats stats_;
    ReportListener* report_ = nullptr;
    ReportClock report_clock_{0, false};
    util::PageWarmer warmer_; // last: its thread stops before the memory it warms goes
};

} // namespace pairwatch::flow
