// fuzz_flow_pipeline: a whole capture file through what `pairwatch -r FILE --json --csv
// --zeek-conn` runs on the flow thread: the checked decoder, the flow table with its TCP
// tracker, the report clock, the labeller, the three file writers (into /dev/null) and the
// final summary.
//
// Input: a pcap or pcapng file, as fuzz_pcap_file. The table is small and its timeouts short, so
// a few packets reach eviction, idle expiry, lingering and active timeouts.
//
// Besides what CheckedDecoder checks per frame, it traps when the table breaks its accounting:
// every flow opened ends exactly once, with a reason; the packets the ended flows counted add up
// to the frames decoded with ports; the table's counters agree with what the sinks saw; report
// boundaries never go back in time and the final one comes once, last.
#include "checked_decoder.h"
#include "memory_capture.h"
#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/decode/link_type.h"
#include "pairwatch/export/csv_writer.h"
#include "pairwatch/export/json_writer.h"
#include "pairwatch/export/output_file.h"
#include "pairwatch/export/zeek_conn_writer.h"
#include "pairwatch/flow/flow_table.h"
#include "pairwatch/report/decode_summary.h"
#include "pairwatch/report/flow_summary.h"
#include "pairwatch/services/client_port.h"
#include "pairwatch/services/flow_label.h"
#include "pairwatch/services/port_category.h"
#include "pairwatch/services/service_registry.h"

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace {

using namespace pairwatch;

constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::uint64_t kSeed = 0x5eed;

std::time_t fixed_clock() {
    return 1'700'000'000;
}

/// The IANA table and the core services only: /etc/services differs between machines, and a
/// crash must replay the same everywhere.
const services::ServiceRegistry& registry() {
    static const services::ServiceRegistry r;
    return r;
}

/// Stands where app.cpp's FanOut stands: hands each event to the writers and the summary, and
/// checks the event against what it knows of the open flows (by slot, which stays a flow's
/// until it ends).
class CheckingSink final : public flow::FlowSink, public flow::ReportListener {
public:
    CheckingSink()
        : json_(std::make_unique<exporter::OutputFile>("/dev/null", "--json"), registry(), kSeed),
          csv_(std::make_unique<exporter::OutputFile>("/dev/null", "--csv"), registry(), kSeed),
          zeek_(std::make_unique<exporter::OutputFile>("/dev/null", "--zeek-conn"), registry(),
                kSeed, services::parse_cidr_list("private"), &fixed_clock),
          summary_(registry()) {}

    void attach(const flow::FlowTable* table) { table_ = table; }

    /// After each packet: the flow it went to is open (opened now, if not before).
    void after_packet(const decode::PacketInfo& packet) {
        const std::uint32_t slot = table_->last_packet_slot();
        PW_FUZZ_CHECK((slot == flow::FlowTable::kNoSlot) == !packet.has_ports());
        if (slot == flow::FlowTable::kNoSlot) return;
        mark_open(slot);
        PW_FUZZ_CHECK(table_->size() == opened_ - ended_);
    }

    void on_flow_end(const flow::Flow& f, flow::EndReason why) override {
        PW_FUZZ_CHECK(!finished_);
        PW_FUZZ_CHECK(why != flow::EndReason::None);
        const std::uint32_t slot = table_->slot_of(f);
        // Ends once, and only a flow that a packet opened.
        PW_FUZZ_CHECK(slot < open_.size() && open_[slot]);
        open_[slot] = false;
        ++ended_;
        const std::uint64_t packets = f.orig().packets + f.resp().packets;
        PW_FUZZ_CHECK(packets >= 1);
        packets_ += packets;
        PW_FUZZ_CHECK(f.first_ns <= f.last_ns);
        // Per packet the payload lies within the IP datagram (the wire length may not hold
        // the datagram: a fragment's inner lengths run on), so the sums keep that order.
        PW_FUZZ_CHECK(f.orig().ip_bytes >= f.orig().payload_bytes &&
                      f.resp().ip_bytes >= f.resp().payload_bytes);
        // A closed TCP conversation ends by its close; only TCP ends by FIN, RST or reuse.
        if (!f.is_tcp()) {
            PW_FUZZ_CHECK(why != flow::EndReason::Fin && why != flow::EndReason::Rst &&
                          why != flow::EndReason::Reused);
        }
        const services::FlowLabel label = services::label_flow(f, registry());
        PW_FUZZ_CHECK(label.category == services::category_of(f.resp_port()));
        PW_FUZZ_CHECK(label.service.has_value() == (label.source != services::LabelSource::None));
        json_.on_flow_end(f, why);
        csv_.on_flow_end(f, why);
        zeek_.on_flow_end(f, why);
        summary_.on_flow_end(f, why);
    }

    void on_answer(const flow::Flow& f) override {
        // The packet that answers may be the one that opened the flow (any UDP reply, a
        // SYN-ACK seen first): the table has it in use, and after_packet has not run yet.
        PW_FUZZ_CHECK(f.in_use_ != 0 && f.answered());
        mark_open(table_->slot_of(f));
        PW_FUZZ_CHECK(++answers_ <= opened_);
    }

    void on_flow_update(const flow::Flow& f, std::int64_t now_ns) override {
        const std::uint32_t slot = table_->slot_of(f);
        PW_FUZZ_CHECK(slot < open_.size() && open_[slot]);
        PW_FUZZ_CHECK(now_ns >= f.first_ns);
        ++updates_;
    }

    void on_finish() override {
        PW_FUZZ_CHECK(!finished_ && final_reports_ == 1);
        finished_ = true;
        json_.on_finish();
        csv_.on_finish();
        zeek_.on_finish();
    }

    void on_report_due(std::int64_t at_ns, bool final) override {
        PW_FUZZ_CHECK(final_reports_ == 0);
        PW_FUZZ_CHECK(at_ns >= last_report_ns_);
        last_report_ns_ = at_ns;
        if (final) ++final_reports_;
    }

    /// After the end of input.
    void check_end(const flow::FlowTableStats& stats, std::uint64_t with_ports,
                   std::uint64_t without_ports) const {
        PW_FUZZ_CHECK(finished_);
        PW_FUZZ_CHECK(opened_ == ended_ && stats.flows_created == opened_);
        PW_FUZZ_CHECK(stats.active == 0 && table_->size() == 0);
        PW_FUZZ_CHECK(std::accumulate(stats.ended.begin(), stats.ended.end(), std::uint64_t{0}) ==
                      ended_);
        PW_FUZZ_CHECK(stats.ended[static_cast<std::size_t>(flow::EndReason::None)] == 0);
        PW_FUZZ_CHECK(stats.packets_in_flows == with_ports && packets_ == with_ports);
        PW_FUZZ_CHECK(stats.packets_not_in_flows == without_ports);
        PW_FUZZ_CHECK(stats.active_updates == updates_);
        PW_FUZZ_CHECK(stats.peak_active <= opened_);
        PW_FUZZ_CHECK(summary_.totals().flows == ended_ && summary_.totals().packets == packets_);
        PW_FUZZ_CHECK(!summary_.text().empty());
    }

private:
    void mark_open(std::uint32_t slot) {
        PW_FUZZ_CHECK(slot < table_->slot_count());
        if (open_.size() <= slot) open_.resize(slot + 1, false);
        if (!open_[slot]) {
            open_[slot] = true;
            ++opened_;
        }
    }

    const flow::FlowTable* table_ = nullptr;
    exporter::JsonWriter json_;
    exporter::CsvWriter csv_;
    exporter::ZeekConnWriter zeek_;
    report::FlowSummary summary_;
    std::vector<bool> open_; // by slot
    std::uint64_t opened_ = 0;
    std::uint64_t ended_ = 0;
    std::uint64_t packets_ = 0;
    std::uint64_t answers_ = 0;
    std::uint64_t updates_ = 0;
    std::int64_t last_report_ns_ = INT64_MIN;
    int final_reports_ = 0;
    bool finished_ = false;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::MemoryCapture capture(data, size);
    if (!capture.ok()) return 0;
    const int dlt = capture.dlt();
    if (!decode::link_type_supported(dlt)) return 0;
    fuzz::CheckedDecoder decoder(dlt, decode::DecoderOptions{.fragment_buckets = 4});

    // Small and quick, so that a few records reach every way a flow ends.
    flow::FlowTableOptions options;
    options.max_flows = 8;
    options.tcp_timeout_ns = 20 * kSecondNs;
    options.udp_timeout_ns = 10 * kSecondNs;
    options.closed_linger_ns = 2 * kSecondNs;
    options.attempt_timeout_ns = 2 * kSecondNs;
    options.active_timeout_ns = 5 * kSecondNs;
    options.hash_seed = kSeed;
    // As app.cpp decides the originator when no SYN does.
    auto client_rule = [](std::uint8_t proto, std::uint16_t a, std::uint16_t b) {
        const auto p = proto == decode::kIpProtoTcp ? services::Proto::Tcp : services::Proto::Udp;
        const services::ClientGuess g = services::guess_client_port(registry(), p, a, b);
        return g.side == services::ClientSide::A ? -1 : g.side == services::ClientSide::B ? 1 : 0;
    };
    CheckingSink sink;
    flow::FlowTable table(options, client_rule, &sink);
    sink.attach(&table);
    table.set_report(&sink, kSecondNs, true);

    std::uint64_t with_ports = 0;
    std::uint64_t without_ports = 0;
    capture::RawFrame frame;
    while (capture.next(frame)) {
        const decode::PacketInfo info = decoder.decode(frame);
        ++(info.has_ports() ? with_ports : without_ports);
        table.on_packet(info);
        sink.after_packet(info);
    }
    table.on_end();
    sink.check_end(table.stats(), with_ports, without_ports);
    PW_FUZZ_CHECK(!report::format_decode_counters(decoder.decoder().stats(),
                                                  decoder.decoder().fragment_stats())
                       .empty());
    return 0;
}
