#include "capture_files.h"

#include "support/process.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pairwatch::testing {

std::map<std::uint64_t, PacketLine> parse_packet_lines(const std::string& output) {
    std::map<std::uint64_t, PacketLine> lines;
    std::istringstream in(output);
    std::string line;
    auto split_endpoint = [](const std::string& e, std::string& host, std::string& port) {
        const auto colon = e.rfind(':');
        host = e.substr(0, colon);
        port = e.substr(colon + 1);
        if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
    };
    while (std::getline(in, line) && !line.empty()) {
        std::istringstream fields(line);
        PacketLine p;
        std::string ts, src, arrow, dst, extra;
        fields >> p.frame >> ts >> p.proto >> src >> arrow >> dst >> p.flags >> p.len;
        if (fields >> extra) p.frag = extra == "frag";
        split_endpoint(src, p.src, p.sport);
        split_endpoint(dst, p.dst, p.dport);
        lines[p.frame] = p;
    }
    return lines;
}

std::set<std::uint64_t> parse_frame_list(const std::string& text) {
    std::set<std::uint64_t> frames;
    std::istringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        const auto dash = part.find('-');
        const std::uint64_t first = std::stoull(part.substr(0, dash));
        const std::uint64_t last = dash == std::string::npos ? first : std::stoull(part.substr(dash + 1));
        for (std::uint64_t f = first; f <= last; ++f) frames.insert(f);
    }
    return frames;
}

std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> row;
        std::istringstream fields(line);
        std::string field;
        while (std::getline(fields, field, '\t')) row.push_back(field);
        rows.push_back(row);
    }
    return rows;
}

} // namespace pairwatch::testing
