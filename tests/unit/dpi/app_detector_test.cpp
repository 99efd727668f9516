// Payload inspection (app_detector.cpp): nDPI's verdicts on real conversations from captures/,
// the packet bound, the nDPI state freed when a flow is decided, gives up or ends, the cap on
// flows inspected at once, and a table slot reused by a new flow starting undecided.
#include "pairwatch/dpi/app_detector.h"

#include "pairwatch/capture/pcap_source.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/flow/flow_table.h"
#include "support/flow_packets.h"
#include "support/frame_builder.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pairwatch::test {
namespace {

using dpi::AppDetector;
using dpi::AppDetectorOptions;

/// What a sink after the detector sees of each ended flow.
struct Ended {
    std::string conversation; // "tcp 10.0.0.1:40000 > 10.0.0.2:80"
    std::string app;          // empty: null
    flow::EndReason why = flow::EndReason::None;
};

class AppSink final : public flow::FlowSink {
public:
    explicit AppSink(const flow::AppLookup& apps) : apps_(apps) {}
    void on_flow_end(const flow::Flow& f, flow::EndReason why) override {
        ended.push_back(Ended{fmt::format("{} {} > {}", f.is_tcp() ? "tcp" : "udp",
                                          decode::format_endpoint(f.orig_addr(), f.orig_port(),
                                                                  f.ip_version()),
                                          decode::format_endpoint(f.resp_addr(), f.resp_port(),
                                                                  f.ip_version())),
                                std::string(apps_.app_of(f)), why});
    }
    std::vector<Ended> ended;

private:
    const flow::AppLookup& apps_;
};

const services::ServiceRegistry& registry() {
    static const services::ServiceRegistry r;
    return r;
}

/// The flow thread as app.cpp builds it: decoder, table, then the detector, which is also the
/// table's sink in front of the real one.
struct Rig {
    explicit Rig(int dlt, AppDetectorOptions options = {})
        : decoder(dlt), detector(options), sink(detector),
          table(flow::FlowTableOptions{}, client_rule(registry()), &detector) {
        detector.connect(table, &sink);
    }
    void feed(const capture::RawFrame& frame) {
        decoder.decode(frame, info);
        table.on_packet(info);
        detector.on_packet(info);
    }
    void feed(const Bytes& frame, std::int64_t ts_ns) { feed(raw_frame(frame, 0, ts_ns)); }
    void end() {
        table.on_end();
        detector.on_end();
    }
    /// The app of each ended conversation, by conversation.
    [[nodiscard]] std::map<std::string, std::string> apps() const {
        std::map<std::string, std::string> out;
        for (const auto& e : sink.ended) out[e.conversation] = e.app;
        return out;
    }

    decode::Decoder decoder;
    decode::PacketInfo info;
    AppDetector detector;
    AppSink sink;
    flow::FlowTable table;
};

/// Feeds every frame of captures/NAME through a Rig; ends the flows when `end` is set.
void replay(Rig& rig, const std::string& name, bool end = true) {
    auto source = capture::open_capture_file(std::string(PAIRWATCH_SOURCE_DIR) + "/captures/" + name);
    capture::RawFrame frame;
    while (source->next(frame) == capture::ReadStatus::Frame) rig.feed(frame);
    if (end) rig.end();
}

int dlt_of(const std::string& name) {
    return capture::open_capture_file(std::string(PAIRWATCH_SOURCE_DIR) + "/captures/" + name)
        ->info()
        .dlt;
}

// ---- Real conversations (captures/MANIFEST.tsv says how each was recorded) ----

TEST(AppDetector, HttpOverIpv4AndIpv6) {
    Rig rig(dlt_of("lan-http.pcap"));
    replay(rig, "lan-http.pcap", false);
    // Each conversation decided on its request and freed its nDPI state there, long before
    // the flows end.
    EXPECT_EQ(rig.detector.stats().inspecting, 0U);
    rig.end();
    ASSERT_FALSE(rig.sink.ended.empty());
    for (const auto& e : rig.sink.ended) {
        EXPECT_EQ(e.app, "HTTP") << e.conversation;
    }
    const auto& s = rig.detector.stats();
    EXPECT_EQ(s.flows_inspected, rig.sink.ended.size());
    EXPECT_EQ(s.detected, rig.sink.ended.size());
    EXPECT_EQ(s.gave_up + s.ended_undecided + s.skipped_busy, 0U);
    // The request is the 4th packet (after the handshake): nDPI needed few of each flow's.
    EXPECT_LE(s.packets_inspected, 4 * s.flows_inspected);
}

TEST(AppDetector, DnsOverUdpAndTcp) {
    Rig rig(dlt_of("lan-dns.pcap"));
    replay(rig, "lan-dns.pcap");
    ASSERT_FALSE(rig.sink.ended.empty());
    int tcp = 0;
    for (const auto& e : rig.sink.ended) {
        EXPECT_EQ(e.app, "DNS") << e.conversation;
        tcp += e.conversation.starts_with("tcp");
    }
    EXPECT_GT(tcp, 0); // dig +tcp, and the answer too large for UDP
    EXPECT_EQ(rig.detector.stats().inspecting, 0U);
}

TEST(AppDetector, Ssh) {
    Rig rig(dlt_of("lan-ssh-nano.pcap"));
    replay(rig, "lan-ssh-nano.pcap");
    ASSERT_EQ(rig.sink.ended.size(), 1U);
    EXPECT_EQ(rig.sink.ended[0].app, "SSH") << rig.sink.ended[0].conversation;
    EXPECT_EQ(rig.detector.stats().detected, 1U);
}

// ---- The bound, and the state freed ----

/// A TCP conversation 192.0.2.1:40000 > 198.51.100.2:4444 whose payload is filler no dissector
/// claims: `n` frames, alternating direction, none of them a SYN.
std::vector<Bytes> filler_conversation(int n, std::uint16_t dport = 4444) {
    std::vector<Bytes> frames;
    for (int i = 0; i < n; ++i) {
        const bool reply = i % 2 == 1;
        FrameBuilder b;
        b.ethernet();
        if (reply) {
            b.ipv4({.src = "198.51.100.2", .dst = "192.0.2.1"});
            b.tcp({.sport = dport, .dport = 40000, .seq = 9000U + 100U * static_cast<unsigned>(i),
                   .ack = 1000, .flags = 0x18});
        } else {
            b.ipv4();
            b.tcp({.sport = 40000, .dport = dport, .seq = 1000U + 100U * static_cast<unsigned>(i),
                   .ack = 9000, .flags = 0x18});
        }
        b.payload(100, static_cast<std::uint8_t>(0x80 + i));
        frames.push_back(b.build());
    }
    return frames;
}

TEST(AppDetector, GivesUpAfterTheBoundAndFreesTheState) {
    AppDetectorOptions options;
    options.max_tcp_packets = 6;
    Rig rig(DLT_EN10MB, options);
    const auto frames = filler_conversation(20);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        rig.feed(frames[i], kSecond + static_cast<std::int64_t>(i) * 1000);
        // One nDPI flow state while undecided, none from the bound on.
        EXPECT_EQ(rig.detector.stats().inspecting, i + 1 < 6 ? 1U : 0U) << "after frame " << i;
    }
    const auto& s = rig.detector.stats();
    EXPECT_EQ(s.packets_inspected, 6U); // nothing more once it gave up
    EXPECT_EQ(s.gave_up, 1U);
    EXPECT_EQ(s.peak_inspecting, 1U);
    rig.end();
    ASSERT_EQ(rig.sink.ended.size(), 1U);
    EXPECT_EQ(rig.sink.ended[0].app, "");
    EXPECT_EQ(s.ended_undecided, 0U);
}

TEST(AppDetector, AFlowEndingUndecidedFreesItsState) {
    Rig rig(DLT_EN10MB);
    const auto frames = filler_conversation(3);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        rig.feed(frames[i], kSecond + static_cast<std::int64_t>(i));
    }
    EXPECT_EQ(rig.detector.stats().inspecting, 1U);
    rig.end();
    const auto& s = rig.detector.stats();
    EXPECT_EQ(s.inspecting, 0U);
    EXPECT_EQ(s.ended_undecided, 1U);
    EXPECT_EQ(s.gave_up, 0U);
    ASSERT_EQ(rig.sink.ended.size(), 1U);
    EXPECT_EQ(rig.sink.ended[0].app, "");
    EXPECT_EQ(rig.sink.ended[0].why, flow::EndReason::CaptureEnd);
}

TEST(AppDetector, AtMostMaxInspectingAtOnce) {
    AppDetectorOptions options;
    options.max_inspecting = 2;
    Rig rig(DLT_EN10MB, options);
    for (std::uint16_t port = 41000; port < 41005; ++port) {
        rig.feed(filler_conversation(1, port)[0], kSecond + port);
    }
    const auto& s = rig.detector.stats();
    EXPECT_EQ(s.inspecting, 2U);
    EXPECT_EQ(s.peak_inspecting, 2U);
    EXPECT_EQ(s.flows_inspected, 2U);
    EXPECT_EQ(s.skipped_busy, 3U);
    rig.end();
    EXPECT_EQ(rig.sink.ended.size(), 5U);
    for (const auto& [conversation, app] : rig.apps()) EXPECT_EQ(app, "") << conversation;
    EXPECT_EQ(rig.detector.stats().inspecting, 0U);
}

TEST(AppDetector, PacketsWithoutAConversationAreIgnored) {
    Rig rig(DLT_EN10MB);
    rig.feed(FrameBuilder{}.ethernet().arp().build(), kSecond);
    rig.feed(FrameBuilder{}.ethernet().ipv4().icmp().build(), kSecond + 1);
    EXPECT_EQ(rig.detector.stats().packets_inspected, 0U);
    EXPECT_EQ(rig.detector.stats().flows_inspected, 0U);
}

// ---- Port numbers lie ----

Bytes http_request(std::uint16_t dport, std::int64_t seq) {
    const std::string request = "GET /index.html HTTP/1.1\r\nHost: intranet.example\r\n"
                                "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
    Octets bytes(request.begin(), request.end());
    FrameBuilder b;
    b.ethernet().ipv4().tcp({.sport = 40000, .dport = dport,
                             .seq = static_cast<std::uint32_t>(seq), .ack = 1, .flags = 0x18});
    b.raw(bytes);
    return b.build();
}

TEST(AppDetector, HttpOnPort53IsHttp) {
    Rig rig(DLT_EN10MB);
    rig.feed(http_request(53, 1000), kSecond);
    rig.end();
    ASSERT_EQ(rig.sink.ended.size(), 1U);
    EXPECT_EQ(rig.sink.ended[0].app, "HTTP") << rig.sink.ended[0].conversation;
}

TEST(AppDetector, AReusedSlotStartsUndecided) {
    const flow::FlowTableOptions defaults;
    Rig rig(DLT_EN10MB);
    // An HTTP conversation, ended by an idle timeout, then filler in the slot it freed.
    rig.feed(http_request(8080, 1000), kSecond);
    const std::uint32_t http_slot = rig.table.last_packet_slot();
    const std::int64_t later = kSecond + defaults.udp_timeout_ns * 10;
    rig.feed(filler_conversation(1)[0], later);
    EXPECT_EQ(rig.table.last_packet_slot(), http_slot); // the table reused it
    rig.end();
    const auto apps = rig.apps();
    ASSERT_EQ(apps.size(), 2U);
    EXPECT_EQ(apps.at("tcp 192.0.2.1:40000 > 198.51.100.2:8080"), "HTTP");
    EXPECT_EQ(apps.at("tcp 192.0.2.1:40000 > 198.51.100.2:4444"), "");
}

TEST(AppDetector, VerdictsCarryNdpisIds) {
    Rig rig(DLT_EN10MB);
    rig.feed(http_request(80, 1000), kSecond);
    std::optional<dpi::AppVerdict> verdict;
    rig.table.for_each([&](const flow::Flow& f) { verdict = rig.detector.verdict_of(f); });
    ASSERT_TRUE(verdict.has_value());
    EXPECT_EQ(verdict->app, 7); // NDPI_PROTOCOL_HTTP
    EXPECT_EQ(verdict->master, 0);
    EXPECT_EQ(verdict->name, "HTTP");
    EXPECT_EQ(AppDetector::ndpi_version().substr(0, 2), "4.");
}

} // namespace
} // namespace pairwatch::test
