#include "pairwatch/export/ipfix_encoder.h"

#include <algorithm>
#include <array>
#include <cassert>

namespace pairwatch::exporter {

namespace {

// IANA "IPFIX Information Elements" numbers.
namespace ie {
constexpr std::uint16_t kOctetDeltaCount = 1;
constexpr std::uint16_t kPacketDeltaCount = 2;
constexpr std::uint16_t kProtocolIdentifier = 4;
constexpr std::uint16_t kTcpControlBits = 6;
constexpr std::uint16_t kSourceTransportPort = 7;
constexpr std::uint16_t kSourceIpv4Address = 8;
constexpr std::uint16_t kDestinationTransportPort = 11;
constexpr std::uint16_t kDestinationIpv4Address = 12;
constexpr std::uint16_t kSourceIpv6Address = 27;
constexpr std::uint16_t kDestinationIpv6Address = 28;
constexpr std::uint16_t kVlanId = 58;
constexpr std::uint16_t kFlowEndReason = 136;
constexpr std::uint16_t kFlowStartMilliseconds = 152;
constexpr std::uint16_t kFlowEndMilliseconds = 153;
} // namespace ie

constexpr std::uint16_t kVersion = 10;
constexpr std::uint16_t kTemplateSetId = 2;
constexpr std::uint16_t kEnterpriseBit = 0x8000;
// Room for the header, the largest template set and one of the largest records, with margin.
constexpr std::size_t kMinMessageBytes = 512;
constexpr std::size_t kMaxMessageBytes = 65535; // the header's length field is 16 bits

struct Field {
    std::uint16_t id;
    std::uint16_t length;
    bool reverse = false; // RFC 5103: the same IE for the reverse direction, PEN 29305
};

// One list per template; records are written by walking the same list, so a template and its
// records cannot disagree. tcpControlBits is unsigned16 since RFC 7125; 8-byte counters and
// timestamps are the IEs' full sizes (no reduced-size encoding to trip a collector).
constexpr std::array<Field, 12> kIpv4Fields{{
    {ie::kFlowStartMilliseconds, 8},
    {ie::kFlowEndMilliseconds, 8},
    {ie::kSourceIpv4Address, 4},
    {ie::kDestinationIpv4Address, 4},
    {ie::kSourceTransportPort, 2},
    {ie::kDestinationTransportPort, 2},
    {ie::kProtocolIdentifier, 1},
    {ie::kTcpControlBits, 2},
    {ie::kFlowEndReason, 1},
    {ie::kVlanId, 2},
    {ie::kPacketDeltaCount, 8},
    {ie::kOctetDeltaCount, 8},
}};
/// The IPv4 fields with the IPv6 addresses in place of the IPv4 ones: the same order otherwise.
constexpr std::array<Field, 12> with_ipv6_addresses(std::array<Field, 12> fields) {
    for (Field& f : fields) {
        if (f.id == ie::kSourceIpv4Address) f = {ie::kSourceIpv6Address, 16};
        if (f.id == ie::kDestinationIpv4Address) f = {ie::kDestinationIpv6Address, 16};
    }
    return fields;
}
constexpr std::array<Field, 12> kIpv6Fields = with_ipv6_addresses(kIpv4Fields);
constexpr std::array<Field, 3> kReverseFields{{
    {ie::kPacketDeltaCount, 8, true},
    {ie::kOctetDeltaCount, 8, true},
    {ie::kTcpControlBits, 2, true},
}};

/// The fields of a template: the address family's list, then the reverse fields for biflow.
struct TemplateFields {
    std::span<const Field> base;
    std::span<const Field> reverse;
};

TemplateFields fields_of(std::uint16_t template_id) {
    switch (template_id) {
    case kTemplateIpv4: return {kIpv4Fields, {}};
    case kTemplateIpv6: return {kIpv6Fields, {}};
    case kTemplateBiflowIpv4: return {kIpv4Fields, kReverseFields};
    case kTemplateBiflowIpv6: return {kIpv6Fields, kReverseFields};
    default: break;
    }
    assert(false && "unknown template id");
    return {};
}

std::uint16_t template_of(const IpfixRecord& r, bool biflow) {
    if (biflow) return r.ipv6 ? kTemplateBiflowIpv6 : kTemplateBiflowIpv4;
    return r.ipv6 ? kTemplateIpv6 : kTemplateIpv4;
}

// Big-endian appends and patches, built byte by byte: no punning, no alignment assumptions.
void put_be(std::vector<std::uint8_t>& out, std::uint64_t value, std::size_t bytes) {
    for (std::size_t i = bytes; i > 0; --i) {
        out.push_back(static_cast<std::uint8_t>(value >> (8 * (i - 1))));
    }
}
void patch_be(std::vector<std::uint8_t>& out, std::size_t at, std::uint64_t value,
              std::size_t bytes) {
    assert(at + bytes <= out.size());
    for (std::size_t i = 0; i < bytes; ++i) {
        out[at + i] = static_cast<std::uint8_t>(value >> (8 * (bytes - 1 - i)));
    }
}

void put_field(std::vector<std::uint8_t>& out, const Field& f, const IpfixRecord& r) {
    if (f.reverse) {
        switch (f.id) {
        case ie::kPacketDeltaCount: put_be(out, r.reverse_packets, f.length); return;
        case ie::kOctetDeltaCount: put_be(out, r.reverse_octets, f.length); return;
        case ie::kTcpControlBits: put_be(out, r.reverse_tcp_flags, f.length); return;
        default: break;
        }
        assert(false && "no value for this reverse IE");
        return;
    }
    switch (f.id) {
    case ie::kFlowStartMilliseconds: put_be(out, r.start_ms, f.length); return;
    case ie::kFlowEndMilliseconds: put_be(out, r.end_ms, f.length); return;
    case ie::kSourceIpv4Address: put_be(out, r.src.v4(), f.length); return;
    case ie::kDestinationIpv4Address: put_be(out, r.dst.v4(), f.length); return;
    case ie::kSourceIpv6Address:
        out.insert(out.end(), r.src.bytes.begin(), r.src.bytes.end());
        return;
    case ie::kDestinationIpv6Address:
        out.insert(out.end(), r.dst.bytes.begin(), r.dst.bytes.end());
        return;
    case ie::kSourceTransportPort: put_be(out, r.src_port, f.length); return;
    case ie::kDestinationTransportPort: put_be(out, r.dst_port, f.length); return;
    case ie::kProtocolIdentifier: put_be(out, r.protocol, f.length); return;
    case ie::kTcpControlBits: put_be(out, r.tcp_flags, f.length); return;
    case ie::kFlowEndReason: put_be(out, static_cast<std::uint8_t>(r.end_reason), f.length); return;
    case ie::kVlanId: put_be(out, r.vlan, f.length); return;
    case ie::kPacketDeltaCount: put_be(out, r.packets, f.length); return;
    case ie::kOctetDeltaCount: put_be(out, r.octets, f.length); return;
    default: break;
    }
    assert(false && "no value for this IE");
}

void put_template(std::vector<std::uint8_t>& out, std::uint16_t template_id) {
    const TemplateFields t = fields_of(template_id);
    put_be(out, template_id, 2);
    put_be(out, t.base.size() + t.reverse.size(), 2);
    for (const Field& f : t.base) {
        put_be(out, f.id, 2);
        put_be(out, f.length, 2);
    }
    for (const Field& f : t.reverse) {
        put_be(out, static_cast<std::uint16_t>(f.id | kEnterpriseBit), 2);
        put_be(out, f.length, 2);
        put_be(out, kReversePen, 4);
    }
}

} // namespace

std::size_t IpfixEncoder::record_bytes(std::uint16_t template_id) {
    const TemplateFields t = fields_of(template_id);
    std::size_t n = 0;
    for (const Field& f : t.base) n += f.length;
    for (const Field& f : t.reverse) n += f.length;
    return n;
}

IpfixEncoder::IpfixEncoder(IpfixEncoderOptions options) : options_(options) {
    options_.max_message_bytes =
        std::clamp(options_.max_message_bytes, kMinMessageBytes, kMaxMessageBytes);
    message_.reserve(options_.max_message_bytes);
}

void IpfixEncoder::write_header(std::vector<std::uint8_t>& out) const {
    // Length, export time and sequence number are patched in by complete_header().
    put_be(out, kVersion, 2);
    put_be(out, 0, 2);
    put_be(out, 0, 4);
    put_be(out, 0, 4);
    put_be(out, options_.observation_domain_id, 4);
}

void IpfixEncoder::complete_header(std::vector<std::uint8_t>& out,
                                   std::uint32_t export_time_s) const {
    assert(out.size() <= options_.max_message_bytes);
    patch_be(out, 2, out.size(), 2);
    patch_be(out, 4, export_time_s, 4);
    // RFC 7011 3.1: data records sent before this message, modulo 2^32.
    patch_be(out, 8, records_finished_ & 0xffffffffU, 4);
}

void IpfixEncoder::write_templates(std::vector<std::uint8_t>& out) const {
    // RFC 7011 3.4.1: one template set, both address families, so either kind of record that
    // follows (in this or a later message) can be read.
    const std::size_t start = out.size();
    put_be(out, kTemplateSetId, 2);
    put_be(out, 0, 2);
    if (options_.biflow) {
        put_template(out, kTemplateBiflowIpv4);
        put_template(out, kTemplateBiflowIpv6);
    } else {
        put_template(out, kTemplateIpv4);
        put_template(out, kTemplateIpv6);
    }
    patch_be(out, start + 2, out.size() - start, 2);
}

void IpfixEncoder::begin_message() {
    assert(message_.empty());
    write_header(message_);
    templates_in_message_ = templates_due_;
    if (templates_due_) {
        write_templates(message_);
        templates_due_ = false;
    }
}

std::vector<std::uint8_t> IpfixEncoder::templates_message(std::uint32_t export_time_s) const {
    std::vector<std::uint8_t> out;
    write_header(out);
    write_templates(out);
    complete_header(out, export_time_s);
    return out;
}

void IpfixEncoder::close_set() {
    if (set_template_ == 0) return;
    // No padding (RFC 7011 3.3.1 makes it optional): the set length covers the records exactly.
    patch_be(message_, set_start_ + 2, message_.size() - set_start_, 2);
    set_template_ = 0;
}

bool IpfixEncoder::add(const IpfixRecord& record) {
    const std::uint16_t id = template_of(record, options_.biflow);
    const std::size_t bytes = record_bytes(id);
    if (message_.empty()) begin_message();
    const std::size_t set_header = set_template_ == id ? 0 : kSetHeaderBytes;
    if (message_.size() + set_header + bytes > options_.max_message_bytes) {
        // An empty message always has room: the minimum size is above header + templates +
        // set header + the largest record.
        assert(records_in_message_ > 0);
        return false;
    }
    if (set_template_ != id) {
        close_set();
        set_start_ = message_.size();
        set_template_ = id;
        put_be(message_, id, 2); // a data set's id is its template's id
        put_be(message_, 0, 2);
    }
    const TemplateFields t = fields_of(id);
    for (const Field& f : t.base) put_field(message_, f, record);
    for (const Field& f : t.reverse) put_field(message_, f, record);
    ++records_in_message_;
    return true;
}

std::vector<std::uint8_t> IpfixEncoder::finish(std::uint32_t export_time_s) {
    if (message_.empty()) {
        if (!templates_due_) return {};
        begin_message(); // a message of templates alone (a new TCP connection, say)
    }
    close_set();
    complete_header(message_, export_time_s);
    records_finished_ += records_in_message_;
    records_in_message_ = 0;
    templates_in_message_ = false;
    std::vector<std::uint8_t> done;
    done.reserve(options_.max_message_bytes);
    done.swap(message_);
    return done;
}

} // namespace pairwatch::exporter
