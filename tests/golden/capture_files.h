// The captures the golden and differential tests run over, and parsing of --packets output.
#pragma once

#include "support/test_captures.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pairwatch::testing {

/// One `--packets` line.
struct PacketLine {
    std::uint64_t frame = 0;
    std::string proto; // "TCP" or "UDP"
    std::string src, dst; // addresses without brackets
    std::string sport, dport;
    std::string flags; // "[S.]" or "-"
    std::string len;
    bool frag = false;
};

/// The lines before the blank line that starts the counters, by frame number.
std::map<std::uint64_t, PacketLine> parse_packet_lines(const std::string& output);

/// "1-93,101,105-107" -> {1..93, 101, 105, 106, 107}
std::set<std::uint64_t> parse_frame_list(const std::string& text);

/// Reads a TSV with '#' comments; each row split on tabs.
std::vector<std::vector<std::string>> read_tsv(const std::string& path);

} // namespace pairwatch::testing
