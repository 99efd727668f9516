#include "pairwatch/export/zeek_conn_writer.h"

#include "pairwatch/export/flow_record.h"
#include "pairwatch/services/flow_label.h"
#include "pairwatch/util/saturating.h"

#include <fmt/format.h>

namespace pairwatch::exporter {

namespace {

// Zeek's LogAscii defaults (separator, set_separator, empty_field, unset_field).
constexpr char kSeparator = '\t';
constexpr std::string_view kEmptyField = "(empty)";
constexpr std::string_view kUnsetField = "-";

void append_hex_escape(std::string& out, unsigned char c) {
    fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
}

void append_bool(std::string& out, bool b) {
    out += b ? 'T' : 'F';
}

template <typename T> void append_number(std::string& out, T n) {
    fmt::format_to(std::back_inserter(out), "{}", n);
}

} // namespace

void append_zeek_string(std::string& out, std::string_view text) {
    if (text.empty()) {
        out += kEmptyField;
        return;
    }
    // A value that is exactly the unset or the empty marker would read back as one: Zeek
    // escapes its first character (escapeReservedContent in its Ascii formatter).
    std::size_t from = 0;
    if (text == kUnsetField || text == kEmptyField) {
        append_hex_escape(out, static_cast<unsigned char>(text[0]));
        from = 1;
    }
    for (const char ch : text.substr(from)) {
        const auto c = static_cast<unsigned char>(ch);
        // ODesc::FirstEscapeLoc: not isprint() in the C locale, or a backslash.
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            append_hex_escape(out, c);
        } else {
            out += ch;
        }
    }
}

std::string zeek_log_time(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}-{:02}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string zeek_conn_header(std::time_t opened) {
    // The first line spells the separator out with a space after the key, since the separator
    // itself is what it announces; the others are key, tab, value.
    std::string h = "#separator \\x09\n";
    h += "#set_separator\t,\n";
    h += fmt::format("#empty_field\t{}\n", kEmptyField);
    h += fmt::format("#unset_field\t{}\n", kUnsetField);
    h += "#path\tconn\n";
    h += fmt::format("#open\t{}\n", zeek_log_time(opened));
    h += "#fields";
    for (const std::string_view f : kZeekConnFields) {
        h += kSeparator;
        h += f;
    }
    h += "\n#types";
    for (const std::string_view t : kZeekConnTypes) {
        h += kSeparator;
        h += t;
    }
    h += '\n';
    return h;
}

std::string flow_to_zeek_conn(const flow::Flow& f, const services::ServiceRegistry& registry,
                              std::uint64_t uid_seed, const services::CidrList& local_nets) {
    const services::FlowLabel label = services::label_flow(f, registry);
    const std::uint64_t orig_bytes = f.orig().payload_bytes;
    const std::uint64_t resp_bytes = f.resp().payload_bytes;
    // Zeek's set_conn() sets duration and both byte counts only when the duration is above 0.
    const bool has_duration = f.last_ns > f.first_ns;
    std::string o;
    o.reserve(256);
    auto sep = [&o] { o += kSeparator; };

    append_epoch_seconds(o, f.first_ns);
    sep();
    o += flow::flow_uid(f, uid_seed);
    sep();
    // One-argument to_string: an IPv4-mapped IPv6 address as IPv4, as Zeek holds and prints it.
    o += decode::to_string(f.orig_addr());
    sep();
    append_number(o, f.orig_port());
    sep();
    o += decode::to_string(f.resp_addr());
    sep();
    append_number(o, f.resp_port());
    sep();
    o += f.is_tcp() ? "tcp" : "udp";
    sep();
    if (label.service) {
        // Zeek lower-cases its service names (to_lower in set_conn); so do we.
        std::string name(label.service->name);
        for (char& ch : name) {
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        }
        append_zeek_string(o, name);
    } else {
        o += kUnsetField;
    }
    sep();
    if (has_duration) {
        append_epoch_seconds(o, util::saturating_sub(f.last_ns, f.first_ns));
        sep();
        append_number(o, orig_bytes);
        sep();
        append_number(o, resp_bytes);
    } else {
        o += kUnsetField;
        sep();
        o += kUnsetField;
        sep();
        o += kUnsetField;
    }
    sep();
    o += flow::to_string(f.tcp.conn_state(f.orig_side(), f.is_tcp(), orig_bytes, resp_bytes));
    sep();
    if (local_nets.empty()) {
        o += kUnsetField;
        sep();
        o += kUnsetField;
    } else {
        append_bool(o, local_nets.contains(f.orig_addr()));
        sep();
        append_bool(o, local_nets.contains(f.resp_addr()));
    }
    sep();
    o += '0'; // missed_bytes: see the header
    sep();
    const std::string history = f.tcp.history(f.orig_side());
    if (history.empty()) {
        o += kUnsetField; // Zeek sets history only when it is not ""
    } else {
        append_zeek_string(o, history);
    }
    sep();
    append_number(o, f.orig().packets.get());
    sep();
    append_number(o, f.orig().ip_bytes.get());
    sep();
    append_number(o, f.resp().packets.get());
    sep();
    append_number(o, f.resp().ip_bytes.get());
    sep();
    o += kUnsetField; // tunnel_parents
    return o;
}

ZeekConnWriter::ZeekConnWriter(std::unique_ptr<OutputFile> out,
                               const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                               services::CidrList local_nets, Clock clock)
    : FileSink(std::move(out)), registry_(registry), uid_seed_(uid_seed),
      local_nets_(std::move(local_nets)), clock_(clock) {
    this->out().write(zeek_conn_header(clock_()));
}

void ZeekConnWriter::write_flow(const flow::Flow& flow, flow::EndReason /*why*/,
                                std::string_view /*app*/) {
    std::string line = flow_to_zeek_conn(flow, registry_, uid_seed_, local_nets_);
    line += '\n';
    out().write(line);
}

void ZeekConnWriter::reopen() {
    out().write(fmt::format("#close\t{}\n", zeek_log_time(clock_())));
    out().reopen();
    out().write(zeek_conn_header(clock_()));
}

void ZeekConnWriter::on_finish() {
    if (!closed_) {
        closed_ = true;
        out().write(fmt::format("#close\t{}\n", zeek_log_time(clock_())));
    }
    FileSink::on_finish();
}

} // namespace pairwatch::exporter
