#include "pairwatch/services/services_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <stdexcept>

namespace pairwatch::services {

namespace {

constexpr std::string_view kSpace = " \t\r\f\v";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

/// The next whitespace-separated token of `rest`, which shrinks past it.
std::string_view next_token(std::string_view& rest) {
    rest = trim(rest);
    const auto end = std::min(rest.find_first_of(kSpace), rest.size());
    const auto token = rest.substr(0, end);
    rest.remove_prefix(end);
    return token;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

enum class LineKind : std::uint8_t { Blank, Entry, OtherTransport };

/// Parses one line; returns what it held or throws std::invalid_argument saying what is wrong.
LineKind parse_line(std::string_view line, ServicesFileEntry& entry) {
    std::string_view comment;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
        comment = trim(line.substr(hash + 1));
        line = line.substr(0, hash);
    }
    std::string_view rest = line;
    const auto name = next_token(rest);
    if (name.empty()) {
        return LineKind::Blank;
    }
    const auto port_proto = next_token(rest);
    if (port_proto.empty()) {
        throw std::invalid_argument(fmt::format("service '{}' has no PORT/PROTO", name));
    }
    const auto slash = port_proto.find('/');
    if (slash == std::string_view::npos) {
        throw std::invalid_argument(fmt::format("expected PORT/PROTO, got '{}'", port_proto));
    }
    const auto port_text = port_proto.substr(0, slash);
    const auto proto_text = lower(port_proto.substr(slash + 1));
    if (port_text.empty() || port_text.size() > 9 ||
        !std::all_of(port_text.begin(), port_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
        throw std::invalid_argument(fmt::format("bad port '{}' in '{}'", port_text, port_proto));
    }
    std::uint32_t port = 0;
    for (const char c : port_text) {
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port > 65535) {
        throw std::invalid_argument(fmt::format("port {} is past 65535", port));
    }
    if (proto_text == "tcp") {
        entry.proto = Proto::Tcp;
    } else if (proto_text == "udp") {
        entry.proto = Proto::Udp;
    } else if (proto_text == "sctp" || proto_text == "dccp" || proto_text == "ddp") {
        // Real transports (Debian's /etc/services lists ddp and sctp ports), just not ours.
        return LineKind::OtherTransport;
    } else {
        throw std::invalid_argument(
            fmt::format("unknown protocol '{}' in '{}' (expected tcp or udp)",
                        port_proto.substr(slash + 1), port_proto));
    }
    entry.name = std::string(name);
    entry.port = static_cast<std::uint16_t>(port);
    entry.description = std::string(comment); // aliases, the rest of the line, are not used
    return LineKind::Entry;
}

} // namespace

ServicesFile parse_services(std::istream& in, std::string_view file_name,
                            OnMalformed on_malformed) {
    ServicesFile out;
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        ServicesFileEntry entry;
        try {
            switch (parse_line(line, entry)) {
            case LineKind::Blank:
                break;
            case LineKind::Entry:
                entry.line = line_no;
                out.entries.push_back(std::move(entry));
                break;
            case LineKind::OtherTransport:
                ++out.other_transport;
                break;
            }
        } catch (const std::invalid_argument& e) {
            auto what = fmt::format("{}:{}: {}", file_name, line_no, e.what());
            if (on_malformed == OnMalformed::Throw) {
                throw std::runtime_error(what);
            }
            if (out.malformed++ == 0) {
                out.first_error = std::move(what);
            }
        }
    }
    if (in.bad()) {
        throw std::runtime_error(fmt::format("{}:{}: read error", file_name, line_no));
    }
    return out;
}

ServicesFile read_services_file(const std::filesystem::path& path, OnMalformed on_malformed) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error(
            fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
    }
    return parse_services(in, path.string(), on_malformed);
}

} // namespace pairwatch::services
