#include "pairwatch/export/ipfix_encoder.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

using pairwatch::exporter::IpfixEncoder;
using pairwatch::exporter::IpfixEncoderOptions;
using pairwatch::exporter::IpfixEndReason;
using pairwatch::exporter::IpfixRecord;
using pairwatch::test::ip;

namespace {

/// Bytes from hex text; '#' starts a comment to the end of the line, everything else that is
/// not a hex digit is ignored.
std::vector<std::uint8_t> hex(const std::string &text) {
    std::vector<std::uint8_t> out;
    int high = -1;
    bool comment = false;
    for (const char ch : text) {
        if (ch == '\n')
            comment = false;
        if (comment || ch == '#') {
            comment = true;
            continue;
        }
        if (std::isxdigit(static_cast<unsigned char>(ch)) == 0)
            continue;
        const int v = std::isdigit(static_cast<unsigned char>(ch)) != 0
                          ? ch - '0'
                          : std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    EXPECT_EQ(high, -1) << "odd number of hex digits";
    return out;
}

std::uint32_t be32(const std::vector<std::uint8_t> &m, std::size_t at) {
    return std::uint32_t{m.at(at)} << 24 | std::uint32_t{m.at(at + 1)} << 16 |
           std::uint32_t{m.at(at + 2)} << 8 | m.at(at + 3);
}
std::uint16_t be16(const std::vector<std::uint8_t> &m, std::size_t at) {
    return static_cast<std::uint16_t>(m.at(at) << 8 | m.at(at + 1));
}

IpfixRecord v4_record() {
    IpfixRecord r;
    r.src = ip("192.0.2.1");
    r.dst = ip("198.51.100.2");
    r.src_port = 50000;
    r.dst_port = 443;
    r.protocol = 6;
    r.tcp_flags = 0x1b; // FIN SYN PSH ACK
    r.end_reason = IpfixEndReason::EndOfFlowDetected;
    r.vlan = 7;
    r.packets = 10;
    r.octets = 1500;
    r.start_ms = 1700000000123;
    r.end_ms = 1700000000456;
    return r;
}

IpfixRecord v6_record() {
    IpfixRecord r;
    r.src = ip("2001:db8::1");
    r.dst = ip("2001:db8::2");
    r.ipv6 = true;
    r.src_port = 53;
    r.dst_port = 40000;
    r.protocol = 17;
    r.end_reason = IpfixEndReason::IdleTimeout;
    r.packets = 1;
    r.octets = 2000;
    r.start_ms = 1700000000123;
    r.end_ms = 1700000000123;
    return r;
}

const std::string kIpv4UniflowTemplate = R"(
    01 00 00 0c   # template 256, 12 fields
    00 98 00 08   # flowStartMilliseconds (152), 8
    00 99 00 08   # flowEndMilliseconds (153), 8
    00 08 00 04   # sourceIPv4Address (8), 4
    00 0c 00 04   # destinationIPv4Address (12), 4
    00 07 00 02   # sourceTransportPort (7), 2
    00 0b 00 02   # destinationTransportPort (11), 2
    00 04 00 01   # protocolIdentifier (4), 1
    00 06 00 02   # tcpControlBits (6), 2
    00 88 00 01   # flowEndReason (136), 1
    00 3a 00 02   # vlanId (58), 2
    00 02 00 08   # packetDeltaCount (2), 8
    00 01 00 08   # octetDeltaCount (1), 8
)";
const std::string kIpv6UniflowTemplate = R"(
    01 01 00 0c   # template 257, 12 fields
    00 98 00 08   # flowStartMilliseconds
    00 99 00 08   # flowEndMilliseconds
    00 1b 00 10   # sourceIPv6Address (27), 16
    00 1c 00 10   # destinationIPv6Address (28), 16
    00 07 00 02   # sourceTransportPort
    00 0b 00 02   # destinationTransportPort
    00 04 00 01   # protocolIdentifier
    00 06 00 02   # tcpControlBits
    00 88 00 01   # flowEndReason
    00 3a 00 02   # vlanId
    00 02 00 08   # packetDeltaCount
    00 01 00 08   # octetDeltaCount
)";
const std::string kIpv4Record = R"(
    00 00 01 8b cf e5 68 7b   # flowStartMilliseconds 1700000000123
    00 00 01 8b cf e5 69 c8   # flowEndMilliseconds 1700000000456
    c0 00 02 01               # 192.0.2.1
    c6 33 64 02               # 198.51.100.2
    c3 50                     # 50000
    01 bb                     # 443
    06                        # TCP
    00 1b                     # FIN SYN PSH ACK
    03                        # end of flow detected
    00 07                     # VLAN 7
    00 00 00 00 00 00 00 0a   # 10 packets
    00 00 00 00 00 00 05 dc   # 1500 octets
)";

} // namespace

TEST(IpfixEncoder, FirstMessageHasHeaderTemplatesAndDataByteExact) {
    IpfixEncoder enc(IpfixEncoderOptions{.observation_domain_id = 0x01020304});
    ASSERT_TRUE(enc.add(v4_record()));
    const auto message = enc.finish(1700000001);
    const auto expected = hex(R"(
        00 0a         # version 10
        00 b2         # length 178 = 16 + 108 + 54
        65 53 f1 01   # export time 1700000001
        00 00 00 00   # sequence number: no data record before
        01 02 03 04   # observation domain id
        00 02 00 6c   # template set (2), length 108 = 4 + 2 x 52
    )" + kIpv4UniflowTemplate +
                              kIpv6UniflowTemplate + R"(
        01 00 00 36   # data set for template 256, length 54 = 4 + 50, no padding
    )" + kIpv4Record);
    EXPECT_EQ(message, expected);
    EXPECT_EQ(enc.records_finished(), 1U);
}

TEST(IpfixEncoder, LaterMessageCarriesIpv6RecordWithoutTemplatesByteExact) {
    IpfixEncoder enc(IpfixEncoderOptions{.observation_domain_id = 7});
    ASSERT_TRUE(enc.add(v4_record()));
    ASSERT_FALSE(enc.finish(1).empty());
    ASSERT_TRUE(enc.add(v6_record()));
    EXPECT_FALSE(enc.templates_pending());
    const auto message = enc.finish(1700000001);
    const auto expected = hex(R"(
        00 0a 00 5e   # version 10, length 94 = 16 + 4 + 74
        65 53 f1 01   # export time
        00 00 00 01   # sequence number: one data record sent before
        00 00 00 07   # observation domain 7
        01 01 00 4e   # data set for template 257, length 78
        00 00 01 8b cf e5 68 7b                          # flowStartMilliseconds
        00 00 01 8b cf e5 68 7b                          # flowEndMilliseconds
        20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01  # 2001:db8::1
        20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02  # 2001:db8::2
        00 35         # 53
        9c 40         # 40000
        11            # UDP
        00 00         # no TCP flags
        01            # idle timeout
        00 00         # untagged
        00 00 00 00 00 00 00 01   # 1 packet
        00 00 00 00 00 00 07 d0   # 2000 octets
    )");
    EXPECT_EQ(message, expected);
}

TEST(IpfixEncoder, BiflowTemplatesUseReverseElementsOfPen29305ByteExact) {
    IpfixEncoder enc(IpfixEncoderOptions{.biflow = true});
    IpfixRecord r = v4_record();
    r.reverse_packets = 8;
    r.reverse_octets = 3000;
    r.reverse_tcp_flags = 0x13; // FIN SYN ACK
    ASSERT_TRUE(enc.add(r));
    const auto message = enc.finish(1700000001);
    const std::string reverse_fields = R"(
        80 02 00 08 00 00 72 79   # reversePacketDeltaCount: enterprise bit | 2, 8, PEN 29305
        80 01 00 08 00 00 72 79   # reverseOctetDeltaCount
        80 06 00 02 00 00 72 79   # reverseTcpControlBits
    )";
    std::string v4 = kIpv4UniflowTemplate;
    std::string v6 = kIpv6UniflowTemplate;
    v4.replace(v4.find("01 00 00 0c"), 11, "01 02 00 0f"); // template 258, 15 fields
    v6.replace(v6.find("01 01 00 0c"), 11, "01 03 00 0f"); // template 259, 15 fields
    const auto expected = hex(R"(
        00 0a 00 f4   # version 10, length 244 = 16 + 156 + 72
        65 53 f1 01   # export time
        00 00 00 00   # sequence number
        00 00 00 00   # observation domain 0
        00 02 00 9c   # template set, length 156 = 4 + 2 x (4 + 12 x 4 + 3 x 8)
    )" + v4 + reverse_fields + v6 +
                              reverse_fields + R"(
        01 02 00 48   # data set for template 258, length 72 = 4 + 68
    )" + kIpv4Record + R"(
        00 00 00 00 00 00 00 08   # reverse: 8 packets
        00 00 00 00 00 00 0b b8   # reverse: 3000 octets
        00 13                     # reverse: FIN SYN ACK
    )");
    EXPECT_EQ(message, expected);
    EXPECT_EQ(IpfixEncoder::record_bytes(pairwatch::exporter::kTemplateBiflowIpv6), 92U);
}

TEST(IpfixEncoder, SequenceNumbersCountTheDataRecordsOfEarlierMessages) {
    IpfixEncoder enc(IpfixEncoderOptions{});
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(enc.add(v4_record()));
    const auto first = enc.finish(1);
    for (int i = 0; i < 2; ++i)
        ASSERT_TRUE(enc.add(v6_record()));
    const auto second = enc.finish(1);
    // A message of templates alone counts no record and takes the next data message's number.
    const auto templates = enc.templates_message(1);
    ASSERT_TRUE(enc.add(v4_record()));
    const auto third = enc.finish(1);
    EXPECT_EQ(be32(first, 8), 0U);
    EXPECT_EQ(be32(second, 8), 3U);
    EXPECT_EQ(be32(templates, 8), 5U);
    EXPECT_EQ(templates.size(), 16U + 108U);
    EXPECT_EQ(be16(templates, 16), 2U); // the template set
    EXPECT_EQ(be32(third, 8), 5U);
    EXPECT_EQ(enc.records_finished(), 6U);
    // Nothing added and no template due: nothing to send.
    EXPECT_TRUE(enc.finish(1).empty());
    // Templates requested with no record: a message of templates alone.
    enc.request_templates();
    EXPECT_EQ(enc.finish(1).size(), 16U + 108U);
}

TEST(IpfixEncoder, MessagesStayWithinTheLimitAndSetsAddUp) {
    IpfixEncoder enc(IpfixEncoderOptions{.max_message_bytes = 1400});
    // First message: 1400 - 16 header - 108 templates - 4 set header = 1272: 25 records of 50.
    int n = 0;
    while (enc.add(v4_record()))
        ++n;
    EXPECT_EQ(n, 25);
    auto m = enc.finish(1);
    EXPECT_EQ(m.size(), 16U + 108U + 4U + 25U * 50U);
    EXPECT_EQ(be16(m, 2), m.size());
    // The refused record goes into the next message, which has no templates: 1380 / 50 = 27.
    ASSERT_TRUE(enc.add(v4_record()));
    n = 1;
    while (enc.add(v4_record()))
        ++n;
    EXPECT_EQ(n, 27);
    m = enc.finish(1);
    EXPECT_EQ(m.size(), 16U + 4U + 27U * 50U);
    EXPECT_EQ(be32(m, 8), 25U);

    // Alternating families: a new set at each switch; walking the sets covers the message
    // exactly, and each set holds whole records (no padding).
    std::size_t records = 0;
    for (int i = 0; enc.add(i % 2 == 0 ? v4_record() : v6_record()); ++i)
        ++records;
    m = enc.finish(1);
    ASSERT_LE(m.size(), 1400U);
    std::size_t at = 16, walked = 0;
    while (at < m.size()) {
        const std::uint16_t id = be16(m, at);
        const std::uint16_t len = be16(m, at + 2);
        ASSERT_TRUE(id == 256 || id == 257) << id;
        const std::size_t rec = id == 256 ? 50 : 74;
        EXPECT_EQ((len - 4U) % rec, 0U) << "set at " << at;
        walked += (len - 4U) / rec;
        at += len;
    }
    EXPECT_EQ(at, m.size());
    EXPECT_EQ(walked, records);
    // 1384 bytes after the header: 10 pairs of sets (4 + 50 + 4 + 74 = 132 bytes) and one more
    // IPv4 set (54); the next IPv6 set (78) would pass the limit.
    EXPECT_EQ(records, 21U);
}

TEST(IpfixEncoder, TooSmallALimitIsRaisedToFitTemplatesAndTheLargestRecord) {
    IpfixEncoder enc(IpfixEncoderOptions{.biflow = true, .max_message_bytes = 100});
    EXPECT_EQ(enc.options().max_message_bytes, 512U);
    IpfixRecord r = v6_record();
    ASSERT_TRUE(enc.add(r));
    EXPECT_EQ(enc.finish(1).size(), 16U + 156U + 4U + 92U);
}
