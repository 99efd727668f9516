// Runs pairwatch with its file outputs (--json, --zeek-conn, --csv) into a scratch directory and
// reads each back the way its consumers do: JSON lines, Zeek's TSV log, RFC 4180 CSV.
#pragma once

#include "support/process.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pairwatch::testing {

/// A directory under the temp directory, removed with everything in it when the test ends.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& tag);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// A Zeek ASCII log split into its parts. Lines are kept without their '\n'.
struct ZeekLog {
    std::vector<std::string> header; // the '#' lines before the first row
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> footer; // the '#' lines after the rows (#close)
    std::vector<std::string> fields; // the #fields names
    bool ends_with_newline = false;
};
ZeekLog read_zeek_log(const std::string& path);

/// A value of a Zeek log read back: \xNN escapes turned into their bytes.
std::string zeek_unescape(const std::string& text);

/// One CSV field, and whether it was quoted: an unquoted empty field is a null.
struct CsvField {
    std::string text;
    bool quoted = false;
};
/// RFC 4180: fields split on commas, quoted fields may hold commas, "" and line breaks. `error`
/// says what broke the grammar, if anything did.
std::vector<std::vector<CsvField>> parse_csv(const std::string& text, std::string* error);

/// JSON lines, each an object with its keys in file order.
std::vector<nlohmann::ordered_json> read_json_lines(const std::string& path);

std::string read_file(const std::string& path);

/// An IPv4-mapped IPv6 address as Zeek prints it ("::ffff:192.0.2.1" -> "192.0.2.1").
std::string zeek_addr(const std::string& json_addr);

} // namespace pairwatch::testing
