#include "pairwatch/app/config.h"

#include <getopt.h>

#include <charconv>
#include <fmt/format.h>

namespace pairwatch::app {

namespace {

enum LongOnly : int {
    kOptPackets = 256,
    kOptHelp,
    kOptVersion,
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

} // namespace

std::string usage_text() {
    return R"(usage: pairwatch [-r FILE | -i IFACE] [options] [FILTER...]

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

Output:
  --packets         print one line per TCP/UDP packet, then the decode counters:
                      FRAME TS PROTO SRC:SPORT > DST:DPORT FLAGS LEN [frag]
  -q                no console report

  -h, --help        this text
  -V, --version     the version
)";
}

Config parse_options(int argc, char** argv) {
    Config c;
    static const option kLong[] = {
        {"packets", no_argument, nullptr, kOptPackets},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {nullptr, 0, nullptr, 0},
    };
    optind = 1;
    opterr = 0; // we say what went wrong ourselves, in one line
    int opt = 0;
    // "+": stop at the first non-option so a trailing filter like "port 53" stays whole.
    while ((opt = getopt_long(argc, argv, "+:r:i:Ds:pB:f:Z:qhV", kLong, nullptr)) != -1) {
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
            c.drop_to_user = optarg;
            break;
        case 'q':
            c.quiet = true;
            break;
        case kOptPackets:
            c.packets = true;
            break;
        case 'h':
            c.action = Action::Help;
            return c;
        case 'V':
            c.action = Action::Version;
            return c;
        case ':':
            throw UsageError(fmt::format("{} needs a value", argv[optind - 1]));
        default:
            throw UsageError(fmt::format("unknown option {} (see pairwatch --help)",
                                         optopt != 0 ? fmt::format("-{}", char(optopt))
                                                     : std::string(argv[optind - 1])));
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
    if (!c.read_file.empty() && !c.interface.empty()) {
        throw UsageError("-r and -i both given: read a file or capture live, not both");
    }
    if (c.read_file.empty() && c.interface.empty()) c.demo = true;
    return c;
}

} // namespace pairwatch::app
