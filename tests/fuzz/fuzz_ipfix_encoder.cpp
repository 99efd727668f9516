// fuzz_ipfix_encoder: flow records built from the input through IpfixEncoder, and every message
// read back by a small reader of its own (RFC 7011), written from the RFC rather than from the
// encoder, so the two cannot share a mistake.
//
// Input: a flags byte (bit 0: biflow), the observation domain (4 bytes), the message size limit
// (2 bytes), then operations until the input runs out: an opcode byte, and for a record its
// fields (see read_record). The reader checks each message: header (version, length, export
// time, sequence number, domain), sets that tile the message exactly, templates that match
// IpfixEncoder::record_bytes(), data sets whose template came before, and records that decode
// to the records added, in order, each exactly once.
#include "fuzz_check.h"
#include "pairwatch/decode/byte_reader.h"
#include "pairwatch/decode/packet_info.h"
#include "pairwatch/export/ipfix_encoder.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace {

using namespace pairwatch;
using decode::ByteReader;
using exporter::IpfixRecord;

std::optional<std::uint64_t> be64(ByteReader& r) {
    const auto hi = r.be32();
    const auto lo = r.be32();
    if (!hi || !lo) return std::nullopt;
    return std::uint64_t{*hi} << 32 | *lo;
}

std::optional<decode::IpAddress> address(ByteReader& r, bool ipv6) {
    if (!ipv6) {
        const auto v4 = r.be32();
        if (!v4) return std::nullopt;
        return decode::IpAddress::from_v4(*v4);
    }
    const auto b = r.bytes(16);
    if (!b) return std::nullopt;
    decode::IpAddress a;
    for (std::size_t i = 0; i < 16; ++i) a.bytes[i] = std::to_integer<std::uint8_t>((*b)[i]);
    return a;
}

/// A record as the exporter builds one: IPv4 addresses IPv4-mapped, an end reason from the
/// enum. Nullopt when the input ran out.
std::optional<IpfixRecord> read_record(ByteReader& r) {
    IpfixRecord rec;
    const auto kind = r.u8();
    if (!kind) return std::nullopt;
    rec.ipv6 = (*kind & 1) != 0;
    rec.end_reason = static_cast<exporter::IpfixEndReason>(1 + (*kind >> 1) % 5);
    const auto src = address(r, rec.ipv6);
    const auto dst = address(r, rec.ipv6);
    const auto sport = r.be16();
    const auto dport = r.be16();
    const auto proto = r.u8();
    const auto flags = r.be16();
    const auto vlan = r.be16();
    const auto packets = be64(r);
    const auto octets = be64(r);
    const auto start = be64(r);
    const auto end = be64(r);
    const auto rpackets = be64(r);
    const auto roctets = be64(r);
    const auto rflags = r.be16();
    if (!src || !dst || !sport || !dport || !proto || !flags || !vlan || !packets || !octets ||
        !start || !end || !rpackets || !roctets || !rflags) {
        return std::nullopt;
    }
    rec.src = *src;
    rec.dst = *dst;
    rec.src_port = *sport;
    rec.dst_port = *dport;
    rec.protocol = *proto;
    rec.tcp_flags = *flags;
    rec.vlan = *vlan;
    rec.packets = *packets;
    rec.octets = *octets;
    rec.start_ms = *start;
    rec.end_ms = *end;
    rec.reverse_packets = *rpackets;
    rec.reverse_octets = *roctets;
    rec.reverse_tcp_flags = *rflags;
    return rec;
}

// The reader's own IE numbers, from IANA's registry (not the encoder's table).
constexpr std::uint16_t kIeOctets = 1, kIePackets = 2, kIeProtocol = 4, kIeTcpFlags = 6,
                        kIeSrcPort = 7, kIeSrcV4 = 8, kIeDstPort = 11, kIeDstV4 = 12, kIeSrcV6 = 27,
                        kIeDstV6 = 28, kIeVlan = 58, kIeEndReason = 136, kIeStartMs = 152,
                        kIeEndMs = 153;
constexpr std::uint32_t kPenReverse = 29305; // RFC 5103 6

struct FieldSpec {
    std::uint16_t id;
    std::uint16_t length;
    std::uint32_t pen; // 0: IANA
};

class Reader {
public:
    Reader(const exporter::IpfixEncoderOptions& options, std::size_t max_bytes)
        : options_(options), max_bytes_(max_bytes) {}

    void expect(const IpfixRecord& r) { pending_.push_back(r); }

    /// One message; `records_before` its sequence number should carry.
    void read(std::span<const std::uint8_t> message, std::uint32_t export_time,
              std::uint64_t records_before, bool templates_only) {
        PW_FUZZ_CHECK(message.size() >= 16 && message.size() <= max_bytes_);
        ByteReader r(std::as_bytes(message));
        PW_FUZZ_CHECK(r.be16() == 10);
        PW_FUZZ_CHECK(r.be16() == message.size());
        PW_FUZZ_CHECK(r.be32() == export_time);
        PW_FUZZ_CHECK(r.be32() == static_cast<std::uint32_t>(records_before));
        PW_FUZZ_CHECK(r.be32() == options_.observation_domain_id);
        std::size_t data_records = 0;
        while (!r.empty()) {
            const auto set_id = r.be16();
            const auto set_len = r.be16();
            PW_FUZZ_CHECK(set_id && set_len && *set_len >= 4);
            auto body = r.sub(*set_len - 4U);
            PW_FUZZ_CHECK(body.has_value()); // a set never runs past its message
            if (*set_id == 2) {
                read_templates(*body);
            } else {
                PW_FUZZ_CHECK(!templates_only && *set_id >= 256);
                data_records += read_data(*set_id, *body);
            }
        }
        // The sequence number counts data records (RFC 7011 3.1): what this one held.
        if (!templates_only) records_ = records_before + data_records;
    }

    void finish(std::uint64_t records_finished) const {
        PW_FUZZ_CHECK(pending_.empty() && records_ == records_finished);
    }

private:
    void read_templates(ByteReader body) {
        PW_FUZZ_CHECK(!body.empty());
        while (!body.empty()) {
            const auto id = body.be16();
            const auto count = body.be16();
            PW_FUZZ_CHECK(id && count && *id >= 256 && *count > 0);
            std::vector<FieldSpec> fields;
            std::size_t bytes = 0;
            for (unsigned i = 0; i < *count; ++i) {
                const auto ie = body.be16();
                const auto len = body.be16();
                PW_FUZZ_CHECK(ie && len && *len > 0 && *len != 0xffff); // no variable length
                FieldSpec f{static_cast<std::uint16_t>(*ie & 0x7fff), *len, 0};
                if ((*ie & 0x8000) != 0) {
                    const auto pen = body.be32();
                    PW_FUZZ_CHECK(pen.has_value());
                    f.pen = *pen;
                }
                bytes += f.length;
                fields.push_back(f);
            }
            PW_FUZZ_CHECK(bytes == exporter::IpfixEncoder::record_bytes(*id));
            templates_[*id] = std::move(fields);
        }
    }

    std::size_t read_data(std::uint16_t id, ByteReader body) {
        const auto t = templates_.find(id);
        PW_FUZZ_CHECK(t != templates_.end()); // its template came first
        std::size_t n = 0;
        // The encoder pads nothing: the set holds whole records and nothing else.
        PW_FUZZ_CHECK(!body.empty());
        while (!body.empty()) {
            PW_FUZZ_CHECK(!pending_.empty());
            check_record(t->second, id, body, pending_.front());
            pending_.pop_front();
            ++n;
        }
        return n;
    }

    void check_record(const std::vector<FieldSpec>& fields, std::uint16_t id, ByteReader& body,
                      const IpfixRecord& want) const {
        const bool biflow =
            id == exporter::kTemplateBiflowIpv4 || id == exporter::kTemplateBiflowIpv6;
        PW_FUZZ_CHECK(biflow == options_.biflow);
        PW_FUZZ_CHECK((id == exporter::kTemplateIpv6 || id == exporter::kTemplateBiflowIpv6) ==
                      want.ipv6);
        std::size_t seen = 0;
        for (const FieldSpec& f : fields) {
            const auto raw = body.bytes(f.length);
            PW_FUZZ_CHECK(raw.has_value()); // a record cut short by its set's end
            if (f.id == kIeSrcV6 || f.id == kIeDstV6) {
                const decode::IpAddress& a = f.id == kIeSrcV6 ? want.src : want.dst;
                PW_FUZZ_CHECK(f.length == 16 && f.pen == 0 &&
                              std::memcmp(raw->data(), a.bytes.data(), 16) == 0);
                ++seen;
                continue;
            }
            PW_FUZZ_CHECK(f.length <= 8);
            std::uint64_t v = 0;
            for (const std::byte b : *raw) v = v << 8 | std::to_integer<std::uint8_t>(b);
            PW_FUZZ_CHECK(v == expected(f, want));
            ++seen;
        }
        PW_FUZZ_CHECK(seen == fields.size());
    }

    static std::uint64_t expected(const FieldSpec& f, const IpfixRecord& r) {
        if (f.pen == kPenReverse) {
            switch (f.id) {
            case kIePackets: return r.reverse_packets;
            case kIeOctets: return r.reverse_octets;
            case kIeTcpFlags: return r.reverse_tcp_flags;
            default: break;
            }
        } else if (f.pen == 0) {
            switch (f.id) {
            case kIeOctets: return r.octets;
            case kIePackets: return r.packets;
            case kIeProtocol: return r.protocol;
            case kIeTcpFlags: return r.tcp_flags;
            case kIeSrcPort: return r.src_port;
            case kIeDstPort: return r.dst_port;
            case kIeSrcV4: return r.src.v4();
            case kIeDstV4: return r.dst.v4();
            case kIeVlan: return r.vlan;
            case kIeEndReason: return static_cast<std::uint8_t>(r.end_reason);
            case kIeStartMs: return r.start_ms;
            case kIeEndMs: return r.end_ms;
            default: break;
            }
        }
        __builtin_trap(); // an element this reader does not know: a template the RFC would not
    }

    exporter::IpfixEncoderOptions options_;
    std::size_t max_bytes_;
    std::map<std::uint16_t, std::vector<FieldSpec>> templates_;
    std::deque<IpfixRecord> pending_;
    std::uint64_t records_ = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ByteReader in(std::as_bytes(std::span(data, size)));
    const auto flags = in.u8();
    const auto domain = in.be32();
    const auto max_bytes = in.be16();
    if (!flags || !domain || !max_bytes) return 0;
    exporter::IpfixEncoderOptions options;
    options.biflow = (*flags & 1) != 0;
    options.observation_domain_id = *domain;
    options.max_message_bytes = *max_bytes;
    exporter::IpfixEncoder encoder(options);
    // The encoder keeps the limit within what a message can be (its header's length field).
    const std::size_t limit = encoder.options().max_message_bytes;
    PW_FUZZ_CHECK(limit <= 65535);
    Reader reader(options, limit);

    std::uint32_t now = 1'700'000'000;
    auto finish = [&] {
        const std::uint64_t before = encoder.records_finished();
        const bool templates = encoder.templates_pending();
        const std::size_t records = encoder.pending_records();
        const std::uint32_t at = ++now;
        const std::vector<std::uint8_t> m = encoder.finish(at);
        PW_FUZZ_CHECK(m.empty() == (!templates && records == 0));
        PW_FUZZ_CHECK(encoder.records_finished() == before + records);
        if (!m.empty()) reader.read(m, at, before, false);
    };
    while (const auto op = in.u8()) {
        switch (*op % 8) {
        case 0: finish(); break;
        case 1: encoder.request_templates(); break;
        case 2: {
            const std::uint32_t at = ++now;
            reader.read(encoder.templates_message(at), at, encoder.records_finished(), true);
            break;
        }
        default: {
            const auto record = read_record(in);
            if (!record) break;
            if (!encoder.add(*record)) {
                PW_FUZZ_CHECK(encoder.pending_records() > 0); // an empty message has room
                finish();
                PW_FUZZ_CHECK(encoder.add(*record));
            }
            reader.expect(*record);
            break;
        }
        }
    }
    finish();
    reader.finish(encoder.records_finished());
    return 0;
}
