// The servers seen: each (host, protocol, port) that answered a client, with when, how often,
// how much and to whom. Fed by the flow table's events on the flow thread; the report copies
// from it, and the policy and alerts (issue 5) start from it.
#pragma once

#include "pairwatch/decode/packet_info.h"
#include "pairwatch/flow/flow_sink.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
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
    /// Events held before they are applied together (see Event).
    static constexpr std::size_t kBatch = 32;

    void on_answer(const flow::Flow& flow) override;
    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;

    // Every reader sees every event so far: it applies the held ones first.
    [[nodiscard]] std::size_t size() const;
    /// Servers not kept because kMaxServers were.
    [[nodiscard]] std::uint64_t refused() const;
    [[nodiscard]] const ServerRecord* find(const ServerKey& key) const;
    /// In the order the servers were first kept (by id).
    void for_each(const std::function<void(const ServerKey&, const ServerRecord&)>& visit) const;

    /// The server a flow's responder is.
    [[nodiscard]] static ServerKey server_of(const flow::Flow& flow);

private:
    /// An answer or an end, held until kBatch of them are applied together. One at a time,
    /// each waited on up to four cache misses in turn (the server's index group, its record,
    /// its client set's group, the set's slot): at 1M conversations over 30k servers the
    /// inventory was 16% of the flow thread. A batch takes each step for all its events before
    /// the next, prefetching what the next step reads, so the misses overlap. Events are
    /// applied in the order they came, so every count, cap and first client is as before.
    struct Event {
        ServerKey server;
        decode::IpAddress client; // an answer's
        std::uint64_t fingerprint = 0; // of client, an answer's
        std::int64_t last_ns = 0;
        std::uint64_t bytes_to = 0, bytes_from = 0, packets = 0; // an end's
        std::uint32_t id = 0; // the server's, once found
        bool answer = false;
    };
    struct Entry {
        ServerKey key;
        ServerRecord record;
        /// Each distinct client as a 64-bit fingerprint of its address, not the address: half
        /// the memory (a million clients held 17-34 MB as addresses), and a probe compares one
        /// word. Two of a server's clients share a fingerprint with probability about
        /// n^2 / 2^65 (5e-13 at kMaxClients); absl seeds its hash per process (from an
        /// address that ASLR moves), so a forger cannot aim for a collision that would hide a
        /// client from the count.
        absl::flat_hash_set<std::uint64_t> clients;
    };
    /// What the applied events made. Held events are part of the inventory's state, so a
    /// const reader may apply them: the answers it gives are the same either way.
    struct Applied {
        absl::flat_hash_map<ServerKey, std::uint32_t> ids;
        std::vector<Entry> entries; // by id
        std::size_t client_entries = 0;
        std::uint64_t refused = 0;
    };
    void hold(const Event& event);
    void apply_held() const;
    static void apply_answer(Applied& a, const Event& e);
    static void apply_end(Applied& a, const Event& e);

    mutable Applied applied_;
    mutable std::array<Event, kBatch> held_{};
    mutable std::size_t held_count_ = 0;
};

} // namespace pairwatch::watch
