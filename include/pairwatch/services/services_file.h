// A parser for the /etc/services format (services(5)): `name port/proto [aliases...] [# comment]`.
// The comment, when there is one, becomes the description.
#pragma once

#include "pairwatch/services/proto.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace pairwatch::services {

struct ServicesFileEntry {
    std::string name;
    std::uint16_t port = 0;
    Proto proto = Proto::Tcp;
    std::string description; // the line's comment, trimmed; may be empty
    std::size_t line = 0;    // 1-based
};

struct ServicesFile {
    std::vector<ServicesFileEntry> entries; // in file order, duplicates included
    std::size_t malformed = 0;              // lines skipped (OnMalformed::Skip only)
    std::size_t other_transport = 0;        // well-formed sctp, dccp, ddp lines: not tracked
    std::string first_error;                // "FILE:LINE: what", for a log line
};

enum class OnMalformed : std::uint8_t {
    Skip,  // count and go on: for /etc/services, which is not ours to fix
    Throw, // std::runtime_error("FILE:LINE: what is wrong"): for the user's own file
};

/// `file_name` only labels errors.
[[nodiscard]] ServicesFile parse_services(std::istream& in, std::string_view file_name,
                                          OnMalformed on_malformed);
/// Throws std::runtime_error("FILE: cannot open: reason") when the file cannot be read.
[[nodiscard]] ServicesFile read_services_file(const std::filesystem::path& path,
                                              OnMalformed on_malformed);

} // namespace pairwatch::services
