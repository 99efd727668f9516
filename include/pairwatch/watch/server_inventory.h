// The servers seen: each (host, protocol, port) that answered a client, with when, how often,
// how much and to whom. Fed by the flow table's events on the flow thread; the report copies
// from it, and the policy and alerts (issue 5) start from it.
#pragma once

#include "pairwatch/decode/packet_info.h"
#include "pairwatch/flow/flow_sink.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace pairwatch::watch {

struct ServerKey {
    decode::IpAddress addr;
    std::uint16_t port = 0;
    std::uint8_t proto = 0;
    std::uint8_t ip_version = 4;

    friend bool operator==(const ServerKey&, const ServerKey&) = default;
    template <typename H> friend H AbslHashValue(H h, const ServerKey& k) {
        return H::combine(std::move(h), k.addr, k.port, k.proto, k.ip_version);
    }
};

/// What pairwatch knows of one server. Byte counts are IP bytes of ended conversations; the
/// report adds the open ones when it takes a snapshot.
struct ServerRecord {
    std::int64_t first_ns = 0;    // the first answer
    std::int64_t last_ns = 0;     // the last packet of an ended conversation, or the last answer
    std::uint64_t flows = 0;      // conversations it answered
    std::uint64_t bytes_to = 0;   // sent by its clients (ended conversations)
    std::uint64_t bytes_from = 0; // sent by it (ended conversations)
    std::uint64_t packets = 0;    // both ways (ended conversations)
    std::uint64_t client_count = 0;      // distinct client addresses, exact up to kMaxClients
    bool clients_capped = false;         // a client went uncounted: client_count is "at least"
    std::vector<decode::IpAddress> first_clients; // the first few, in the order they came
    /// 0, 1, 2... in the order servers were first kept: a server is never dropped, so a reader
    /// may index its own per-server state by it (the report's open totals).
    std::uint32_t id = 0;
};

class ServerInventory final : public flow::FlowSink {
public:
    /// Distinct clients are counted exactly up to this many per server, then "at least".
    static constexpr std::size_t kMaxClients = 4096;
    static constexpr std::size_t kFirstClientsKept = 4;
    /// Servers kept at most: a flood of made-up answers (both directions are easy to forge) must
    /// not grow memory without end. Past it a new server is counted, not kept.
    static constexpr std::size_t kMaxServers = 100'000;
    /// Distinct clients remembered over all servers (9-18 MB): past it counts read "at least".
    static constexpr std::size_t kMaxClientEntries = 1 << 20;

    void on_answer(const flow::Flow& flow) override;
    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;

    [[nodiscard]] std::size_t size() const { return servers_.size(); }
    /// Servers not kept because kMaxServers were.
    [[nodiscard]] std::uint64_t refused() const { return refused_; }
    [[nodiscard]] const ServerRecord* find(const ServerKey& key) const;
    void for_each(const std::function<void(const ServerKey&, const ServerRecord&)>& visit) const;

    /// The server a flow's responder is.
    [[nodiscard]] static ServerKey server_of(const flow::Flow& flow);

private:
    struct Entry {
        ServerRecord record;
        /// Each distinct client as a 64-bit fingerprint of its address, not the address: half
        /// the memory (a million clients held 17-34 MB as addresses), and a probe compares one
        /// word. Two of a server's clients share a fingerprint with probability about
        /// n^2 / 2^65 (5e-13 at kMaxClients); absl seeds its hash per process (from an
        /// address that ASLR moves), so a forger cannot aim for a collision that would hide a
        /// client from the count.
        absl::flat_hash_set<std::uint64_t> clients;
    };
    absl::flat_hash_map<ServerKey, Entry> servers_;
    std::size_t client_entries_ = 0;
    std::uint64_t refused_ = 0;
};

} // namespace pairwatch::watch
