#include "pairwatch/app/config.h"
#include "pairwatch/app/privileges.h"

#include "pairwatch/export/metrics.h"

#include "pairwatch/export/ipfix_transport.h"

#include <getopt.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fmt/format.h>
#include <stdexcept>

namespace pairwatch::app {

namespace {

enum LongOnly : int {
    kOptPackets = 256,
    kOptJson,
    kOptMaxFlows,
    kOptThreads,
    kOptTcpTimeout,
    kOptUdpTimeout,
    kOptLinger,
    kOptHashSeed,
    kOptServices,
    kOptInterval,
    kOptReplaySpeed,
    kOptNoColor,
    kOptZeekConn,
    kOptCsv,
    kOptLocalNets,
    kOptAlerts,
    kOptFailOnAlert,
    kOptScanThreshold,
    kOptScanWindow,
    kOptServers,
    kOptLearn,
    kOptBaseline,
    kOptMetrics,
    kOptIpfix,
    kOptIpfixBiflow,
    kOptIpfixDomain,
    kOptActiveTimeout,
    kOptPolicy,
    kOptCheckPolicy,
    kOptNoDpi,
};

int parse_int(const char* text, const char* option, long min, long max) {
    long value = 0;
    const std::string_view s(text);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || value < min || value > max) {
        throw UsageError(
            fmt::format("{}: '{}' is not a whole number from {} to {}", option, text, min, max));
    }
    return static_cast<int>(value);
}

double parse_number(const char* text, const char* option, double min, double max,
                    std::string_view what) {
    double value = 0;
    const std::string_view s(text);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || !(value >= min && value <= max)) {
        throw UsageError(
            fmt::format("{}: '{}' is not {} from {} to {}", option, text, what, min, max));
    }
    return value;
}

double parse_seconds(const char* text, const char* option, double min, double max) {
    return parse_number(text, option, min, max, "a number of seconds");
}

std::uint64_t parse_u64(const char* text, const char* option) {
    std::uint64_t value = 0;
    const std::string_view s(text);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        throw UsageError(fmt::format("{}: '{}' is not a whole number", option, text));
    }
    return value;
}

/// The file outputs must not share a file, and only one may take standard output.
void check_outputs(const Config& c) {
    const std::array<std::pair<const char*, const std::optional<std::string>*>, 6> outputs = {{
        {"--json", &c.json_file},
        {"--zeek-conn", &c.zeek_conn_file},
        {"--csv", &c.csv_file},
        {"--alerts", &c.alerts_file},
        {"--servers", &c.servers_file},
        {"--learn", &c.learn_file},
    }};
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        for (std::size_t j = i + 1; j < outputs.size(); ++j) {
            const auto& a = *outputs[i].second;
            const auto& b = *outputs[j].second;
            if (!a || !b || *a != *b) continue;
            if (*a == "-") {
                throw UsageError(fmt::format("{} - and {} -: only one output can be standard "
                                             "output",
                                             outputs[i].first, outputs[j].first));
            }
            throw UsageError(fmt::format("{} and {} both write to {}: give each its own file",
                                         outputs[i].first, outputs[j].first, *a));
        }
    }
    if (!c.local_nets.empty() && !c.zeek_conn_file) {
        throw UsageError("--local-nets fills conn.log's local_orig and local_resp: give "
                         "--zeek-conn FILE too");
    }
}

} // namespace

std::size_t default_flow_workers() {
    constexpr std::size_t kMaxDefault = 8;
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    // The CPUs this process may use (taskset, a container's cpuset), not all the machine has.
    const auto usable = sched_getaffinity(0, sizeof cpus, &cpus) == 0
                            ? static_cast<std::size_t>(CPU_COUNT(&cpus))
                            : static_cast<std::size_t>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    return std::clamp<std::size_t>(usable > 1 ? usable - 1 : 1, 1, kMaxDefault);
}

std::string usage_text() {
    std::string text = R"(usage: pairwatch [-r FILE | -i IFACE] [options] [FILTER...]

Sources (pick one; with neither, the bundled demo capture is replayed):
  -r FILE           read a pcap or pcapng file ("-" reads standard input)
  -i IFACE          capture live on IFACE ("any" for all interfaces; needs root or
                    cap_net_raw,cap_net_admin)
  -D                list the interfaces that can be captured on

Live capture:
  -s SNAPLEN        bytes captured per packet (default 262144)
  -p                do not put the interface in promiscuous mode
  -B KIB            kernel capture buffer size in KiB
  -f EXPR           BPF filter; trailing arguments are taken as the filter too, as in tcpdump
  -Z USER           after opening the capture, drop privileges to USER (default: nobody
                    when started as root; -Z root keeps root)

Conversations:
  --max-flows N     conversations kept at once (default 1000000); when full, the longest
                    idle one ends with reason "evicted" (counted, never silent)
  --tcp-timeout S   a TCP conversation idle this long ends (default 300, as Zeek)
  --udp-timeout S   a UDP conversation idle this long ends (default 60, as Zeek)
  --linger S        a closed TCP conversation is kept this long for stragglers (default 5)
  --services FILE   extra port names, in /etc/services format (overrides IANA and
                    /etc/services)
  --hash-seed N     fix the flow table's hash seed (and flow uids): runs repeat exactly
  --no-dpi          no payload inspection: the records' "app" (the protocol nDPI finds in
                    each conversation's first packets, whatever its port) stays null
  --threads N       flow workers (at most 64): each keeps the conversations hashed to
                    it, on its own thread; the records and the report are the same as
                    with 1. Default: the CPUs usable, less one for the capture thread, at
                    most 8 (here: @DEFAULT_THREADS@)

Output:
  --json FILE       one JSON object per ended conversation ("-" for standard output)
  --zeek-conn FILE  Zeek's conn.log, tab-separated with its header ("-" for standard output)
  --csv FILE        the JSON record as CSV, a header row first ("-" for standard output)
  --local-nets CIDR,...
                    the networks conn.log's local_orig and local_resp call local, IPv4 or
                    IPv6 (10.0.0.0/8,2001:db8::/32); "private" adds the IANA special-purpose
                    blocks, as Zeek 6 and later count them by default
  --metrics [ADDR:]PORT
                    a Prometheus endpoint serving /metrics only (ADDR defaults to 127.0.0.1)
  --ipfix [tcp://]HOST:PORT
                    send flow records to an IPFIX collector (nfcapd, pmacct...; UDP unless
                    tcp://; IPFIX's port is 4739): one record per direction, bytes are IP bytes
  --ipfix-biflow    one RFC 5103 biflow record per conversation instead
  --ipfix-domain N  observation domain id of the messages (default 0), one per sensor
  --active-timeout S
                    IPFIX reports a running conversation every S seconds of packet time,
                    the part since the last report (default 60; 0: only when it ends)
  --packets         print one line per TCP/UDP packet, then the decode counters:
                      FRAME TS PROTO SRC:SPORT > DST:DPORT FLAGS LEN [frag]
  --interval S      the rolling report every S seconds (default 1; 0: only the final
                    summary). On a terminal it is a full-screen view (keys: v view, s sort,
                    p pause, ? help, q quit); otherwise a plain-text block per interval.
                    A live capture or a --replay-speed replay always reports; a file read
                    at full speed reports every S seconds of wall time only when given
  --replay-speed X  replay a file in capture time, X times faster (1: as recorded), with
                    the rolling report as if it were live
  --no-color        no colour in the full-screen view (also when NO_COLOR is set)
  -q                no report or summary (for scripts)

Watching the LAN (a server is a host:port/proto that answered a client):
  --alerts FILE     one JSON line per alert as it is raised ("-" for standard output);
                    alerts also go to the log, the report's alerts view and the summary
  --fail-on-alert   exit with status 3 when any alert was raised (batch checks of files)
  --scan-threshold N  a scan is N refused or unanswered attempts from one source to
                    distinct ports or hosts (default 15; 0: off) ...
  --scan-window S   ... within S seconds (default 300, as Zeek's scan detection)
  --servers FILE    the server inventory as JSON at exit
  --learn FILE      the same, to use later as a --baseline
  --baseline FILE   alert (new-server) on every server that is not in FILE
  --policy FILE     which services are expected where (TOML; see the README, "Policy
                    files"); a mistake in it stops the start
  --check-policy FILE
                    check a policy file and print its rules as understood, then exit:
                    0 valid (warnings go to stderr), 1 with each mistake and its line

  -h, --help        this text
  -V, --version     the version
)";
    const std::string mark = "@DEFAULT_THREADS@";
    text.replace(text.find(mark), mark.size(), std::to_string(default_flow_workers()));
    return text;
}

Config parse_options(int argc, char** argv) {
    Config c;
    static const option kLong[] = {
        {"packets", no_argument, nullptr, kOptPackets},
        {"json", required_argument, nullptr, kOptJson},
        {"max-flows", required_argument, nullptr, kOptMaxFlows},
        {"threads", required_argument, nullptr, kOptThreads},
        {"tcp-timeout", required_argument, nullptr, kOptTcpTimeout},
        {"udp-timeout", required_argument, nullptr, kOptUdpTimeout},
        {"linger", required_argument, nullptr, kOptLinger},
        {"hash-seed", required_argument, nullptr, kOptHashSeed},
        {"services", required_argument, nullptr, kOptServices},
        {"interval", required_argument, nullptr, kOptInterval},
        {"replay-speed", required_argument, nullptr, kOptReplaySpeed},
        {"no-color", no_argument, nullptr, kOptNoColor},
        {"zeek-conn", required_argument, nullptr, kOptZeekConn},
        {"csv", required_argument, nullptr, kOptCsv},
        {"local-nets", required_argument, nullptr, kOptLocalNets},
        {"alerts", required_argument, nullptr, kOptAlerts},
        {"fail-on-alert", no_argument, nullptr, kOptFailOnAlert},
        {"scan-threshold", required_argument, nullptr, kOptScanThreshold},
        {"scan-window", required_argument, nullptr, kOptScanWindow},
        {"servers", required_argument, nullptr, kOptServers},
        {"learn", required_argument, nullptr, kOptLearn},
        {"baseline", required_argument, nullptr, kOptBaseline},
        {"metrics", required_argument, nullptr, kOptMetrics},
        {"ipfix", required_argument, nullptr, kOptIpfix},
        {"ipfix-biflow", no_argument, nullptr, kOptIpfixBiflow},
        {"ipfix-domain", required_argument, nullptr, kOptIpfixDomain},
        {"active-timeout", required_argument, nullptr, kOptActiveTimeout},
        {"policy", required_argument, nullptr, kOptPolicy},
        {"check-policy", required_argument, nullptr, kOptCheckPolicy},
        {"no-dpi", no_argument, nullptr, kOptNoDpi},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {nullptr, 0, nullptr, 0},
    };
    const char* ipfix_only = nullptr; // an --ipfix-* option given, for the check at the end
    // 0, not 1: glibc then also resets its permutation state (first_nonopt, nextchar), which a
    // parse that returned early (-h) leaves behind for the next call in the same process.
    optind = 0;
    opterr = 0; // we say what went wrong ourselves, in one line
    int opt = 0;
    // GNU getopt moves the filter words to the end, so options may follow the filter
    // (`pairwatch -r x.pcap port 53 --json -`); the words keep their order.
    while ((opt = getopt_long(argc, argv, ":r:i:Ds:pB:f:Z:qhV", kLong, nullptr)) != -1) {
        switch (opt) {
        case 'r':
            c.read_file = optarg;
            break;
        case 'i':
            c.interface = optarg;
            break;
        case 'D':
            c.action = Action::ListInterfaces;
            break;
        case 's':
            c.snaplen = parse_int(optarg, "-s", 64, 262144);
            break;
        case 'p':
            c.promiscuous = false;
            break;
        case 'B':
            c.buffer_kib = parse_int(optarg, "-B", 1, 4 * 1024 * 1024);
            break;
        case 'f':
            c.filter = optarg;
            break;
        case 'Z':
            if (!user_exists(optarg)) throw UsageError(fmt::format("-Z {}: no such user", optarg));
            c.drop_to_user = optarg;
            break;
        case 'q':
            c.quiet = true;
            break;
        case kOptPackets:
            c.packets = true;
            break;
        case kOptJson:
            c.json_file = optarg;
            break;
        case kOptZeekConn:
            c.zeek_conn_file = optarg;
            break;
        case kOptCsv:
            c.csv_file = optarg;
            break;
        case kOptLocalNets:
            try {
                const services::CidrList blocks = services::parse_cidr_list(optarg);
                for (const auto& block : blocks.blocks()) c.local_nets.add(block);
            } catch (const std::invalid_argument& e) {
                throw UsageError(fmt::format("--local-nets: {} (give IPv4 or IPv6 blocks such "
                                             "as 10.0.0.0/8,2001:db8::/32, or private)",
                                             e.what()));
            }
            break;
        case kOptAlerts:
            c.alerts_file = optarg;
            break;
        case kOptFailOnAlert:
            c.fail_on_alert = true;
            break;
        case kOptScanThreshold:
            c.scan_threshold = static_cast<std::size_t>(parse_int(optarg, "--scan-threshold", 0, 100'000));
            break;
        case kOptScanWindow:
            c.scan_window_s = parse_seconds(optarg, "--scan-window", 1, 86400);
            break;
        case kOptServers:
            c.servers_file = optarg;
            break;
        case kOptLearn:
            c.learn_file = optarg;
            break;
        case kOptBaseline:
            c.baseline_file = optarg;
            break;
        case kOptPolicy:
        case kOptCheckPolicy:
            if (c.policy_file) {
                throw UsageError("--policy or --check-policy given twice: one policy file at a "
                                 "time");
            }
            c.policy_file = optarg;
            if (opt == kOptCheckPolicy) c.action = Action::CheckPolicy;
            break;
        case kOptMaxFlows:
            c.max_flows = static_cast<std::size_t>(parse_int(optarg, "--max-flows", 1, 100'000'000));
            break;
        case kOptThreads:
            c.threads = static_cast<std::size_t>(parse_int(optarg, "--threads", 1, 64));
            break;
        case kOptTcpTimeout:
            c.tcp_timeout_s = parse_seconds(optarg, "--tcp-timeout", 0.001, 86400 * 7);
            break;
        case kOptUdpTimeout:
            c.udp_timeout_s = parse_seconds(optarg, "--udp-timeout", 0.001, 86400 * 7);
            break;
        case kOptLinger:
            c.linger_s = parse_seconds(optarg, "--linger", 0, 3600);
            break;
        case kOptHashSeed:
            c.hash_seed = parse_u64(optarg, "--hash-seed");
            break;
        case kOptServices:
            c.services_file = optarg;
            break;
        case kOptInterval:
            c.interval_s = parse_seconds(optarg, "--interval", 0, 3600);
            c.interval_given = true;
            break;
        case kOptReplaySpeed:
            c.replay_speed = parse_number(optarg, "--replay-speed", 0.000001, 1e9, "a speed factor");
            break;
        case kOptNoColor:
            c.color = false;
            break;
        case kOptMetrics:
            try {
                (void)exporter::parse_bind_address(optarg); // a typo is a usage error, exit 2
            } catch (const exporter::MetricsError& e) {
                throw UsageError(e.what());
            }
            c.metrics = optarg;
            break;
        case kOptIpfix:
            try {
                (void)exporter::parse_collector(optarg);
            } catch (const std::invalid_argument& e) {
                throw UsageError(fmt::format("--ipfix: {}", e.what()));
            }
            c.ipfix = optarg;
            break;
        case kOptIpfixBiflow:
            c.ipfix_biflow = true;
            ipfix_only = "--ipfix-biflow";
            break;
        case kOptIpfixDomain: {
            const std::uint64_t domain = parse_u64(optarg, "--ipfix-domain");
            if (domain > 0xffffffffU) {
                throw UsageError(fmt::format("--ipfix-domain: '{}' is past 4294967295", optarg));
            }
            c.ipfix_domain = static_cast<std::uint32_t>(domain);
            ipfix_only = "--ipfix-domain";
            break;
        }
        case kOptActiveTimeout:
            c.active_timeout_s = parse_seconds(optarg, "--active-timeout", 0, 86400 * 7);
            ipfix_only = "--active-timeout";
            break;
        case kOptNoDpi:
            c.dpi = false;
            break;
        case 'h':
            c.action = Action::Help;
            return c;
        case 'V':
            c.action = Action::Version;
            return c;
        case ':':
            throw UsageError(fmt::format("{} needs a value", argv[optind - 1]));
        case '?':
            if (optopt == 0) {
                throw UsageError(fmt::format("unknown option {} (see pairwatch --help)",
                                             argv[optind - 1]));
            }
            throw UsageError(fmt::format("unknown option -{} (see pairwatch --help)",
                                         static_cast<char>(optopt)));
        default:
            throw UsageError("unrecognised command line (see pairwatch --help)");
        }
    }
    std::string trailing;
    for (int i = optind; i < argc; ++i) {
        if (!trailing.empty()) trailing += ' ';
        trailing += argv[i];
    }
    if (!trailing.empty()) {
        if (!c.filter.empty()) {
            throw UsageError("give the filter either with -f or as trailing arguments, not both");
        }
        c.filter = trailing;
    }
    if (c.action != Action::Run) return c;
    check_outputs(c);
    if (ipfix_only != nullptr && !c.ipfix) {
        throw UsageError(fmt::format("{} goes with --ipfix HOST:PORT", ipfix_only));
    }
    if (!c.read_file.empty() && !c.interface.empty()) {
        throw UsageError("-r and -i both given: read a file or capture live, not both");
    }
    if (c.read_file.empty() && c.interface.empty()) c.demo = true;
    if (c.replay_speed > 0 && !c.interface.empty()) {
        throw UsageError("--replay-speed paces a file (-r); a live capture runs at its own pace");
    }
    return c;
}

} // namespace pairwatch::app
