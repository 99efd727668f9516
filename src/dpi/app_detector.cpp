#include "pairwatch/dpi/app_detector.h"

#include "pairwatch/flow/flow_table.h"

#include <ndpi_api.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <stdexcept>

namespace pairwatch::dpi {

namespace {

/// nDPI takes the IP packet as `const unsigned char*`. unsigned char may view any object's
/// bytes (the one aliasing exception the language makes), so going through void* converts the
/// pointer without reinterpreting the packet as anything else.
const unsigned char* as_uchars(const std::byte* bytes) {
    return static_cast<const unsigned char*>(static_cast<const void*>(bytes));
}

/// Packet time in nDPI's unit (milliseconds); nDPI's timers (DNS, STUN caches) only need it to
/// be monotonic per flow, as packet time is.
std::uint64_t to_ms(std::int64_t ts_ns) {
    return ts_ns > 0 ? static_cast<std::uint64_t>(ts_ns / 1'000'000) : 0;
}

} // namespace

void AppDetector::ModuleDeleter::operator()(ndpi_detection_module_struct* module) const {
    ndpi_exit_detection_module(module);
}

void AppDetector::FlowDeleter::operator()(ndpi_flow_struct* flow) const {
    ndpi_free_flow(flow); // the dissectors' allocations (host names, certificates), then the flow
}

AppDetectorStats& AppDetectorStats::operator+=(const AppDetectorStats& o) {
    flows_inspected += o.flows_inspected;
    packets_inspected += o.packets_inspected;
    detected += o.detected;
    gave_up += o.gave_up;
    ended_undecided += o.ended_undecided;
    skipped_busy += o.skipped_busy;
    inspecting += o.inspecting;
    peak_inspecting += o.peak_inspecting;
    return *this;
}

AppDetector::AppDetector(AppDetectorOptions options) : options_(options) {
    module_.reset(ndpi_init_detection_module(ndpi_no_prefs));
    if (!module_) throw std::runtime_error("nDPI could not initialise (out of memory?)");
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(module_.get(), &all);
    ndpi_finalize_initialization(module_.get());
}

AppDetector::~AppDetector() {
    // The flow states go before the module they were made with.
    inspecting_.clear();
}

std::string AppDetector::ndpi_version() { return ndpi_revision(); }

void AppDetector::connect(const flow::FlowTable& table, flow::FlowSink* downstream) {
    table_ = &table;
    downstream_ = downstream;
}

std::uint32_t AppDetector::slot_of(const flow::Flow& flow) const {
    assert(table_ != nullptr);
    const std::uint32_t slot = table_->slot_of(flow);
    assert(slot < table_->slot_count());
    return slot;
}

std::uint16_t AppDetector::intern(std::uint16_t master, std::uint16_t app) {
    const std::uint32_t key = std::uint32_t{master} << 16 | app;
    if (auto it = name_index_.find(key); it != name_index_.end()) return it->second;
    // Codes run from 1 to kNone - 1. nDPI 4.2 has 282 protocols, so the pairs a real network
    // shows stay far below that; should they not, the application alone still names the flow.
    if (names_.size() + 1 >= kNone) return master != 0 ? intern(0, app) : kNone;
    char buffer[64];
    const ndpi_protocol proto{master, app, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED};
    names_.push_back(Name{master, app, ndpi_protocol2name(module_.get(), proto, buffer,
                                                          sizeof buffer)});
    const auto code = static_cast<std::uint16_t>(names_.size());
    name_index_.emplace(key, code);
    return code;
}

void AppDetector::record(std::uint32_t slot, std::uint16_t master, std::uint16_t app) {
    if (app == NDPI_PROTOCOL_UNKNOWN) {
        verdicts_[slot] = kNone;
        return;
    }
    // nDPI reports a lone protocol as {UNKNOWN, X} or as {X, X}: one name either way.
    if (master == app) master = NDPI_PROTOCOL_UNKNOWN;
    verdicts_[slot] = intern(master, app);
    ++stats_.detected;
    if (app_listener_ && table_ != nullptr) {
        app_listener_(table_->at(slot), names_[verdicts_[slot] - 1].text);
    }
}

void AppDetector::settle(std::uint32_t slot, Inspection& inspection) {
    // Without guessing: a guess goes by the port, which `service` already says; `app` is what
    // the payload showed (a TLS ClientHello whose name matched nothing is still TLS, say).
    std::uint8_t guessed = 0;
    const ndpi_protocol proto =
        ndpi_detection_giveup(module_.get(), inspection.state.get(), 0, &guessed);
    record(slot, proto.master_protocol, proto.app_protocol);
}

void AppDetector::on_packet(const decode::PacketInfo& packet) {
    if (table_ == nullptr) return;
    const std::uint32_t slot = table_->last_packet_slot();
    if (slot == flow::FlowTable::kNoSlot) return;
    if (slot >= verdicts_.size()) verdicts_.resize(table_->slot_count(), kOpen);
    if (verdicts_[slot] != kOpen) return; // decided or given up: one load per packet from here
    // A later fragment has no transport header for the dissectors to read.
    if (packet.non_first_fragment) return;
    const std::span<const std::byte> ip = packet.ip_packet();
    if (ip.empty()) return;

    auto it = inspecting_.find(slot);
    if (it == inspecting_.end()) {
        if (inspecting_.size() >= options_.max_inspecting) {
            verdicts_[slot] = kNone;
            ++stats_.skipped_busy;
            return;
        }
        void* memory = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
        if (memory == nullptr) throw std::bad_alloc();
        std::memset(memory, 0, SIZEOF_FLOW_STRUCT); // nDPI expects a zeroed flow, as ndpiReader
        it = inspecting_.emplace(slot, Inspection{}).first;
        it->second.state.reset(static_cast<ndpi_flow_struct*>(memory));
        ++stats_.flows_inspected;
        stats_.inspecting = inspecting_.size();
        stats_.peak_inspecting = std::max(stats_.peak_inspecting, stats_.inspecting);
    }
    Inspection& inspection = it->second;
    ++inspection.packets;
    ++stats_.packets_inspected;
    // nDPI's length is 16 bits: a jumbogram (RFC 2675) or a BIG TCP segment is cut, which nDPI
    // treats as a capture cut short.
    const auto length = static_cast<unsigned short>(std::min<std::size_t>(ip.size(), 0xffff));
    const ndpi_protocol proto = ndpi_detection_process_packet(
        module_.get(), inspection.state.get(), as_uchars(ip.data()), length, to_ms(packet.ts_ns));
    const std::uint32_t bound = packet.outcome == decode::Outcome::Tcp ? options_.max_tcp_packets
                                                                       : options_.max_udp_packets;
    if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN) {
        record(slot, proto.master_protocol, proto.app_protocol);
    } else if (inspection.packets >= bound) {
        ++stats_.gave_up;
        settle(slot, inspection);
    } else {
        return;
    }
    inspecting_.erase(it);
    stats_.inspecting = inspecting_.size();
}

void AppDetector::on_flow_end(const flow::Flow& flow, flow::EndReason why) {
    const std::uint32_t slot = slot_of(flow);
    if (auto it = inspecting_.find(slot); it != inspecting_.end()) {
        ++stats_.ended_undecided;
        settle(slot, it->second);
        inspecting_.erase(it);
        stats_.inspecting = inspecting_.size();
    }
    if (downstream_ != nullptr) downstream_->on_flow_end(flow, why);
    // The slot is free for the table's next flow, which starts undecided.
    if (slot < verdicts_.size()) verdicts_[slot] = kOpen;
}

void AppDetector::on_answer(const flow::Flow& flow) {
    if (downstream_ != nullptr) downstream_->on_answer(flow);
}

void AppDetector::on_flow_update(const flow::Flow& flow, std::int64_t now_ns) {
    if (downstream_ != nullptr) downstream_->on_flow_update(flow, now_ns); // IPFIX's active timeout
}

void AppDetector::on_finish() {
    if (downstream_ != nullptr) downstream_->on_finish();
}

std::optional<AppVerdict> AppDetector::verdict_of(const flow::Flow& flow) const {
    const std::uint32_t slot = slot_of(flow);
    if (slot >= verdicts_.size()) return std::nullopt;
    const std::uint16_t code = verdicts_[slot];
    if (code == kOpen || code == kNone) return std::nullopt;
    const Name& n = names_[code - 1];
    return AppVerdict{n.master, n.app, n.text};
}

std::string_view AppDetector::app_of(const flow::Flow& flow) const {
    const auto verdict = verdict_of(flow);
    return verdict ? verdict->name : std::string_view{};
}

} // namespace pairwatch::dpi
