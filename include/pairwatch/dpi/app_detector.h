// Payload inspection: nDPI names the application protocol of each conversation from its first
// packets, because port numbers can lie (SSH on 443, HTTP on 53). A module of its own: it reads
// payload bytes (decode's PacketInfo::ip_packet) per flow (the table's slots), and export, watch
// and report read its verdicts through flow::AppLookup; only this module sees nDPI's headers.
//
// Runs on the flow thread, placed twice in the pipeline:
//   - as a PacketConsumer right after the FlowTable, so it learns each packet's flow slot from
//     FlowTable::last_packet_slot() and feeds nDPI the innermost IP packet;
//   - as the table's FlowSink, in front of the real sinks: when a flow ends it settles the
//     verdict, hands the flow on (the sinks ask app_of() meanwhile), then frees the slot's state.
//
// Memory stays bounded: an nDPI flow state (688 bytes in nDPI 4.2, plus what its dissectors
// allocate: ~4 KB in all) exists only while nDPI is still deciding, freed as soon as it decides,
// after a bounded number of packets, or when the flow ends; at most max_inspecting exist at once. What is kept per
// flow is a 2-byte verdict per table slot, beside the table (the 144-byte Flow does not grow).
#pragma once

#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/flow/app_lookup.h"
#include "pairwatch/flow/flow_sink.h"

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct ndpi_detection_module_struct;
struct ndpi_flow_struct;

namespace pairwatch::flow {
class FlowTable;
}

namespace pairwatch::dpi {

struct AppDetectorOptions {
    // Packets of one flow (both directions, from the first one inspected) after which nDPI gives
    // up: ndpiReader's own limits, so that verdicts compare with nDPI's reference outputs. TCP
    // needs many because Telnet's dissector waits out several option negotiations; most
    // protocols decide within the first 2-8 packets, and a flow that decides stops costing.
    std::uint32_t max_tcp_packets = 80;
    std::uint32_t max_udp_packets = 24;
    // nDPI flow states alive at once. A flow that starts while this many are being inspected is
    // not inspected (counted in skipped_busy): the bound that keeps a flood of new flows, or of
    // flows nDPI never decides on, from costing more than ~max_inspecting * 4 KB (measured:
    // 3.7 KB a state on scripts/bench-dpi.sh's filler flows, the 688-byte struct plus its
    // dissectors' buffers and the allocator's slack), ~60 MB beside the table's 160 MB.
    std::size_t max_inspecting = 16384;
};

struct AppDetectorStats {
    std::uint64_t flows_inspected = 0;   // flows nDPI was given at least one packet of
    std::uint64_t packets_inspected = 0; // packets handed to nDPI
    std::uint64_t detected = 0;          // flows nDPI named
    std::uint64_t gave_up = 0;           // flows that reached the packet bound undecided
    std::uint64_t ended_undecided = 0;   // flows that ended while still being inspected
    std::uint64_t skipped_busy = 0;      // flows not inspected: max_inspecting were already
    std::size_t inspecting = 0;          // nDPI flow states alive now
    std::size_t peak_inspecting = 0;

    /// Adds another inspector's counters (flow workers); the peaks add up as FlowTableStats'.
    AppDetectorStats& operator+=(const AppDetectorStats& other);
};

/// nDPI's verdict on a flow: master and application protocol ids (NDPI_PROTOCOL_* values; the
/// master is 0 when there is none) and their name as ndpiReader prints it ("TLS.Google").
struct AppVerdict {
    std::uint16_t master = 0;
    std::uint16_t app = 0;
    std::string_view name;
};

class AppDetector final : public decode::PacketConsumer,
                          public flow::FlowSink,
                          public flow::AppLookup {
public:
    /// Initialises nDPI with every protocol enabled (about 9 MB, once).
    explicit AppDetector(AppDetectorOptions options = {});
    ~AppDetector() override;
    AppDetector(const AppDetector&) = delete;
    AppDetector& operator=(const AppDetector&) = delete;

    /// The table whose slots key the verdicts, and the sinks that ended flows go on to (may be
    /// null). The table must have been built with this detector as its sink.
    void connect(const flow::FlowTable& table, flow::FlowSink* downstream);

    // PacketConsumer, after the table.
    void on_packet(const decode::PacketInfo& packet) override;

    // FlowSink, between the table and the sinks.
    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;
    void on_answer(const flow::Flow& flow) override;
    /// Called on the flow thread the moment nDPI names a flow's protocol (the alerts' service
    /// mismatch check listens here).
    using AppListener = std::function<void(const flow::Flow& flow, std::string_view app)>;
    void set_app_listener(AppListener listener) { app_listener_ = std::move(listener); }
    void on_flow_update(const flow::Flow& flow, std::int64_t now_ns) override;
    void on_finish() override;

    // AppLookup.
    [[nodiscard]] std::string_view app_of(const flow::Flow& flow) const override;
    [[nodiscard]] std::optional<AppVerdict> verdict_of(const flow::Flow& flow) const;

    [[nodiscard]] const AppDetectorStats& stats() const { return stats_; }
    /// "4.2.0": the nDPI library in use.
    [[nodiscard]] static std::string ndpi_version();

private:
    AppListener app_listener_;
    struct ModuleDeleter {
        void operator()(ndpi_detection_module_struct* module) const;
    };
    struct FlowDeleter {
        void operator()(ndpi_flow_struct* flow) const;
    };
    struct Inspection {
        std::unique_ptr<ndpi_flow_struct, FlowDeleter> state;
        std::uint32_t packets = 0;
    };
    struct Name {
        std::uint16_t master = 0;
        std::uint16_t app = 0;
        std::string text;
    };

    // Per-slot verdict codes: kOpen while undecided (or not started), kNone once inspection
    // ended without a name, otherwise 1 + an index into names_.
    static constexpr std::uint16_t kOpen = 0;
    static constexpr std::uint16_t kNone = 0xffff;

    [[nodiscard]] std::uint32_t slot_of(const flow::Flow& flow) const;
    /// Ends the inspection of `slot`: records nDPI's final word (without port guessing) and
    /// frees its state.
    void settle(std::uint32_t slot, Inspection& inspection);
    void record(std::uint32_t slot, std::uint16_t master, std::uint16_t app);
    [[nodiscard]] std::uint16_t intern(std::uint16_t master, std::uint16_t app);

    AppDetectorOptions options_;
    std::unique_ptr<ndpi_detection_module_struct, ModuleDeleter> module_;
    const flow::FlowTable* table_ = nullptr;
    flow::FlowSink* downstream_ = nullptr;
    std::vector<std::uint16_t> verdicts_; // by slot
    absl::flat_hash_map<std::uint32_t, Inspection> inspecting_; // by slot
    std::vector<Name> names_;
    absl::flat_hash_map<std::uint32_t, std::uint16_t> name_index_; // master << 16 | app
    AppDetectorStats stats_;
};

} // namespace pairwatch::dpi
