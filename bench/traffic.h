// Synthetic traffic for the benchmarks: N Ethernet frames over M conversations open at once,
// deterministic for a seed. The capture generator writes it to a pcap; the decoder and labeller
// benchmarks take the same frames from memory, so every figure is measured on one traffic mix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <queue>
#include <random>
#include <span>
#include <vector>

namespace pairwatch::bench {

struct TrafficOptions {
    std::uint64_t packets = 1'000'000;
    std::uint32_t conversations = 10'000; // open at once; a closed one is replaced at once
    std::uint64_t seed = 1;
    std::uint32_t snaplen = 0; // 0: whole frames; else frames are cut to it (header captures)
    /// Mean capture time between two data packets of one conversation. With 1 s a
    /// conversation lives ~200 s, long beside the 60 s a finished UDP conversation lingers
    /// (Zeek's timeout), so the table holds about M records and not mostly finished ones; every
    /// gap (at most 2 s) stays far below the idle timeouts, so no conversation splits in two.
    /// A table of M conversations sees M packets/s of capture time: replayed live, the report
    /// (a block per second of capture time) visits about one flow per packet whatever M is.
    double data_gap_s = 1.0;
};

/// What was generated, for the .meta file beside a capture and the checks against peers.
struct TrafficStats {
    std::uint64_t packets = 0;
    std::uint64_t conversations = 0; // that sent at least one packet; each has its own 5-tuple
    std::uint64_t tcp_conversations = 0;
    std::uint64_t udp_conversations = 0;
    std::uint64_t udp_packets = 0;
    std::uint64_t ipv6_packets = 0;
    std::uint64_t vlan_packets = 0;
    std::uint64_t fin_closes = 0;
    std::uint64_t rst_closes = 0;
    std::uint64_t wire_bytes = 0;
    std::uint64_t captured_bytes = 0;
};

struct GeneratedFrame {
    std::int64_t ts_ns = 0;
    std::uint32_t wire_len = 0;
    std::span<const std::byte> bytes; // captured bytes; valid until the next call to next()
};

class TrafficGenerator {
public:
    explicit TrafficGenerator(const TrafficOptions& options);

    /// The next frame in time order; false once options.packets frames were given.
    bool next(GeneratedFrame& out);
    [[nodiscard]] const TrafficStats& stats() const { return stats_; }

private:
    // One open conversation, kept small: at 1M open ones this array is the generator's memory.
    struct Conversation {
        std::uint32_t id = 0; // unique per file: the client's address comes from it
        std::uint32_t server = 0;
        std::uint32_t client_seq = 0;
        std::uint32_t server_seq = 0;
        std::uint16_t client_port = 0;
        std::uint16_t server_port = 0;
        std::uint16_t vlan = 0; // 0: untagged
        std::uint16_t data_left = 0;
        std::uint8_t step = 0;
        bool udp = false;
        bool ipv6 = false;
        bool rst = false; // ends with a RST instead of FINs
        bool rst_by_server = false;
        bool counted = false;
    bool unacked_data = false; // the last packet carried data
    bool last_from_client = false;
    };
    struct Due {
        std::int64_t ts_ns;
        std::uint32_t slot;
        friend bool operator>(const Due& a, const Due& b) {
            return a.ts_ns != b.ts_ns ? a.ts_ns > b.ts_ns : a.slot > b.slot;
        }
    };

    void start(std::uint32_t slot, std::int64_t now_ns);
    /// Builds the conversation's next packet into frame_; returns the gap to the one after it,
    /// or -1 when the conversation is over.
    std::int64_t build(Conversation& c);
    /// Writes one packet of `c` into frame_ (advancing its sequence numbers); its length.
    std::size_t build_frame(Conversation& c, bool from_client, std::uint8_t tcp_flags,
                            std::uint32_t payload_len);
    std::int64_t rtt_ns();
    std::int64_t data_gap_ns();

    TrafficOptions options_;
    std::mt19937_64 rng_;
    std::vector<Conversation> open_;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
    std::uint32_t next_id_ = 0;
    std::uint16_t ip_id_ = 0;
    std::vector<std::byte> frame_;
    std::size_t frame_len_ = 0; // on the wire; frame_ holds the captured part
    std::vector<std::byte> pattern_;          // payload bytes: every payload is a prefix of it
    std::vector<std::uint64_t> pattern_sum_; // RFC 1071 sum of each prefix, for checksums
    TrafficStats stats_;
};

} // namespace pairwatch::bench
