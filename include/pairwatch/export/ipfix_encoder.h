// IPFIX (RFC 7011) messages out of flow records: the message header, template sets for IPv4
// and IPv6 flows (uniflow, or RFC 5103 biflow), and data sets, written big-endian field by
// field. Knows nothing of sockets or of the flow table: ipfix_exporter.h feeds it and sends
// what it finishes.
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace pairwatch::exporter {

/// flowEndReason (IANA IE 136, values from RFC 5102 / RFC 7012).
enum class IpfixEndReason : std::uint8_t {
    IdleTimeout = 1,
    ActiveTimeout = 2,
    EndOfFlowDetected = 3,
    ForcedEnd = 4,
    LackOfResources = 5,
};

/// One data record, host order. Uniflow: one direction of a conversation. Biflow: the
/// originator's direction forward, the responder's in the reverse_* fields.
struct IpfixRecord {
    decode::IpAddress src; // IPv4 stored IPv4-mapped, as everywhere in pairwatch
    decode::IpAddress dst;
    bool ipv6 = false; // selects the IPv6 template
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t protocol = 0;
    std::uint16_t tcp_flags = 0; // OR of the TCP flags this direction sent; 0 for UDP
    IpfixEndReason end_reason = IpfixEndReason::IdleTimeout;
    std::uint16_t vlan = 0; // outer 802.1Q id; 0 when untagged
    std::uint64_t packets = 0;
    std::uint64_t octets = 0;   // IP bytes: IP header and payload, as octetDeltaCount defines
    std::uint64_t start_ms = 0; // flowStartMilliseconds, epoch
    std::uint64_t end_ms = 0;   // flowEndMilliseconds, epoch
    // Biflow only (RFC 5103 reverse information elements).
    std::uint64_t reverse_packets = 0;
    std::uint64_t reverse_octets = 0;
    std::uint16_t reverse_tcp_flags = 0;
};

struct IpfixEncoderOptions {
    std::uint32_t observation_domain_id = 0;
    bool biflow = false;
    /// A message never grows past this (UDP: stay within the path MTU, RFC 7011 10.3.3).
    std::size_t max_message_bytes = 1400;
};

/// Template ids (RFC 7011 3.4.1: 256 and above are data sets).
inline constexpr std::uint16_t kTemplateIpv4 = 256;
inline constexpr std::uint16_t kTemplateIpv6 = 257;
inline constexpr std::uint16_t kTemplateBiflowIpv4 = 258;
inline constexpr std::uint16_t kTemplateBiflowIpv6 = 259;
/// RFC 5103 6: the reverse information elements are enterprise-specific to this number.
inline constexpr std::uint32_t kReversePen = 29305;
inline constexpr std::size_t kMessageHeaderBytes = 16;
inline constexpr std::size_t kSetHeaderBytes = 4;

/// Builds one message at a time. Sequence numbers count the data records of every message
/// finished before (RFC 7011 3.1), per observation domain, which this encoder is.
class IpfixEncoder {
public:
    explicit IpfixEncoder(IpfixEncoderOptions options);

    /// The next message starts with the template set (the first one always does).
    void request_templates() { templates_due_ = true; }
    /// Appends a record to the message being built. False when it would push the message
    /// past max_message_bytes: finish() the message, then add the record again.
    [[nodiscard]] bool add(const IpfixRecord& record);
    /// The message built so far, header completed, with `export_time_s` (seconds since the
    /// epoch, RFC 7011 3.1); empty when there is nothing to send (no record, no template due).
    [[nodiscard]] std::vector<std::uint8_t> finish(std::uint32_t export_time_s);
    /// A message of the template set alone, apart from the message being built (a new TCP
    /// connection mid-message); its sequence number is that of the next data message.
    [[nodiscard]] std::vector<std::uint8_t> templates_message(std::uint32_t export_time_s) const;

    /// The next finish() sends the template set (due, or already in the message being built).
    [[nodiscard]] bool templates_pending() const {
        return message_.empty() ? templates_due_ : templates_in_message_;
    }
    /// Records in the message being built.
    [[nodiscard]] std::size_t pending_records() const { return records_in_message_; }
    /// Data records in all finished messages (the next message's sequence number, mod 2^32).
    [[nodiscard]] std::uint64_t records_finished() const { return records_finished_; }
    [[nodiscard]] const IpfixEncoderOptions& options() const { return options_; }

    /// Bytes of one data record with the template `template_id`.
    [[nodiscard]] static std::size_t record_bytes(std::uint16_t template_id);

private:
    void begin_message();
    void write_header(std::vector<std::uint8_t>& out) const;
    void write_templates(std::vector<std::uint8_t>& out) const;
    void complete_header(std::vector<std::uint8_t>& out, std::uint32_t export_time_s) const;
    void close_set();

    IpfixEncoderOptions options_;
    std::vector<std::uint8_t> message_;
    bool templates_due_ = true;
    bool templates_in_message_ = false;
    std::size_t set_start_ = 0;      // offset of the open data set's header
    std::uint16_t set_template_ = 0; // its template id; 0: no set open
    std::size_t records_in_message_ = 0;
    std::uint64_t records_finished_ = 0;
};

} // namespace pairwatch::exporter
