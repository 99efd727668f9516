#include "pairwatch/export/json_writer.h"

#include "pairwatch/export/flow_record.h"

#include "flow_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>

namespace pairwatch::exporter {

namespace {

constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> t{};
    for (std::size_t c = 0; c < 0x20; ++c) t[c] = true;
    t['"'] = t['\\'] = t[0x7f] = true;
    return t;
}();

/// `{"uid":`, `,"ts":`, ...: each field's key with what comes before and after it, put
/// together once, so a record appends one piece per key.
const std::array<std::string, FlowRecord::kFieldCount>& key_prefixes() {
    static const auto prefixes = [] {
        std::array<std::string, FlowRecord::kFieldCount> p;
        for (std::size_t i = 0; i < p.size(); ++i) {
            // Plain identifiers: nothing to escape.
            p[i] = std::string(i == 0 ? "{\"" : ",\"") + std::string(FlowRecord::kFieldNames[i]) + "\":";
        }
        return p;
    }();
    return prefixes;
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    // Runs that need no escape (nearly all text) go in whole; a character at a time was a
    // fifth of a record's cost.
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!kNeedsEscape[c]) continue;
        out.append(text.substr(run, i - run));
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        }
    }
    out.append(text.substr(run));
    out += '"';
}

namespace {

/// Writes each field straight into the line, after its key.
class JsonFields {
public:
    explicit JsonFields(std::string& o) : o_(o) {}
    void null() {
        key();
        o_ += "null";
    }
    void number(std::uint64_t n) {
        key();
        const fmt::format_int digits(n);
        o_.append(digits.data(), digits.size());
    }
    void seconds(std::int64_t ns) {
        key();
        append_epoch_seconds(o_, ns);
    }
    void plain(std::string_view text) {
        assert(std::none_of(text.begin(), text.end(),
                            [](char c) { return kNeedsEscape[static_cast<unsigned char>(c)]; }));
        key();
        o_ += '"';
        o_ += text;
        o_ += '"';
    }
    void text(std::string_view text) {
        key();
        append_json_string(o_, text);
    }
    [[nodiscard]] std::size_t fields() const { return next_; }

private:
    void key() { o_ += prefixes_[next_++]; }

    std::string& o_;
    const std::array<std::string, FlowRecord::kFieldCount>& prefixes_ = key_prefixes();
    std::size_t next_ = 0;
};

} // namespace

void append_flow_json(std::string& o, const flow::Flow& f, flow::EndReason why,
                      const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                      std::string_view app) {
    JsonFields fields(o);
    visit_flow_fields(f, why, registry, uid_seed, app, fields);
    assert(fields.fields() == FlowRecord::kFieldCount);
    o += '}';
}

std::string flow_to_json(const flow::Flow& f, flow::EndReason why,
                         const services::ServiceRegistry& registry, std::uint64_t uid_seed,
                         std::string_view app) {
    std::string o;
    append_flow_json(o, f, why, registry, uid_seed, app);
    return o;
}

JsonWriter::JsonWriter(std::unique_ptr<OutputFile> out, const services::ServiceRegistry& registry,
                       std::uint64_t uid_seed, const flow::AppLookup* apps)
    : FileSink(std::move(out), apps), registry_(registry), uid_seed_(uid_seed) {}

void JsonWriter::write_flow(const flow::Flow& flow, flow::EndReason why, std::string_view app) {
    // One buffer for every line: its capacity stays, so a record costs no allocation here.
    line_.clear();
    append_flow_json(line_, flow, why, registry_, uid_seed_, app);
    line_ += '\n';
    out().write(line_);
}

} // namespace pairwatch::exporter
