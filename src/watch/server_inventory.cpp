#include "pairwatch/watch/server_inventory.h"

#include "pairwatch/util/prefetch.h"

#include <absl/hash/hash.h>

#include <algorithm>
#include <limits>
#include <span>
#include <utility>

namespace pairwatch::watch {

namespace {

constexpr std::uint32_t kNotKept = std::numeric_limits<std::uint32_t>::max();

} // namespace

ServerKey ServerInventory::server_of(const flow::Flow& flow) {
    return ServerKey{flow.resp_addr(), flow.resp_port(), flow.key.proto, flow.ip_version()};
}

void ServerInventory::on_answer(const flow::Flow& flow) {
    Event e;
    e.server = server_of(flow);
    e.client = flow.orig_addr();
    e.fingerprint = absl::Hash<decode::IpAddress>{}(e.client);
    e.last_ns = flow.last_ns;
    e.answer = true;
    hold(e);
}

void ServerInventory::on_flow_end(const flow::Flow& flow, flow::EndReason /*why*/) {
    if (!flow.answered()) return;
    Event e;
    e.server = server_of(flow);
    e.last_ns = flow.last_ns;
    e.bytes_to = flow.orig().ip_bytes.get();
    e.bytes_from = flow.resp().ip_bytes.get();
    e.packets = flow.orig().packets.get() + flow.resp().packets.get();
    hold(e);
}

void ServerInventory::hold(const Event& event) {
    held_[held_count_++] = event;
    if (held_count_ == kBatch) apply_held();
}

void ServerInventory::apply_held() const {
    const std::span events(held_.data(), std::exchange(held_count_, 0));
    if (events.empty()) return;
    Applied& a = applied_;
    for (const Event& e : events) a.ids.prefetch(e.server);
    // Ids in the events' order: a server is kept at its first answer while there is room, and
    // an end before it (its answer came before this inventory was attached) counts nowhere.
    for (Event& e : events) {
        if (const auto it = a.ids.find(e.server); it != a.ids.end()) {
            e.id = it->second;
        } else if (!e.answer) {
            e.id = kNotKept;
        } else if (a.ids.size() >= kMaxServers) {
            ++a.refused;
            e.id = kNotKept;
        } else {
            e.id = static_cast<std::uint32_t>(a.entries.size());
            a.ids.emplace(e.server, e.id);
            Entry& added = a.entries.emplace_back();
            added.key = e.server;
            added.record.id = e.id;
            added.record.first_ns = e.last_ns;
        }
    }
    for (const Event& e : events) {
        if (e.id != kNotKept) util::prefetch_for_write(&a.entries[e.id], sizeof(Entry));
    }
    for (const Event& e : events) {
        if (e.answer && e.id != kNotKept) a.entries[e.id].clients.prefetch(e.fingerprint);
    }
    for (const Event& e : events) {
        if (e.id == kNotKept) continue;
        if (e.answer) {
            apply_answer(a, e);
        } else {
            apply_end(a, e);
        }
    }
}

void ServerInventory::apply_answer(Applied& a, const Event& e) {
    Entry& entry = a.entries[e.id];
    ServerRecord& r = entry.record;
    r.first_ns = std::min(r.first_ns, e.last_ns);
    r.last_ns = std::max(r.last_ns, e.last_ns);
    ++r.flows;
    // Past the cap the set stops growing, so memory per server stays bounded; the count then
    // reads "at least kMaxClients".
    const bool room = entry.clients.size() < kMaxClients && a.client_entries < kMaxClientEntries;
    if (!room) {
        if (!entry.clients.contains(e.fingerprint)) r.clients_capped = true;
    } else if (entry.clients.insert(e.fingerprint).second) {
        ++a.client_entries;
        ++r.client_count;
        if (r.first_clients.size() < kFirstClientsKept) r.first_clients.push_back(e.client);
    }
}

void ServerInventory::apply_end(Applied& a, const Event& e) {
    ServerRecord& r = a.entries[e.id].record;
    r.last_ns = std::max(r.last_ns, e.last_ns);
    r.bytes_to += e.bytes_to;
    r.bytes_from += e.bytes_from;
    r.packets += e.packets;
}

std::size_t ServerInventory::size() const {
    apply_held();
    return applied_.entries.size();
}

std::uint64_t ServerInventory::refused() const {
    apply_held();
    return applied_.refused;
}

const ServerRecord* ServerInventory::find(const ServerKey& key) const {
    apply_held();
    const auto it = applied_.ids.find(key);
    return it == applied_.ids.end() ? nullptr : &applied_.entries[it->second].record;
}

void ServerInventory::for_each(
    const std::function<void(const ServerKey&, const ServerRecord&)>& visit) const {
    apply_held();
    for (const Entry& e : applied_.entries) visit(e.key, e.record);
}

} // namespace pairwatch::watch
