#include "pairwatch/flow/flow_table.h"

#include "pairwatch/util/prefetch.h"
#include "pairwatch/util/saturating.h"

#include <algorithm>
#include <climits>

#include <cassert>
#include <limits>

namespace pairwatch::flow {

namespace {
constexpr std::uint32_t kNone = 0;

bool is_pure_syn(const decode::PacketInfo& p) {
    using namespace decode::tcp_flag;
    return p.outcome == decode::Outcome::Tcp && !p.non_first_fragment &&
           (p.tcp_flags & (kSyn | kAck)) == kSyn;
}
bool is_syn_ack(const decode::PacketInfo& p) {
    using namespace decode::tcp_flag;
    return p.outcome == decode::Outcome::Tcp && !p.non_first_fragment &&
           (p.tcp_flags & (kSyn | kAck)) == (kSyn | kAck);
}
/// Whether a packet from the responder shows a server: a SYN-ACK or data over TCP (a RST alone
/// refuses), anything over UDP.
bool answers(const Flow& f, const decode::PacketInfo& p) {
    if (!f.is_tcp()) return true;
    if (is_syn_ack(p)) return true;
    return p.payload_len > 0 && (p.tcp_flags & decode::tcp_flag::kRst) == 0;
}
} // namespace

std::size_t FlowTable::SlotHash::operator()(Entry e) const {
    return index_hash(tag_of_entry(e));
}
std::size_t FlowTable::SlotHash::operator()(const FlowKey& key) const {
    // The high half: wyhash's fold leaves it at least as well mixed as the low.
    const std::uint64_t h = hash_flow_key(key, table->options_.hash_seed);
    return index_hash(static_cast<std::uint32_t>(h >> 32));
}

FlowTableStats& FlowTableStats::operator+=(const FlowTableStats& o) {
    flows_created += o.flows_created;
    packets_in_flows += o.packets_in_flows;
    packets_not_in_flows += o.packets_not_in_flows;
    for (std::size_t i = 0; i < ended.size(); ++i) ended[i] += o.ended[i];
    active_updates += o.active_updates;
    active += o.active;
    peak_active += o.peak_active;
    return *this;
}

FlowTable::FlowTable(FlowTableOptions options, ClientPortRule client_rule, FlowSink* sink)
    : options_(options), client_rule_(std::move(client_rule)), sink_(sink),
      index_(0, SlotHash{this}, SlotEq{this}) {
    assert(options_.max_flows > 0 && options_.max_flows < std::numeric_limits<std::uint32_t>::max());
    // Address space for every record up front: the pages are only touched as flows arrive, and
    // the slab never copies itself while growing (a 1M-flow table would move 136 MB each time).
    constexpr std::size_t kReserveUpTo = 16'000'000;
    slots_.reserve(std::min(options_.max_flows, kReserveUpTo));
    links_.reserve(slots_.capacity());
    slots_warmth_.reset(slots_.data(), slots_.capacity() * sizeof(Flow));
    links_warmth_.reset(links_.data(), links_.capacity() * sizeof(IdleLinks));
    if (options_.active_timeout_ns > 0) active_.reserve(slots_.capacity());
}

FlowTable::~FlowTable() = default;

FlowTable::List FlowTable::list_of(const Flow& flow) const {
    if (!flow.is_tcp()) return kShort;
    if (flow.tcp.closed()) return kClosed;
    if (flow.tcp.attempt(flow.orig_side())) return kAttempt;
    // Zeek applies the UDP timeout to TCP until the handshake is over.
    return flow.tcp.in_handshake() ? kShort : kTcpOpen;
}

std::int64_t FlowTable::timeout_of(List list) const {
    switch (list) {
    case kTcpOpen:
        return options_.tcp_timeout_ns;
    case kShort:
        return options_.udp_timeout_ns;
    case kAttempt:
        return options_.attempt_timeout_ns;
    default:
        return options_.closed_linger_ns;
    }
}

// expire() looks only at each list's head, so its next due time changes only when a head
// does: a flow linked into an empty list, or the head unlinked (with timestamps out of order
// the next one can be due earlier).
void FlowTable::link_tail(List list, std::uint32_t slot) {
    IdleLinks& l = links_[slot];
    l.prev = tail_[list];
    l.next = kNone;
    if (tail_[list] != kNone) {
        links_[tail_[list] - 1].next = slot + 1;
    } else {
        head_[list] = slot + 1;
        next_due_ns_ = std::min(next_due_ns_, deadline_of(list, slots_[slot]));
    }
    tail_[list] = slot + 1;
}

void FlowTable::unlink(List list, std::uint32_t slot) {
    IdleLinks& l = links_[slot];
    if (l.prev != kNone) {
        links_[l.prev - 1].next = l.next;
    } else {
        head_[list] = l.next;
        if (l.next != kNone) {
            next_due_ns_ = std::min(next_due_ns_, deadline_of(list, slots_[l.next - 1]));
        }
    }
    if (l.next != kNone) {
        links_[l.next - 1].prev = l.prev;
    } else {
        tail_[list] = l.prev;
    }
    l = IdleLinks{};
}

void FlowTable::start_active_timer(std::uint32_t slot) {
    if (active_.size() < slots_.size()) active_.resize(slots_.size());
    ActiveTimer& t = active_[slot];
    if (__builtin_add_overflow(now_ns_, options_.active_timeout_ns, &t.due_ns)) {
        t.due_ns = INT64_MAX;
    }
    t.prev = active_tail_;
    t.next = kNone;
    if (active_tail_ != kNone) {
        active_[active_tail_ - 1].next = slot + 1;
    } else {
        active_head_ = slot + 1;
        next_due_ns_ = std::min(next_due_ns_, t.due_ns);
    }
    active_tail_ = slot + 1;
}

void FlowTable::stop_active_timer(std::uint32_t slot) {
    ActiveTimer& t = active_[slot];
    if (t.prev != kNone) {
        active_[t.prev - 1].next = t.next;
    } else {
        active_head_ = t.next;
        if (t.next != kNone) next_due_ns_ = std::min(next_due_ns_, active_[t.next - 1].due_ns);
    }
    if (t.next != kNone) {
        active_[t.next - 1].prev = t.prev;
    } else {
        active_tail_ = t.prev;
    }
    t = ActiveTimer{};
}

void FlowTable::fire_active_timer() {
    const std::uint32_t slot = active_head_ - 1;
    Flow& f = slots_[slot];
    f.updated = 1;
    ++stats_.active_updates;
    if (sink_ != nullptr) sink_->on_flow_update(f, now_ns_);
    // Queued again from now: due times keep the order of queueing.
    stop_active_timer(slot);
    start_active_timer(slot);
}

void FlowTable::end(std::uint32_t slot, EndReason why) {
    const Flow& f = slots_[slot];
    unlink(list_of(f), slot);
    if (options_.active_timeout_ns > 0) stop_active_timer(slot);
    if (sink_ != nullptr) sink_->on_flow_end(f, why);
    ++stats_.ended[static_cast<std::size_t>(why)];
    index_.erase(HashedKey{&f.key, SlotHash{this}(f.key)});
    slots_[slot].in_use_ = 0;
    free_slots_.push_back(slot);
    stats_.active = index_.size();
}

std::int64_t FlowTable::deadline_of(List list, const Flow& f) const {
    const std::int64_t since = list == kAttempt ? f.first_ns : f.last_ns;
    std::int64_t due = 0;
    if (__builtin_add_overflow(since, timeout_of(list), &due)) return INT64_MAX;
    return due;
}

void FlowTable::expire(std::int64_t now_ns) {
    if (now_ns < next_due_ns_) return;
    // Zeek removes a conversation once last + timeout <= now. Across the lists, the earliest
    // deadline goes first, so flows end in the order their timers would fire.
    for (;;) {
        std::size_t best = kListCount;
        std::int64_t best_due = INT64_MAX;
        for (std::size_t l = 0; l < kListCount; ++l) {
            if (head_[l] == kNone) continue;
            const std::int64_t due = deadline_of(static_cast<List>(l), slots_[head_[l] - 1]);
            if (best == kListCount || due < best_due) {
                best = l;
                best_due = due;
            }
        }
        // An active timeout due strictly earlier goes first; on a tie the flow ends instead,
        // and its end record carries what the update would have.
        const std::int64_t active_due =
            active_head_ != kNone ? active_[active_head_ - 1].due_ns : INT64_MAX;
        if (active_due <= now_ns && active_due < best_due) {
            fire_active_timer();
            continue;
        }
        if (best == kListCount || best_due > now_ns) {
            next_due_ns_ = std::min(best_due, active_due);
            return;
        }
        const std::uint32_t slot = head_[best] - 1;
        const Flow& f = slots_[slot];
        EndReason why = EndReason::Idle;
        if (best == kClosed) why = closed_reason(f);
        end(slot, why);
    }
}

std::uint32_t FlowTable::longest_idle() const {
    std::uint32_t oldest = kNone;
    for (std::size_t l = 0; l < kListCount; ++l) {
        const std::uint32_t head = head_[l];
        if (head == kNone) continue;
        if (oldest == kNone || slots_[head - 1].last_ns < slots_[oldest - 1].last_ns) {
            oldest = head;
        }
    }
    return oldest;
}

EndReason FlowTable::closed_reason(const Flow& f) {
    return f.tcp.reset() ? EndReason::Rst : EndReason::Fin;
}

void FlowTable::evict_one() {
    const std::uint32_t victim = longest_idle();
    if (victim != kNone) end(victim - 1, EndReason::Evicted);
}

std::uint32_t FlowTable::create(const decode::PacketInfo& packet, const KeyedPacket& keyed,
                                std::size_t hash) {
    if (index_.size() >= options_.max_flows) evict_one();
    std::uint32_t slot = 0;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
        slots_[slot] = Flow{};
    } else {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
        links_.emplace_back();
        slots_warmth_.advance(warmer_, slots_.size() * sizeof(Flow));
        links_warmth_.advance(warmer_, links_.size() * sizeof(IdleLinks));
    }
    Flow& f = slots_[slot];
    f.key = keyed.key;
    f.first_ns = packet.ts_ns;
    f.last_ns = packet.ts_ns;
    const int sender = keyed.from_b ? 1 : 0;
    // PRODUCT.md's originator rules, in order.
    if (is_pure_syn(packet)) {
        f.orig_is_b = keyed.from_b;
        f.set_dir_reason(DirReason::Syn);
    } else if (is_syn_ack(packet)) {
        f.orig_is_b = !keyed.from_b;
        f.set_dir_reason(DirReason::SynAck);
    } else {
        const int rule = client_rule_ ? client_rule_(f.key.proto, f.key.port_a, f.key.port_b) : 0;
        if (rule != 0) {
            f.orig_is_b = rule > 0;
            f.set_dir_reason(DirReason::Port);
        } else {
            f.orig_is_b = keyed.from_b;
            f.set_dir_reason(DirReason::First);
        }
    }
    // Zeek's '^': the originator is not the sender of the first packet seen.
    if (f.orig_is_b != sender) f.tcp.mark_flip();
    f.in_use_ = 1;
    index_.insert(entry_of(slot, hash));
    link_tail(list_of(f), slot);
    if (options_.active_timeout_ns > 0) start_active_timer(slot);
    ++stats_.flows_created;
    stats_.active = index_.size();
    if (stats_.active > stats_.peak_active) stats_.peak_active = stats_.active;
    return slot;
}

void FlowTable::update(Flow& f, const decode::PacketInfo& packet, bool from_b) {
    const int side = from_b ? 1 : 0;
    DirectionCounters& c = f.counters[side];
    c.packets.add(1);
    c.wire_bytes.add(packet.wire_len);
    c.ip_bytes.add(packet.ip_len);
    c.payload_bytes.add(packet.payload_len);
    // Zeek stops a conversation's clock once both sides closed: stragglers are counted but
    // neither extend its duration nor its linger.
    if (packet.ts_ns > f.last_ns && !(f.is_tcp() && f.tcp.both_did_close())) {
        f.last_ns = packet.ts_ns;
    }
    if (packet.non_first_fragment) return; // no transport header: counted, nothing more
    if (!f.answered() && side != f.orig_side() && answers(f, packet)) {
        f.answered_ = 1;
        if (sink_ != nullptr) sink_->on_answer(f);
    }
    if (!f.is_tcp()) {
        f.tcp.on_udp_packet(side);
    } else if (c.packets == 1 && f.counters[side ^ 1].packets == 0 &&
               f.dir_reason() == DirReason::SynAck) {
        // Zeek takes a first SYN-ACK as its sender's own (SYN_ACK_SENT), then flips roles.
        f.tcp.start_with_syn_ack(packet, side);
    } else {
        f.tcp.on_packet(packet, side, f.orig_is_b);
    }
}

void FlowTable::move_clock(std::int64_t now_ns, bool by_packet) {
    if (report_ != nullptr) {
        report_clock_.pass(now_ns, [this](std::int64_t at) {
            now_ns_ = at;
            expire(at);
            report_->on_report_due(at, false);
        });
    }
    now_ns_ = now_ns;
    expire(now_ns_);
    if (by_packet) report_clock_.on_packet(now_ns);
}

void FlowTable::set_report(ReportListener* listener, std::int64_t interval_ns, bool compress_quiet) {
    report_ = listener;
    report_clock_ = ReportClock(interval_ns, compress_quiet);
}

void FlowTable::on_packet(const decode::PacketInfo& packet) {
    if (packet.ts_ns > now_ns_) move_clock(packet.ts_ns, true);
    last_packet_slot_ = kNoSlot;
    if (!packet.has_ports()) {
        ++stats_.packets_not_in_flows;
        return;
    }
    ++stats_.packets_in_flows;
    AheadEntry& ahead = ahead_[ahead_next_ % kAheadRing];
    const bool looked = ahead.packet == &packet;
    if (looked) {
        ahead.packet = nullptr;
        ++ahead_next_;
    }
    const KeyedPacket keyed = looked ? ahead.keyed : make_flow_key(packet);
    const std::size_t hash = looked ? ahead.hash : SlotHash{this}(keyed.key);
    std::uint32_t slot = find_slot(keyed, hash, looked ? ahead.slot : kNoSlot);
    if (slot == kNoSlot) {
        slot = create(packet, keyed, hash);
    } else {
        // Port reuse (Zeek's IsReuse): a SYN on a pair that closed, or with another initial
        // sequence number, starts a new conversation.
        const Flow& old = slots_[slot];
        if (old.is_tcp() && packet.outcome == decode::Outcome::Tcp &&
            !packet.non_first_fragment && old.tcp.is_reuse(packet, old.orig_side())) {
            EndReason why = EndReason::Reused;
            if (old.tcp.closed()) why = closed_reason(old);
            end(slot, why);
            slot = create(packet, keyed, hash);
        }
    }
    last_packet_slot_ = slot;
    Flow& f = slots_[slot];
    const List before = list_of(f);
    update(f, packet, keyed.from_b);
    const List after = list_of(f);
    // Back-to-back packets of one conversation find it at the tail already: no relinking (and
    // no touching of its neighbours' records) then.
    const bool at_tail = tail_[after] == slot + 1;
    if (before != after || (after != kAttempt && !at_tail)) {
        unlink(before, slot);
        link_tail(after, slot);
    }
}

std::uint32_t FlowTable::find_slot(const KeyedPacket& keyed, std::size_t hash,
                                   std::uint32_t hint) const {
    // The packets in between may have ended that flow, or started this one: the slot found
    // ahead still holds if it holds a live flow with this key (the index has one per key).
    if (hint != kNoSlot && hint < slots_.size()) {
        const Flow& f = slots_[hint];
        if (f.in_use_ != 0 && f.key == keyed.key) return hint;
    }
    const auto it = index_.find(HashedKey{&keyed.key, hash});
    return it == index_.end() ? kNoSlot : slot_of(*it);
}

void FlowTable::look_ahead(const decode::PacketInfo& packet, Ahead how_far) {
    if (!packet.has_ports()) return;
    if (how_far == Ahead::Far) {
        AheadEntry& e = ahead_[ahead_far_++ % kAheadRing];
        e.packet = &packet;
        e.keyed = make_flow_key(packet);
        e.hash = SlotHash{this}(e.keyed.key);
        e.slot = kNoSlot;
        index_.prefetch(HashedKey{&e.keyed.key, e.hash});
        return;
    }
    AheadEntry& e = ahead_[ahead_near_++ % kAheadRing];
    if (e.packet != &packet) return;
    const auto it = index_.find(TagProbe{e.hash});
    if (it == index_.end()) return;
    e.slot = slot_of(*it); // on_packet checks the key, on a record that is loaded by then
    prefetch_record(e.slot);
}

void FlowTable::prefetch_record(std::uint32_t slot) const {
    // Every line of the record: update() reads the key and writes counters, state and links.
    util::prefetch_for_write(&slots_[slot], sizeof(Flow));
    __builtin_prefetch(&links_[slot], 1);
}

void FlowTable::advance_time(std::int64_t now_ns) {
    if (now_ns > now_ns_) move_clock(now_ns, false);
}

void FlowTable::on_end() {
    if (report_ != nullptr) report_->on_report_due(now_ns_, true);
    // Oldest first, so the records come out in a stable order. That is the idle lists' order,
    // not memory's, so each record would be a cache miss in its turn (at 1M conversations the
    // end took 0.9 s of the flow thread): each list's records are loaded kEndAhead places
    // before their turn. Only list heads end here, so one cursor per list, moved on as its
    // head goes, stays that far ahead.
    constexpr int kEndAhead = 8;
    std::array<std::uint32_t, kListCount> ahead{};
    for (std::size_t l = 0; l < kListCount; ++l) {
        std::uint32_t at = head_[l];
        for (int i = 0; i < kEndAhead && at != kNone; ++i, at = links_[at - 1].next) {
            prefetch_record(at - 1);
        }
        ahead[l] = at;
    }
    for (;;) {
        const std::uint32_t oldest = longest_idle();
        if (oldest == kNone) break;
        const Flow& f = slots_[oldest - 1];
        // The list it heads, as end() will unlink it (its record is loaded by now).
        std::uint32_t& next_ahead = ahead[list_of(f)];
        if (next_ahead != kNone) {
            prefetch_record(next_ahead - 1);
            next_ahead = links_[next_ahead - 1].next;
        }
        EndReason why = EndReason::CaptureEnd;
        // A flow that closed is over, whether or not its linger ran out before the end.
        if (f.is_tcp() && f.tcp.closed()) why = closed_reason(f);
        end(oldest - 1, why);
    }
    if (sink_ != nullptr) sink_->on_finish();
}

void FlowTable::for_each(const std::function<void(const Flow&)>& visit) const {
    for (const Entry e : index_) visit(slots_[slot_of(e)]);
}

std::size_t FlowTable::memory_bytes() const {
    // absl's SwissTable: one control byte and one 4-byte slot per bucket, plus a group's worth
    // of cloned control bytes.
    // Records ever used (the reserved rest is address space, not memory, until touched).
    const std::size_t index_bytes = index_.bucket_count() * (1 + sizeof(Entry)) + 16;
    return slots_.size() * (sizeof(Flow) + sizeof(IdleLinks)) +
           free_slots_.capacity() * sizeof(std::uint32_t) +
           active_.size() * sizeof(ActiveTimer) + index_bytes;
}

} // namespace pairwatch::flow
