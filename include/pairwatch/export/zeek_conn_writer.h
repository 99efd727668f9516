// --zeek-conn: Zeek's conn.log in the tab-separated form of Zeek's ASCII writer (the #separator,
// #fields and #types header, one row per ended flow, #close), so zeek-cut and conn.log parsers
// read it as they read Zeek's own.
//
// Where pairwatch knows less than Zeek, the column says so the way Zeek would:
// - service: Zeek's is what its protocol analyzers confirmed ("ssl" for TLS on any port);
//   ours is the name of the port (the JSON record's service, lower case as Zeek writes it:
//   "https" on 443), `-` when the port has no name.
// - local_orig, local_resp: T/F from --local-nets; `-` without it, as Zeek with an empty
//   Site::local_nets (`--local-nets private` is Zeek 6+'s default).
// - missed_bytes is 0 (no reassembly, no content gaps measured); tunnel_parents is `-` (a
//   tunnel's outer connection is not a record of its own).
// - duration, orig_bytes and resp_bytes are `-` when the duration is 0, as Zeek leaves them.
// The columns are the 21 Zeek wrote up to 7.0; 7.1 appended ip_proto, which readers that go by
// #fields (zeek-cut, Zeek's own input framework) do not miss.
#pragma once

#include "pairwatch/export/file_sink.h"
#include "pairwatch/services/cidr.h"
#include "pairwatch/services/service_registry.h"

#include <array>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

namespace pairwatch::exporter {

inline constexpr std::array<std::string_view, 21> kZeekConnFields = {
    "ts",         "uid",           "id.orig_h",      "id.orig_p",  "id.resp_h",  "id.resp_p",
    "proto",      "service",       "duration",       "orig_bytes", "resp_bytes", "conn_state",
    "local_orig", "local_resp",    "missed_bytes",   "history",    "orig_pkts",  "orig_ip_bytes",
    "resp_pkts",  "resp_ip_bytes", "tunnel_parents",
};
inline constexpr std::array<std::string_view, 21> kZeekConnTypes = {
    "time",   "string",   "addr",  "port",  "addr",   "port",  "enum",
    "string", "interval", "count", "count", "string", "bool",  "bool",
    "count",  "string",   "count", "count", "count",  "count", "set[string]",
};

/// Appends `text` as Zeek's ASCII writer writes a string or enum field: `(empty)` for "", the
/// first character as \xNN when the whole value would read as `-` or `(empty)`, and \xNN for
/// a backslash and every byte that is not printable ASCII (the tab separator among them).
void append_zeek_string(std::string& out, std::string_view text);

/// `t` as "%Y-%m-%d-%H-%M-%S" in local time: how Zeek stamps #open and #close.
[[nodiscard]] std::string zeek_log_time(std::time_t t);

/// The header, #separator to #types, each line ending in '\n'.
[[nodiscard]] std::string zeek_conn_header(std::time_t opened);

/// One conn.log row, no newline. `local_nets` empty: local_orig and local_resp are unset.
[[nodiscard]] std::string flow_to_zeek_conn(const flow::Flow& flow,
                                            const services::ServiceRegistry& registry,
                                            std::uint64_t uid_seed,
                                            const services::CidrList& local_nets);

class ZeekConnWriter final : public FileSink {
public:
    using Clock = std::time_t (*)();

    /// Writes the header at once (#open is now, by `clock`), as Zeek opens a log.
    ZeekConnWriter(std::unique_ptr<OutputFile> out, const services::ServiceRegistry& registry,
                   std::uint64_t uid_seed, services::CidrList local_nets,
                   Clock clock = &wall_clock);
    /// Zeek's conn.log has no app field: `app` goes unused.
    void write_flow(const flow::Flow& flow, flow::EndReason why, std::string_view app) override;
    /// Writes #close (once: a later call only flushes), then flushes.
    void on_finish() override;
    /// As Zeek rotates a log: #close ends the old one, a new header (#open now) starts the next,
    /// in the new file, or after the #close when the file could not be opened again.
    void reopen() override;

    static std::time_t wall_clock() { return std::time(nullptr); }

private:
    const services::ServiceRegistry& registry_;
    std::uint64_t uid_seed_;
    services::CidrList local_nets_;
    Clock clock_;
    bool closed_ = false;
};

} // namespace pairwatch::exporter
