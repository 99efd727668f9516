#include "pairwatch/export/ipfix_exporter.h"

#include "pairwatch/flow/flow_table.h"
#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <tuple>
#include <vector>

using pairwatch::decode::IpAddress;
using pairwatch::exporter::IpfixEndReason;
using pairwatch::exporter::IpfixExporter;
using pairwatch::exporter::IpfixExporterOptions;
using pairwatch::exporter::MessageTransport;
using pairwatch::flow::EndReason;
using pairwatch::flow::FlowTable;
using pairwatch::flow::FlowTableOptions;
using pairwatch::services::ServiceRegistry;
using pairwatch::test::Endpoint;
using pairwatch::test::ip;
using pairwatch::test::tcp_packet;
using pairwatch::test::udp_packet;

namespace {

constexpr std::int64_t kSecond = pairwatch::test::kSecond;
constexpr std::int64_t kT0 = 1'700'000'000 * kSecond; // packet time of the tests' first packet
constexpr std::uint8_t S = 0x02, F = 0x01, P = 0x08, A = 0x10;

/// Keeps every message; the test says whether it is a datagram transport and when a new
/// stream starts.
class FakeTransport final : public MessageTransport {
public:
    explicit FakeTransport(bool datagrams) : datagrams_(datagrams) {}
    void send(std::span<const std::uint8_t> m) override {
        messages->emplace_back(m.begin(), m.end());
        ++stats_.messages_sent;
    }
    bool take_new_stream() override { return std::exchange(*new_stream, false); }
    [[nodiscard]] bool datagrams() const override { return datagrams_; }
    [[nodiscard]] std::string describe() const override { return "fake"; }

    std::shared_ptr<std::vector<std::vector<std::uint8_t>>> messages =
        std::make_shared<std::vector<std::vector<std::uint8_t>>>();
    std::shared_ptr<bool> new_stream = std::make_shared<bool>(true);

private:
    bool datagrams_;
};

std::uint64_t be(const std::vector<std::uint8_t> &m, std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v = v << 8 | m.at(at + i);
    return v;
}

/// A data record read back from the wire, for templates 256-259.
struct Decoded {
    std::uint16_t template_id = 0;
    IpAddress src, dst;
    std::uint16_t sport = 0, dport = 0;
    std::uint8_t proto = 0;
    std::uint16_t flags = 0;
    std::uint8_t reason = 0;
    std::uint16_t vlan = 0;
    std::uint64_t packets = 0, octets = 0, start_ms = 0, end_ms = 0;
    std::uint64_t rev_packets = 0, rev_octets = 0;
    std::uint16_t rev_flags = 0;
};

struct Parsed {
    std::vector<Decoded> records;
    std::vector<bool> has_templates; // per message
    std::vector<std::uint32_t> sequence;
};

Parsed parse(const std::vector<std::vector<std::uint8_t>> &messages) {
    Parsed out;
    for (const auto &m : messages) {
        EXPECT_EQ(be(m, 0, 2), 10U);
        EXPECT_EQ(be(m, 2, 2), m.size());
        out.sequence.push_back(static_cast<std::uint32_t>(be(m, 8, 4)));
        out.has_templates.push_back(false);
        for (std::size_t at = 16; at + 4 <= m.size();) {
            const auto id = static_cast<std::uint16_t>(be(m, at, 2));
            const std::size_t end = at + be(m, at + 2, 2);
            if (id == 2)
                out.has_templates.back() = true;
            const bool v6 = id == 257 || id == 259;
            const bool bi = id == 258 || id == 259;
            const std::size_t alen = v6 ? 16 : 4;
            const std::size_t size = (v6 ? 74U : 50U) + (bi ? 18U : 0U);
            for (std::size_t r = at + 4; id >= 256 && r + size <= end; r += size) {
                Decoded d;
                d.template_id = id;
                d.start_ms = be(m, r, 8);
                d.end_ms = be(m, r + 8, 8);
                std::size_t p = r + 16;
                if (v6) {
                    std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(p), 16,
                                d.src.bytes.begin());
                    std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(p + 16), 16,
                                d.dst.bytes.begin());
                } else {
                    d.src = IpAddress::from_v4(static_cast<std::uint32_t>(be(m, p, 4)));
                    d.dst = IpAddress::from_v4(static_cast<std::uint32_t>(be(m, p + 4, 4)));
                }
                p += 2 * alen;
                d.sport = static_cast<std::uint16_t>(be(m, p, 2));
                d.dport = static_cast<std::uint16_t>(be(m, p + 2, 2));
                d.proto = static_cast<std::uint8_t>(be(m, p + 4, 1));
                d.flags = static_cast<std::uint16_t>(be(m, p + 5, 2));
                d.reason = static_cast<std::uint8_t>(be(m, p + 7, 1));
                d.vlan = static_cast<std::uint16_t>(be(m, p + 8, 2));
                d.packets = be(m, p + 10, 8);
                d.octets = be(m, p + 18, 8);
                if (bi) {
                    d.rev_packets = be(m, p + 26, 8);
                    d.rev_octets = be(m, p + 34, 8);
                    d.rev_flags = static_cast<std::uint16_t>(be(m, p + 42, 2));
                }
                out.records.push_back(d);
            }
            at = end;
        }
    }
    return out;
}

const ServiceRegistry &registry() {
    static const ServiceRegistry r;
    return r;
}

/// A flow table feeding an exporter over a fake transport, with a wall clock the test moves.
struct Rig {
    explicit Rig(IpfixExporterOptions options = {}, std::int64_t active_timeout_s = 0,
                 bool datagrams = true) {
        auto t = std::make_unique<FakeTransport>(datagrams);
        messages = t->messages;
        new_stream = t->new_stream;
        exporter =
            std::make_unique<IpfixExporter>(std::move(t), options, [this] { return wall_ns; });
        FlowTableOptions table_options;
        table_options.active_timeout_ns = active_timeout_s * kSecond;
        table = std::make_unique<FlowTable>(table_options, pairwatch::test::client_rule(registry()),
                                            exporter.get());
    }
    std::int64_t wall_ns = 1'800'000'000 * kSecond;
    std::shared_ptr<std::vector<std::vector<std::uint8_t>>> messages;
    std::shared_ptr<bool> new_stream;
    std::unique_ptr<IpfixExporter> exporter;
    std::unique_ptr<FlowTable> table;
};

const Endpoint kClient{"192.0.2.10", 50000};
const Endpoint kServer{"198.51.100.7", 443};

/// Handshake, 2 x 100 bytes up, 1 x 1000 down, FINs: 6 packets up, 3 down (at kT0 + 0..8 ms).
void https_conversation(FlowTable &t) {
    auto at = [](int ms) { return kT0 + ms * 1'000'000; };
    t.on_packet(tcp_packet(at(0), kClient, kServer, S, 100, 0));
    t.on_packet(tcp_packet(at(1), kServer, kClient, S | A, 900, 101));
    t.on_packet(tcp_packet(at(2), kClient, kServer, A, 101, 901));
    t.on_packet(tcp_packet(at(3), kClient, kServer, P | A, 101, 901, 100));
    t.on_packet(tcp_packet(at(4), kClient, kServer, P | A, 201, 901, 100));
    t.on_packet(tcp_packet(at(5), kServer, kClient, P | A, 901, 301, 1000));
    t.on_packet(tcp_packet(at(6), kClient, kServer, F | A, 301, 1901));
    t.on_packet(tcp_packet(at(7), kServer, kClient, F | A, 1901, 302));
    t.on_packet(tcp_packet(at(8), kClient, kServer, A, 302, 1902)); // after both FINs
}

} // namespace

TEST(IpfixExporter, UniflowSendsOneRecordPerDirectionWithIpBytes) {
    Rig rig;
    https_conversation(*rig.table);
    rig.table->on_end();
    const Parsed p = parse(*rig.messages);
    ASSERT_EQ(rig.messages->size(), 1U);
    EXPECT_TRUE(p.has_templates[0]);
    ASSERT_EQ(p.records.size(), 2U);
    const Decoded &up = p.records[0]; // the originator's direction first
    EXPECT_EQ(up.template_id, 256);
    EXPECT_EQ(up.src, ip("192.0.2.10"));
    EXPECT_EQ(up.dst, ip("198.51.100.7"));
    EXPECT_EQ(up.sport, 50000);
    EXPECT_EQ(up.dport, 443);
    EXPECT_EQ(up.proto, 6);
    EXPECT_EQ(up.packets, 6U);
    EXPECT_EQ(up.octets, 6U * 40 + 200); // IP bytes: 20 + 20 of headers per packet
    EXPECT_EQ(up.flags, S | A | P | F);
    EXPECT_EQ(up.reason, static_cast<int>(IpfixEndReason::EndOfFlowDetected));
    EXPECT_EQ(up.start_ms, 1'700'000'000'000U);
    EXPECT_EQ(up.end_ms, 1'700'000'000'007U); // Zeek's clock stops once both sides closed
    const Decoded &down = p.records[1];
    EXPECT_EQ(down.src, ip("198.51.100.7"));
    EXPECT_EQ(down.sport, 443);
    EXPECT_EQ(down.packets, 3U);
    EXPECT_EQ(down.octets, 3U * 40 + 1000);
    EXPECT_EQ(down.flags, S | A | P | F);
    EXPECT_EQ(rig.exporter->records_sent(), 2U);
}

TEST(IpfixExporter, BiflowSendsOneRecordWithTheResponderReverse) {
    IpfixExporterOptions o;
    o.encoder.biflow = true;
    Rig rig(o);
    https_conversation(*rig.table);
    rig.table->on_end();
    const Parsed p = parse(*rig.messages);
    ASSERT_EQ(p.records.size(), 1U);
    const Decoded &r = p.records[0];
    EXPECT_EQ(r.template_id, 258);
    EXPECT_EQ(r.src, ip("192.0.2.10"));
    EXPECT_EQ(r.packets, 6U);
    EXPECT_EQ(r.rev_packets, 3U);
    EXPECT_EQ(r.rev_octets, 3U * 40 + 1000);
    EXPECT_EQ(r.rev_flags, S | A | P | F);
}

TEST(IpfixExporter, ActiveTimeoutPartsAddUpToTheWholeAndNameTheirReason) {
    Rig rig({}, 60);
    // A v6 UDP conversation for 300 s: a packet each way each second.
    const Endpoint c{"2001:db8::10", 40000}, s{"2001:db8::53", 53};
    for (int i = 0; i < 300; ++i) {
        rig.table->on_packet(udp_packet(kT0 + i * kSecond, c, s, 10, true));
        rig.table->on_packet(udp_packet(kT0 + i * kSecond + kSecond / 2, s, c, 90, true));
    }
    rig.table->on_end();
    const Parsed p = parse(*rig.messages);
    std::map<std::uint16_t, std::uint64_t> packets, octets; // by source port
    int active = 0, forced = 0;
    std::vector<std::uint64_t> starts, ends; // of the originator's parts, in order
    for (const Decoded &d : p.records) {
        EXPECT_EQ(d.template_id, 257);
        packets[d.sport] += d.packets;
        octets[d.sport] += d.octets;
        if (d.reason == static_cast<int>(IpfixEndReason::ActiveTimeout))
            ++active;
        if (d.reason == static_cast<int>(IpfixEndReason::ForcedEnd))
            ++forced;
        EXPECT_LE(d.start_ms, d.end_ms);
        if (d.sport == 40000) {
            starts.push_back(d.start_ms - 1'700'000'000'000U);
            ends.push_back(d.end_ms - 1'700'000'000'000U);
        }
    }
    // A part starts at the moment the one before was reported and ends at its last packet.
    EXPECT_EQ(starts, (std::vector<std::uint64_t>{0, 60000, 120000, 180000, 240000}));
    EXPECT_EQ(ends, (std::vector<std::uint64_t>{59500, 119500, 179500, 239500, 299500}));
    EXPECT_EQ(active, 2 * 4); // at 60, 120, 180, 240 s, both directions
    EXPECT_EQ(forced, 2);     // the rest at the end of the capture
    EXPECT_EQ(packets[40000], 300U);
    EXPECT_EQ(packets[53], 300U);
    EXPECT_EQ(octets[40000], 300U * (40 + 8 + 10));
    EXPECT_EQ(octets[53], 300U * (40 + 8 + 90));
    EXPECT_EQ(rig.exporter->open_reported(), 0U); // forgotten at the end
}

TEST(IpfixExporter, QuietPartsSendNothing) {
    Rig rig({}, 60);
    // One packet, then the clock moves by other traffic: updates at 60 s carry nothing new
    // for the quiet TCP conversation.
    rig.table->on_packet(tcp_packet(kT0, kClient, kServer, S, 1, 0));
    rig.table->on_packet(tcp_packet(kT0 + 1'000'000, kServer, kClient, S | A, 9, 2));
    rig.table->on_packet(tcp_packet(kT0 + 2'000'000, kClient, kServer, A, 2, 10));
    for (int i = 1; i <= 130; i += 3) {
        rig.table->on_packet(udp_packet(kT0 + i * kSecond, {"10.0.0.1", 5353}, {"10.0.0.2", 5353}));
    }
    rig.table->on_end();
    const Parsed p = parse(*rig.messages);
    std::uint64_t tcp_records = 0, tcp_packets = 0;
    for (const Decoded &d : p.records) {
        if (d.proto != 6)
            continue;
        ++tcp_records;
        tcp_packets += d.packets;
        EXPECT_GT(d.packets, 0U);
    }
    EXPECT_EQ(tcp_records, 2U); // the first report, both directions; nothing after
    EXPECT_EQ(tcp_packets, 3U);
}

TEST(IpfixExporter, UdpRefreshesTemplatesEveryTwentyMessages) {
    IpfixExporterOptions o;
    o.encoder.max_message_bytes = 512; // 16 + 4 + 9 x 50: 9 records a message without templates
    Rig rig(o);
    for (std::uint16_t port = 1; port <= 400; ++port) {
        rig.table->on_packet(udp_packet(kT0, {"10.0.0.1", port}, {"10.0.0.2", 9}));
    }
    rig.table->on_end();
    const Parsed p = parse(*rig.messages);
    ASSERT_GT(p.has_templates.size(), 41U);
    for (std::size_t i = 0; i < p.has_templates.size(); ++i) {
        EXPECT_EQ(p.has_templates[i], i % 20 == 0) << "message " << i;
    }
    EXPECT_EQ(p.records.size(), 400U);
    // Sequence numbers count the records before, across template refreshes.
    std::uint32_t expect = 0;
    std::size_t r = 0;
    for (std::size_t i = 0; i < rig.messages->size(); ++i) {
        EXPECT_EQ(p.sequence[i], expect);
        const std::size_t in_message = parse({(*rig.messages)[i]}).records.size();
        expect += static_cast<std::uint32_t>(in_message);
        r += in_message;
    }
    EXPECT_EQ(r, 400U);
}

TEST(IpfixExporter, UdpRefreshesTemplatesAfterThirtySecondsOfWallTime) {
    Rig rig;
    auto one_flow = [&rig](int port, int at_s) {
        rig.table->on_packet(udp_packet(
            kT0 + at_s * kSecond, {"10.0.0.1", static_cast<std::uint16_t>(port)}, {"10.0.0.2", 9}));
        rig.table->advance_time(kT0 + (at_s + 61) * kSecond); // idle: its record waits
        rig.wall_ns += 2 * kSecond;
        rig.exporter->on_batch_end(); // held past a second: sent
    };
    one_flow(1, 0); // the first message: templates
    rig.wall_ns += 40 * kSecond;
    one_flow(2, 100); // 42 s after them: templates again
    one_flow(3, 200); // 2 s after: none
    const Parsed p = parse(*rig.messages);
    ASSERT_EQ(p.has_templates.size(), 3U);
    EXPECT_TRUE(p.has_templates[0]);
    EXPECT_TRUE(p.has_templates[1]);
    EXPECT_FALSE(p.has_templates[2]);
    EXPECT_EQ(p.records.size(), 3U);
}

TEST(IpfixExporter, HoldsAPartMessageAtMostASecond) {
    Rig rig;
    rig.table->on_packet(udp_packet(kT0, {"10.0.0.1", 1}, {"10.0.0.2", 9}));
    rig.table->advance_time(kT0 + 61 * kSecond);
    rig.exporter->on_batch_end();
    EXPECT_TRUE(rig.messages->empty());
    rig.wall_ns += 999'000'000;
    rig.exporter->on_batch_end();
    EXPECT_TRUE(rig.messages->empty());
    rig.wall_ns += 1'000'000;
    rig.exporter->on_batch_end();
    EXPECT_EQ(rig.messages->size(), 1U);
    EXPECT_EQ(be(rig.messages->at(0), 4, 4), 1'800'000'001U); // export time: the wall clock
}

TEST(IpfixExporter, NewTcpStreamGetsTemplatesBeforeItsFirstDataMessage) {
    Rig rig({}, 0, /*datagrams=*/false);
    https_conversation(*rig.table);
    rig.table->advance_time(kT0 + 10 * kSecond);
    rig.wall_ns += 2 * kSecond;
    rig.exporter->on_batch_end();
    ASSERT_EQ(rig.messages->size(), 1U);
    EXPECT_TRUE(parse(*rig.messages).has_templates[0]);
    // The connection drops and comes back while a record waits: templates alone go first.
    rig.table->on_packet(udp_packet(kT0 + 11 * kSecond, {"10.0.0.1", 1}, {"10.0.0.2", 9}));
    rig.table->advance_time(kT0 + 100 * kSecond);
    *rig.new_stream = true;
    rig.table->on_end();
    ASSERT_EQ(rig.messages->size(), 3U);
    const Parsed p = parse(*rig.messages);
    EXPECT_TRUE(p.has_templates[1]);
    EXPECT_EQ(rig.messages->at(1).size(), 16U + 108U); // templates alone
    EXPECT_FALSE(p.has_templates[2]);
    EXPECT_EQ(p.sequence[1], 2U);
    EXPECT_EQ(p.sequence[2], 2U);
    EXPECT_EQ(p.records.size(), 3U);
}

TEST(IpfixExporter, EndReasonsMapToRfc5102Values) {
    using pairwatch::exporter::ipfix_end_reason;
    EXPECT_EQ(ipfix_end_reason(EndReason::Idle), IpfixEndReason::IdleTimeout);
    EXPECT_EQ(ipfix_end_reason(EndReason::Fin), IpfixEndReason::EndOfFlowDetected);
    EXPECT_EQ(ipfix_end_reason(EndReason::Rst), IpfixEndReason::EndOfFlowDetected);
    EXPECT_EQ(ipfix_end_reason(EndReason::Reused), IpfixEndReason::EndOfFlowDetected);
    EXPECT_EQ(ipfix_end_reason(EndReason::Evicted), IpfixEndReason::LackOfResources);
    EXPECT_EQ(ipfix_end_reason(EndReason::CaptureEnd), IpfixEndReason::ForcedEnd);
    EXPECT_EQ(static_cast<int>(IpfixEndReason::ActiveTimeout), 2);
}

TEST(IpfixExporter, VlanIdIsTheOuterTag) {
    Rig rig;
    auto p = udp_packet(kT0, {"10.0.0.1", 1}, {"10.0.0.2", 9});
    p.vlan_count = 2;
    p.vlan = {100, 200};
    rig.table->on_packet(p);
    rig.table->on_end();
    const Parsed parsed = parse(*rig.messages);
    ASSERT_EQ(parsed.records.size(), 1U);
    EXPECT_EQ(parsed.records[0].vlan, 100);
    EXPECT_EQ(parsed.records[0].flags, 0); // UDP
}
