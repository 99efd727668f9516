#include "pairwatch/watch/server_inventory.h"

#include <absl/hash/hash.h>

#include <algorithm>

namespace pairwatch::watch {

ServerKey ServerInventory::server_of(const flow::Flow& flow) {
    return ServerKey{flow.resp_addr(), flow.resp_port(), flow.key.proto, flow.ip_version()};
}

void ServerInventory::on_answer(const flow::Flow& flow) {
    const ServerKey key = server_of(flow);
    if (servers_.size() >= kMaxServers && !servers_.contains(key)) {
        ++refused_;
        return;
    }
    auto [it, added] = servers_.try_emplace(key);
    Entry& e = it->second;
    ServerRecord& r = e.record;
    if (added) {
        r.first_ns = flow.last_ns;
        r.id = static_cast<std::uint32_t>(servers_.size() - 1);
    }
    r.first_ns = std::min(r.first_ns, flow.last_ns);
    r.last_ns = std::max(r.last_ns, flow.last_ns);
    ++r.flows;
    const decode::IpAddress& client = flow.orig_addr();
    // Past the cap the set stops growing, so memory per server stays bounded; the count then
    // reads "at least kMaxClients".
    const std::uint64_t fingerprint = absl::Hash<decode::IpAddress>{}(client);
    const bool room = e.clients.size() < kMaxClients && client_entries_ < kMaxClientEntries;
    if (!room) {
        if (!e.clients.contains(fingerprint)) r.clients_capped = true;
    } else if (e.clients.insert(fingerprint).second) {
        ++client_entries_;
        ++r.client_count;
        if (r.first_clients.size() < kFirstClientsKept) r.first_clients.push_back(client);
    }
}

void ServerInventory::on_flow_end(const flow::Flow& flow, flow::EndReason /*why*/) {
    if (!flow.answered()) return;
    auto it = servers_.find(server_of(flow));
    if (it == servers_.end()) return; // answered before this inventory was attached
    ServerRecord& r = it->second.record;
    r.last_ns = std::max(r.last_ns, flow.last_ns);
    r.bytes_to += flow.orig().ip_bytes.get();
    r.bytes_from += flow.resp().ip_bytes.get();
    r.packets += flow.orig().packets.get() + flow.resp().packets.get();
}

const ServerRecord* ServerInventory::find(const ServerKey& key) const {
    auto it = servers_.find(key);
    return it == servers_.end() ? nullptr : &it->second.record;
}

void ServerInventory::for_each(
    const std::function<void(const ServerKey&, const ServerRecord&)>& visit) const {
    for (const auto& [key, entry] : servers_) visit(key, entry.record);
}

} // namespace pairwatch::watch
