// Everything the command line says, as one value the pipeline is built from.
#pragma once

#include "pairwatch/services/cidr.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pairwatch::app {

/// A bad command line: the message names the option; main prints it and exits 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Action { Run, ListInterfaces, Help, Version, CheckPolicy };

struct Config {
    Action action = Action::Run;

    // Source: exactly one of these.
    std::string read_file;  // -r FILE ("-" = standard input)
    std::string interface;  // -i IFACE
    bool demo = false;      // no source given: replay the bundled demo capture

    // Live capture.
    int snaplen = 262144;
    bool promiscuous = true;
    int buffer_kib = 0;
    std::string filter; // -f EXPR or trailing arguments, as tcpdump takes them
    std::optional<std::string> drop_to_user; // -Z USER; unset: "nobody" when root

    // Conversations.
    std::size_t max_flows = 1'000'000;
    double tcp_timeout_s = 300; // Zeek's tcp_inactivity_timeout
    double udp_timeout_s = 60;  // Zeek's udp_inactivity_timeout
    double linger_s = 5;        // Zeek's tcp_close_delay
    std::optional<std::uint64_t> hash_seed; // unset: random at start-up
    std::optional<std::string> services_file;
    bool dpi = true; // --no-dpi: no payload inspection (nDPI), so no `app` in the records
    /// --threads: flow workers, each with its own table for the conversations hashed to it;
    /// 0: default_flow_workers().
    std::size_t threads = 0;

    // Output.
    bool packets = false; // --packets: one line per TCP/UDP packet, then the decode counters
    bool quiet = false;   // -q
    double interval_s = 1; // --interval: the rolling report every S seconds; 0: none
    bool interval_given = false; // a file read at full speed reports every interval only if asked
    double replay_speed = 0;     // --replay-speed X: a file replayed in capture time, X times faster
    bool color = true;           // --no-color (NO_COLOR in the environment is checked at start)
    std::optional<std::string> json_file; // --json FILE ("-" = stdout)
    std::optional<std::string> zeek_conn_file; // --zeek-conn FILE ("-" = stdout)
    std::optional<std::string> csv_file;       // --csv FILE ("-" = stdout)
    services::CidrList local_nets; // --local-nets: conn.log's local_orig/local_resp; empty: unset

    // Watching the LAN.
    std::optional<std::string> alerts_file;   // --alerts FILE ("-" = stdout): JSON lines
    bool fail_on_alert = false;               // --fail-on-alert: exit 3 when any alert was raised
    std::size_t scan_threshold = 15;          // --scan-threshold N (0: no scan detection)
    double scan_window_s = 300;               // --scan-window S
    std::optional<std::string> servers_file;  // --servers FILE: the server inventory at exit
    std::optional<std::string> learn_file;    // --learn FILE: the same, as a baseline
    std::optional<std::string> baseline_file; // --baseline FILE: alert on servers not in it
    std::optional<std::string> metrics;   // --metrics [ADDR:]PORT: Prometheus text endpoint
    std::optional<std::string> ipfix;     // --ipfix [udp://|tcp://]HOST:PORT
    bool ipfix_biflow = false;            // --ipfix-biflow: RFC 5103 records
    std::uint32_t ipfix_domain = 0;       // --ipfix-domain: observation domain id
    double active_timeout_s = 60;         // --active-timeout: IPFIX reports running flows; 0: off
    // Watching.
    std::optional<std::string> policy_file; // --policy FILE, or the file --check-policy checks
};

/// Parses argv (argv[0] included). Throws UsageError on anything it does not accept.
[[nodiscard]] Config parse_options(int argc, char** argv);

[[nodiscard]] std::string usage_text();
/// --threads' default: the CPUs this process may run on, less the one the capture thread
/// (reading and decoding) keeps busy, at least 1 and at most 8.
[[nodiscard]] std::size_t default_flow_workers();

} // namespace pairwatch::app
