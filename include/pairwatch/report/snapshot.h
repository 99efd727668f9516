// What the report shows at one moment, copied out of the flow thread's state: the console view
// and the plain-text blocks both draw from it and never touch the flow table.
#pragma once

#include "pairwatch/capture/packet_source.h"
#include "pairwatch/flow/tcp_tracker.h"
#include "pairwatch/services/port_category.h"
#include "pairwatch/watch/alert.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pairwatch::report {

struct FlowRow {
    std::string proto; // "tcp", "udp"
    std::string orig, resp;
    std::string service; // "-" when the ports have no name
    services::PortCategory category = services::PortCategory::WellKnown;
    flow::ConnState state = flow::ConnState::OTH;
    std::uint64_t packets = 0, bytes = 0; // both ways; IP bytes, as the summary counts
    double rate_bps = 0;                  // over the last interval
    double age_s = 0;                     // since its first packet
};

/// One row of the services or categories view: every conversation seen, open or ended.
struct TotalsRow {
    std::string name;
    std::string proto; // a service's protocol; empty for a category
    std::optional<services::PortCategory> category; // of the port, for a named service
    std::uint64_t flows = 0, active = 0, packets = 0, bytes = 0;
    double rate_bps = 0;
};

struct ServerRow {
    std::string endpoint; // "192.0.2.1:80"
    std::string proto;
    std::string service;
    services::PortCategory category = services::PortCategory::WellKnown;
    std::uint64_t clients = 0;
    bool clients_capped = false; // "at least": the inventory stopped counting
    std::vector<std::string> first_clients;
    std::uint64_t flows = 0, active = 0, packets = 0, bytes_to = 0, bytes_from = 0;
    double first_seen_s = 0, last_seen_s = 0; // ago, from the snapshot's time
};

struct Snapshot {
    std::int64_t at_ns = 0;  // capture time it describes (packet timebase)
    bool final = false;      // the end of the input
    double elapsed_s = 0;    // since the first packet
    double interval_s = 0;   // what the rates are over
    std::uint64_t interval_packets = 0, interval_bytes = 0;
    std::uint64_t packets = 0, malformed = 0, truncated = 0;
    std::size_t flows_active = 0;
    std::uint64_t flows_total = 0, evicted = 0;
    std::uint64_t skipped_before = 0; // snapshots dropped because the output fell behind
    std::optional<capture::CaptureCounters> capture; // filled in by whoever shows it
    std::vector<FlowRow> flows;        // the top conversations by each sort key, merged
    std::vector<TotalsRow> services;   // by bytes, most first
    std::vector<TotalsRow> categories; // well-known, registered, dynamic
    std::vector<ServerRow> servers;    // by bytes, most first
    std::size_t servers_total = 0;
    std::vector<watch::Alert> alerts;  // newest first, with their repeats so far
    std::size_t alerts_total = 0;
};

} // namespace pairwatch::report
