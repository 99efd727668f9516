#include "pairwatch/report/live_report.h"

#include "pairwatch/services/proto.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <tuple>
#include <utility>


namespace pairwatch::report {

namespace {

constexpr std::size_t kPorts = 65536;
constexpr std::uint64_t kUnseen = std::numeric_limits<std::uint64_t>::max();
// A slot's server: not looked up yet (a new flow, or not answered yet), or not kept by the
// inventory (past its cap: its open totals are shown nowhere).
constexpr std::uint32_t kServerUnknown = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kServerNotKept = kServerUnknown - 1;
constexpr std::uint32_t kBucketUnknown = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxServiceRows = 200;

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

std::uint64_t ip_bytes(const flow::Flow& f) {
    return f.orig().ip_bytes.get() + f.resp().ip_bytes.get(); // as the summary counts
}
std::uint64_t packets(const flow::Flow& f) {
    return f.orig().packets.get() + f.resp().packets.get();
}

/// The K largest by some value, without sorting everything. Ties go to the smaller item, so
/// the choice never depends on the order the table is walked in.
template <typename T> class TopK {
public:
    explicit TopK(std::size_t k) : k_(k) { items_.reserve(k + 1); }
    void offer(double value, T item) {
        if (k_ == 0) return;
        std::pair<double, T> entry{value, item};
        if (items_.size() < k_) {
            items_.push_back(entry);
            std::push_heap(items_.begin(), items_.end(), better);
        } else if (better(entry, items_.front())) {
            std::pop_heap(items_.begin(), items_.end(), better);
            items_.back() = entry;
            std::push_heap(items_.begin(), items_.end(), better);
        }
    }
    /// Best first.
    std::vector<std::pair<double, T>> take() {
        std::sort(items_.begin(), items_.end(), better);
        return std::move(items_);
    }

private:
    static bool better(const std::pair<double, T>& a, const std::pair<double, T>& b) {
        if (a.first != b.first) return a.first > b.first;
        return a.second < b.second;
    }
    std::size_t k_;
    std::vector<std::pair<double, T>> items_;
};

/// An open flow that may make a top list, with its bytes in the interval.
struct Candidate {
    const flow::Flow* flow;
    std::uint64_t interval_bytes;
    // By start, then key: what the flows are, not where they are kept, so the rows and their
    // ties are the same however many flow workers' tables hold them. Open flows' keys differ.
    friend bool operator<(const Candidate& a, const Candidate& b) {
        if (a.flow->first_ns != b.flow->first_ns) return a.flow->first_ns < b.flow->first_ns;
        return std::memcmp(&a.flow->key, &b.flow->key, sizeof(flow::FlowKey)) < 0;
    }
    friend bool operator==(const Candidate& a, const Candidate& b) { return a.flow == b.flow; }
};

} // namespace

LiveReport::LiveReport(const flow::FlowTable& table, const services::ServiceRegistry& registry,
                       const watch::ServerInventory* inventory, LiveReportOptions options,
                       const util::Waker* waker)
    : LiveReport(std::vector<const flow::FlowTable*>{&table}, registry, inventory, options, waker) {}

LiveReport::LiveReport(std::vector<const flow::FlowTable*> tables,
                       const services::ServiceRegistry& registry,
                       const watch::ServerInventory* inventory, LiveReportOptions options,
                       const util::Waker* waker)
    : registry_(registry), inventory_(inventory), options_(options), waker_(waker),
      bucket_of_port_(2 * kPorts) {
    for (const flow::FlowTable* t : tables) tables_.push_back(TableState{t, {}, {}, {}});
    // Buckets in (proto, port) order, each proto's "unnamed" after its ports, so the services
    // view's ties come out in the same order on every run.
    for (std::uint8_t p = 0; p < 2; ++p) {
        const auto proto = p == 0 ? services::Proto::Tcp : services::Proto::Udp;
        for (std::uint32_t port = 0; port < kPorts; ++port) {
            if (!registry_.has_service(proto, static_cast<std::uint16_t>(port))) continue;
            buckets_.push_back(Bucket{proto, true, static_cast<std::uint16_t>(port)});
            bucket_of_port_[p * kPorts + port] = static_cast<std::uint32_t>(buckets_.size());
        }
        unnamed_bucket_[p] = buckets_.size();
        buckets_.push_back(Bucket{proto, false, 0});
    }
    ended_services_.resize(buckets_.size());
    services_bytes_before_.resize(buckets_.size());
    wall_prev_ = std::chrono::steady_clock::now();
    wall_next_ = wall_prev_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(options_.interval_s));
}

void LiveReport::on_packet(const decode::PacketInfo& packet) {
    if (!seen_packet_) {
        seen_packet_ = true;
        first_ts_ = packet.ts_ns;
        // The first interval starts at the boundary before the first packet, as the clock's do.
        const auto interval_ns = static_cast<std::int64_t>(options_.interval_s * 1e9);
        prev_at_ = packet.ts_ns;
        if (options_.clock == LiveReportOptions::Clock::Capture && interval_ns > 0) {
            std::int64_t q = packet.ts_ns / interval_ns;
            if (packet.ts_ns % interval_ns < 0) --q;
            prev_at_ = q * interval_ns;
        }
    }
    last_ts_ = std::max(last_ts_, packet.ts_ns);
    ++packets_;
    ++interval_packets_;
    interval_bytes_ += packet.wire_len;
    if (packet.outcome == decode::Outcome::Malformed) ++malformed_;
    if (packet.outcome == decode::Outcome::Truncated) ++truncated_;
}

bool LiveReport::wants_tables_at_rest() {
    return options_.clock == LiveReportOptions::Clock::Wall && options_.interval_s > 0 &&
           std::chrono::steady_clock::now() >= wall_next_;
}

void LiveReport::on_tables_at_rest() {
    publish(build(last_ts_, false));
    const auto now = std::chrono::steady_clock::now();
    const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(options_.interval_s));
    wall_prev_ = now;
    wall_next_ = now + interval;
}

void LiveReport::on_report_due(std::int64_t at_ns, bool final) {
    publish(build(final ? std::max(at_ns, last_ts_) : at_ns, final));
}

std::size_t LiveReport::service_bucket(const flow::Flow& f) const {
    const std::size_t p = f.is_tcp() ? 0 : 1;
    // As label_flow names it: the responder's port, else the originator's.
    if (const std::uint32_t b = bucket_of_port_[p * kPorts + f.resp_port()]; b != 0) return b - 1;
    if (const std::uint32_t b = bucket_of_port_[p * kPorts + f.orig_port()]; b != 0) return b - 1;
    return unnamed_bucket_[p];
}

std::uint64_t LiveReport::TableState::interval_bytes_of(std::uint32_t slot, std::uint64_t bytes) const {
    if (slot < seen_bytes.size() && seen_bytes[slot] != kUnseen && seen_bytes[slot] <= bytes) {
        return bytes - seen_bytes[slot];
    }
    return bytes; // new since the last snapshot
}

LiveReport::TableState& LiveReport::state_of(const flow::Flow& f) {
    for (TableState& t : tables_) {
        if (t.table->holds(f)) return t;
    }
    return tables_.front(); // not reached: every flow comes from one of the tables
}

void LiveReport::on_flow_end(const flow::Flow& f, flow::EndReason /*why*/) {
    TableState& state = tables_.size() == 1 ? tables_.front() : state_of(f);
    const std::uint32_t slot = state.table->slot_of(f);
    if (slot / 64 >= state.ended_slots.size()) state.ended_slots.resize(slot / 64 + 1, 0);
    state.ended_slots[slot / 64] |= std::uint64_t{1} << (slot % 64);
    const std::uint64_t pk = packets(f), bytes = ip_bytes(f);
    for (Totals* t : {&ended_services_[service_bucket(f)],
                      &ended_categories_[static_cast<std::size_t>(services::category_of(f.resp_port()))]}) {
        t->flows += 1;
        t->packets += pk;
        t->bytes += bytes;
    }
}

void LiveReport::TableState::forget_ended_slots() {
    for (std::size_t w = 0; w < ended_slots.size(); ++w) {
        for (std::uint64_t bits = std::exchange(ended_slots[w], 0); bits != 0; bits &= bits - 1) {
            const std::size_t slot = w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
            if (slot < seen_bytes.size()) seen_bytes[slot] = kUnseen;
            if (slot < memos.size()) memos[slot] = {kServerUnknown, kBucketUnknown};
        }
    }
}

Snapshot LiveReport::build(std::int64_t at_ns, bool final) {
    Snapshot s;
    s.at_ns = at_ns;
    s.final = final;
    s.elapsed_s = seen_packet_ ? seconds(at_ns - first_ts_) : 0;
    if (options_.clock == LiveReportOptions::Clock::Wall) {
        s.interval_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_prev_).count();
    } else {
        s.interval_s = seen_packet_ ? seconds(at_ns - prev_at_) : 0;
        prev_at_ = at_ns;
    }
    const double per_s = s.interval_s > 0 ? 8 / s.interval_s : 0; // bytes -> bit/s
    s.interval_packets = interval_packets_;
    s.interval_bytes = interval_bytes_;
    interval_packets_ = interval_bytes_ = 0;
    s.packets = packets_;
    s.malformed = malformed_;
    s.truncated = truncated_;
    for (const TableState& t : tables_) {
        const auto& ts = t.table->stats();
        s.flows_active += ts.active;
        s.flows_total += ts.flows_created;
        s.evicted += ts.ended[static_cast<std::size_t>(flow::EndReason::Evicted)];
    }

    // One pass over the open flows: their part of every total, and the top rows.
    std::vector<Totals> services = ended_services_;
    std::array<Totals, 3> categories = ended_categories_;
    OpenServers open_servers(inventory_ != nullptr ? inventory_->size() : 0);
    TopK<Candidate> by_bytes(options_.top), by_packets(options_.top), by_rate(options_.top),
        by_age(options_.top);
    for (TableState& state : tables_) {
        state.forget_ended_slots();
        const std::size_t slots = state.table->slot_count();
        if (state.seen_bytes.size() < slots) state.seen_bytes.resize(slots, kUnseen);
        if (state.memos.size() < slots) state.memos.resize(slots, {kServerUnknown, kBucketUnknown});
        state.table->for_each_slot([&](std::uint32_t slot, const flow::Flow& f) {
            const std::uint64_t bytes = ip_bytes(f);
            const std::uint64_t pk = packets(f);
            const std::uint64_t ib = state.interval_bytes_of(slot, bytes);
            state.seen_bytes[slot] = bytes;
            SlotMemo& memo = state.memos[slot];
            if (memo.bucket == kBucketUnknown) {
                memo.bucket = static_cast<std::uint32_t>(service_bucket(f));
            }
            for (Totals* t : {&services[memo.bucket],
                              &categories[static_cast<std::size_t>(services::category_of(f.resp_port()))]}) {
                t->flows += 1;
                t->active += 1;
                t->packets += pk;
                t->bytes += bytes;
            }
            const Candidate c{&f, ib};
            by_bytes.offer(static_cast<double>(bytes), c);
            by_packets.offer(static_cast<double>(pk), c);
            if (ib > 0) by_rate.offer(static_cast<double>(ib), c);
            by_age.offer(-static_cast<double>(f.first_ns), c);
            if (inventory_ != nullptr && f.answered()) {
                std::uint32_t& id = memo.server;
                if (id == kServerUnknown) {
                    const watch::ServerRecord* r =
                        inventory_->find(watch::ServerInventory::server_of(f));
                    id = r != nullptr ? r->id : kServerNotKept;
                }
                if (id < open_servers.size()) { // kServerNotKept is past every id
                    OpenServer& o = open_servers[id];
                    o.active += 1;
                    o.packets += pk;
                    o.bytes_to += f.orig().ip_bytes.get();
                    o.bytes_from += f.resp().ip_bytes.get();
                }
            }
        });
    }

    // Flow rows: the union of the four top lists.
    std::vector<Candidate> chosen;
    for (auto* top : {&by_bytes, &by_packets, &by_rate, &by_age}) {
        for (const auto& [value, c] : top->take()) chosen.push_back(c);
    }
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    s.flows.reserve(chosen.size());
    for (const Candidate& c : chosen) {
        const flow::Flow& f = *c.flow;
        FlowRow r;
        r.proto = f.is_tcp() ? "tcp" : "udp";
        r.orig = decode::format_endpoint(f.orig_addr(), f.orig_port(), f.ip_version());
        r.resp = decode::format_endpoint(f.resp_addr(), f.resp_port(), f.ip_version());
        r.service = service_name(service_bucket(f));
        r.category = services::category_of(f.resp_port());
        r.state = f.tcp.conn_state(f.orig_side(), f.is_tcp(), f.orig().payload_bytes.get(),
                                   f.resp().payload_bytes.get());
        r.packets = packets(f);
        r.bytes = ip_bytes(f);
        r.rate_bps = static_cast<double>(c.interval_bytes) * per_s;
        r.age_s = seconds(at_ns - f.first_ns);
        s.flows.push_back(std::move(r));
    }
    // By bytes; ties keep the candidates' order (chosen is sorted by it), so runs repeat exactly.
    std::stable_sort(s.flows.begin(), s.flows.end(),
                     [](const FlowRow& a, const FlowRow& b) { return a.bytes > b.bytes; });

    // Services and categories: everything seen, open or ended. Their bytes only grow, so
    // the interval's are the growth since the last snapshot.
    const auto interval_bytes = [](std::uint64_t now, std::uint64_t& before) {
        return now - std::min(now, std::exchange(before, now));
    };
    for (std::size_t b = 0; b < services.size(); ++b) {
        const Totals& t = services[b];
        if (t.flows == 0) continue;
        TotalsRow r;
        r.name = service_name(b);
        const Bucket& key = buckets_[b];
        r.proto = std::string(services::to_string(key.proto));
        if (key.named) r.category = services::category_of(key.port);
        r.flows = t.flows;
        r.active = t.active;
        r.packets = t.packets;
        r.bytes = t.bytes;
        r.rate_bps = static_cast<double>(interval_bytes(t.bytes, services_bytes_before_[b])) * per_s;
        s.services.push_back(std::move(r));
    }
    std::stable_sort(s.services.begin(), s.services.end(), [](const TotalsRow& a, const TotalsRow& b) {
        return a.bytes != b.bytes ? a.bytes > b.bytes : a.flows > b.flows;
    });
    if (s.services.size() > kMaxServiceRows) s.services.resize(kMaxServiceRows);
    for (std::size_t c = 0; c < categories.size(); ++c) {
        const auto cat = static_cast<services::PortCategory>(c);
        TotalsRow r;
        r.name = std::string(services::to_string(cat));
        r.category = cat;
        r.flows = categories[c].flows;
        r.active = categories[c].active;
        r.packets = categories[c].packets;
        r.bytes = categories[c].bytes;
        r.rate_bps = static_cast<double>(interval_bytes(categories[c].bytes, categories_bytes_before_[c])) * per_s;
        s.categories.push_back(std::move(r));
    }

    if (inventory_ != nullptr) add_servers(s, open_servers);
    if (alerts_ != nullptr) {
        const auto& all = alerts_->alerts();
        s.alerts_total = all.size();
        const std::size_t n = std::min(all.size(), kAlertsShown);
        s.alerts.assign(all.rbegin(), all.rbegin() + static_cast<std::ptrdiff_t>(n));
    }
    return s;
}

std::string LiveReport::service_name(std::size_t bucket) const {
    const Bucket& key = buckets_[bucket];
    if (!key.named) return "-";
    const auto service = registry_.lookup(key.proto, key.port);
    return service ? std::string(service->name) : "-";
}

void LiveReport::add_servers(Snapshot& s, const OpenServers& open) const {
    struct Entry {
        const watch::ServerKey* key;
        const watch::ServerRecord* record;
        OpenServer open;
        std::uint64_t bytes;
    };
    // Every server, sorted by bytes and then by address: the inventory's own order is a hash's.
    std::vector<Entry> all;
    all.reserve(inventory_->size());
    inventory_->for_each([&](const watch::ServerKey& key, const watch::ServerRecord& record) {
        const OpenServer o = record.id < open.size() ? open[record.id] : OpenServer{};
        all.push_back(Entry{&key, &record, o,
                            record.bytes_to + record.bytes_from + o.bytes_to + o.bytes_from});
    });
    const auto order = [](const Entry& a, const Entry& b) {
        if (a.bytes != b.bytes) return a.bytes > b.bytes;
        const watch::ServerKey& x = *a.key;
        const watch::ServerKey& y = *b.key;
        return std::tie(x.addr, x.port, x.proto) < std::tie(y.addr, y.port, y.proto);
    };
    const std::size_t keep = std::min(all.size(), options_.top);
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), order);
    all.resize(keep);
    s.servers_total = inventory_->size();
    for (const Entry& e : all) {
        const watch::ServerKey& k = *e.key;
        const watch::ServerRecord& r = *e.record;
        ServerRow row;
        row.endpoint = decode::format_endpoint(k.addr, k.port, k.ip_version);
        const auto proto = services::proto_from_ip(k.proto).value_or(services::Proto::Udp);
        row.proto = std::string(services::to_string(proto));
        const auto service = registry_.lookup(proto, k.port);
        row.service = service ? std::string(service->name) : "-";
        row.category = services::category_of(k.port);
        row.clients = r.client_count;
        row.clients_capped = r.clients_capped;
        for (const auto& c : r.first_clients) row.first_clients.push_back(decode::to_string(c, k.ip_version));
        row.flows = r.flows;
        row.active = e.open.active;
        row.packets = r.packets + e.open.packets;
        row.bytes_to = r.bytes_to + e.open.bytes_to;
        row.bytes_from = r.bytes_from + e.open.bytes_from;
        row.first_seen_s = seconds(s.at_ns - r.first_ns);
        row.last_seen_s = e.open.active > 0 ? 0 : seconds(std::max<std::int64_t>(0, s.at_ns - r.last_ns));
        s.servers.push_back(std::move(row));
    }
}

void LiveReport::publish(Snapshot s) {
    std::unique_lock lock(mutex_);
    if (queue_.size() >= kQueued) {
        if (options_.lossless && !abandoned_) {
            space_.wait(lock, [this] { return queue_.size() < kQueued || abandoned_; });
        }
        while (queue_.size() >= kQueued) {
            queue_.pop_front();
            ++skipped_;
        }
    }
    queue_.push_back(std::move(s));
    lock.unlock();
    if (waker_ != nullptr) waker_->notify();
}

std::optional<Snapshot> LiveReport::take() {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return std::nullopt;
    Snapshot s = std::move(queue_.front());
    queue_.pop_front();
    s.skipped_before = std::exchange(skipped_, 0);
    space_.notify_one();
    return s;
}

void LiveReport::abandon() {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    space_.notify_all();
}

} // namespace pairwatch::report
