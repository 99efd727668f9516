#include "pairwatch/flow/flow_table.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <array>

#include <string>
#include <vector>

using pairwatch::decode::Outcome;
using pairwatch::decode::PacketInfo;
using pairwatch::flow::ConnState;
using pairwatch::flow::DirReason;
using pairwatch::flow::EndReason;
using pairwatch::flow::Flow;
using pairwatch::flow::FlowTable;
using pairwatch::flow::FlowTableOptions;
using pairwatch::services::ServiceRegistry;
using pairwatch::test::CapturingSink;
using pairwatch::test::Endpoint;
using pairwatch::test::kSecond;
using pairwatch::test::tcp_packet;
using pairwatch::test::udp_packet;

static_assert(sizeof(Flow) == 136);

namespace {

constexpr std::uint8_t F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10;
constexpr std::uint8_t SA = S | A, PA = P | A, FA = F | A, RA = R | A;

const Endpoint kClient{"10.0.0.1", 50000};
const Endpoint kServer{"10.0.0.2", 80};
const Endpoint kDnsClient{"10.0.0.1", 50001};
const Endpoint kDns{"10.0.0.53", 53};

std::int64_t at(double seconds) {
    return static_cast<std::int64_t>(seconds * 1e9);
}

const ServiceRegistry &registry() {
    static const ServiceRegistry r;
    return r;
}

struct Fixture {
    explicit Fixture(FlowTableOptions opts = {})
        : table(opts, pairwatch::test::client_rule(registry()), &sink) {}
    CapturingSink sink;
    FlowTable table;

    void tcp(double t, Endpoint src, Endpoint dst, std::uint8_t flags, std::uint32_t seq,
             std::uint32_t ack, std::uint32_t len = 0) {
        table.on_packet(tcp_packet(at(t), src, dst, flags, seq, ack, len));
    }
    void udp(double t, Endpoint src, Endpoint dst, std::uint32_t len = 10) {
        table.on_packet(udp_packet(at(t), src, dst, len));
    }
    // A full handshake starting at t, 1 ms apart: ends at t + 0.002.
    void handshake(double t, Endpoint c = kClient, Endpoint s = kServer, std::uint32_t isn = 1000) {
        tcp(t, c, s, S, isn, 0);
        tcp(t + 0.001, s, c, SA, 5000, isn + 1);
        tcp(t + 0.002, c, s, A, isn + 1, 5001);
    }
    std::vector<Flow> open_flows() const {
        std::vector<Flow> v;
        table.for_each([&v](const Flow &f) { v.push_back(f); });
        return v;
    }
};

} // namespace

TEST(FlowTable, BothDirectionsInOneRecordWithCountersPerDirection) {
    Fixture fx;
    fx.handshake(1.0);
    fx.tcp(1.003, kClient, kServer, PA, 1001, 5001, 100);
    fx.tcp(1.004, kServer, kClient, PA, 5001, 1101, 300);
    fx.tcp(1.005, kServer, kClient, PA, 5301, 1101, 200);
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    const Flow &f = fx.sink.ended[0].flow;
    // Orig: SYN, ACK, 100-byte segment. IP = 40 + payload, wire = IP + 14.
    EXPECT_EQ(f.orig().packets.get(), 3U);
    EXPECT_EQ(f.orig().payload_bytes.get(), 100U);
    EXPECT_EQ(f.orig().ip_bytes.get(), 40U * 3 + 100);
    EXPECT_EQ(f.orig().wire_bytes.get(), 54U * 3 + 100);
    // Resp: SYN-ACK, 300 and 200 bytes.
    EXPECT_EQ(f.resp().packets.get(), 3U);
    EXPECT_EQ(f.resp().payload_bytes.get(), 500U);
    EXPECT_EQ(f.resp().ip_bytes.get(), 40U * 3 + 500);
    EXPECT_EQ(f.resp().wire_bytes.get(), 54U * 3 + 500);
    EXPECT_EQ(f.orig_addr(), pairwatch::test::ip("10.0.0.1"));
    EXPECT_EQ(f.orig_port(), 50000);
    EXPECT_EQ(f.resp_addr(), pairwatch::test::ip("10.0.0.2"));
    EXPECT_EQ(f.resp_port(), 80);
    EXPECT_EQ(f.first_ns, at(1.0));
    EXPECT_EQ(f.last_ns, at(1.005));
    EXPECT_EQ(f.dir_reason(), DirReason::Syn);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::CaptureEnd);
    EXPECT_EQ(fx.sink.finished, 1);
}

TEST(FlowTable, CountersOnTheRightSideWhenTheOriginatorIsEndpointB) {
    // 10.0.0.9 > 10.0.0.2: the client is endpoint b.
    Fixture fx;
    const Endpoint client{"10.0.0.9", 50000};
    fx.tcp(1, client, kServer, S, 1, 0);
    fx.tcp(1.1, kServer, client, SA, 9, 2);
    fx.tcp(1.2, client, kServer, PA, 2, 10, 7);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    const Flow &f = fx.sink.ended[0].flow;
    EXPECT_EQ(f.orig_side(), 1);
    EXPECT_EQ(f.orig_addr(), pairwatch::test::ip("10.0.0.9"));
    EXPECT_EQ(f.orig().packets.get(), 2U);
    EXPECT_EQ(f.orig().payload_bytes.get(), 7U);
    EXPECT_EQ(f.resp().packets.get(), 1U);
    EXPECT_EQ(fx.sink.ended[0].history(), "ShD");
}

TEST(FlowTable, SeparateRecordsPerPairProtocolAndVlan) {
    Fixture fx;
    fx.udp(1, kDnsClient, kDns);
    fx.udp(1, kDns, kDnsClient);
    fx.tcp(1, kDnsClient, kDns, S, 1, 0);
    PacketInfo tagged = udp_packet(at(1), kDnsClient, kDns);
    tagged.vlan_count = 1;
    tagged.vlan = {7, 0};
    fx.table.on_packet(tagged);
    fx.udp(1, {"10.0.0.1", 50002}, kDns);
    EXPECT_EQ(fx.table.size(), 4U);
    EXPECT_EQ(fx.table.stats().flows_created, 4U);
    EXPECT_EQ(fx.table.stats().active, 4U);
    EXPECT_EQ(fx.table.stats().peak_active, 4U);
}

TEST(FlowTable, UdpIdleTimeout60s) {
    Fixture fx;
    fx.udp(0, kDnsClient, kDns);
    fx.udp(10, kDnsClient, kDns); // last activity at 10 s
    fx.table.advance_time(at(69.9));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(70.1));
    EXPECT_EQ(fx.table.size(), 0U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Idle);
    EXPECT_EQ(fx.sink.ended[0].flow.last_ns, at(10));
    EXPECT_EQ(fx.table.stats().ended[static_cast<std::size_t>(EndReason::Idle)], 1U);
}

// Was a bug (fixed): Zeek's inactivity timer removes a connection when last_time + timeout <= now (spec §5:
// "idle ≥ 60 s"); the table keeps it until now - last > timeout, so a flow idle exactly 60 s
// survives and a packet arriving exactly 60 s later joins the old record instead of a new one.
// UDP packet at 0 s, advance_time(60 s): expected ended (idle), actual still open.
TEST(FlowTable, UdpExpiresWhenIdleExactlyTheTimeout) {
    Fixture fx;
    fx.udp(0, kDnsClient, kDns);
    fx.table.advance_time(at(60));
    EXPECT_EQ(fx.table.size(), 0U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Idle);
}

TEST(FlowTable, TcpIdleTimeout300sAfterHandshake) {
    Fixture fx;
    fx.handshake(0);
    fx.table.advance_time(at(200)); // past the UDP timeout: still open
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(299.9));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(300.1));
    EXPECT_EQ(fx.table.size(), 0U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Idle);
    EXPECT_EQ(fx.sink.ended[0].history(), "ShA");
}

TEST(FlowTable, TcpStillInHandshakeUsesTheUdpTimeout) {
    // A lone SYN-ACK: the responder is in SYN_ACK_SENT, the originator inactive. Not an
    // attempt (the originator sent nothing), still in the handshake: 60 s.
    Fixture fx;
    fx.tcp(0, kServer, kClient, SA, 5000, 1001);
    fx.table.advance_time(at(30));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(59.9));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(60.1));
    EXPECT_EQ(fx.table.size(), 0U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Idle);
    EXPECT_EQ(fx.sink.ended[0].history(), "^h");
}

TEST(FlowTable, UnansweredSynEnds5sAfterTheFirstSynEvenWithRetransmits) {
    Fixture fx;
    fx.tcp(0, kClient, kServer, S, 1000, 0);
    fx.tcp(1, kClient, kServer, S, 1000, 0);
    fx.tcp(3, kClient, kServer, S, 1000, 0);
    fx.table.advance_time(at(4.9));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(5.1)); // 5 s from the first SYN, 2.1 s from the last
    EXPECT_EQ(fx.table.size(), 0U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Idle);
    EXPECT_EQ(fx.sink.ended[0].history(), "S");
    EXPECT_EQ(fx.sink.ended[0].conn_state(), ConnState::S0);
    EXPECT_EQ(fx.sink.ended[0].flow.orig().packets.get(), 3U);
    EXPECT_EQ(fx.sink.ended[0].flow.last_ns, at(3));
}

TEST(FlowTable, SynRetransmitAfterTheAttemptExpiredStartsANewRecord) {
    Fixture fx;
    fx.tcp(0, kClient, kServer, S, 1000, 0);
    fx.tcp(6, kClient, kServer, S, 1000, 0); // the attempt timed out at 5 s
    EXPECT_EQ(fx.table.size(), 1U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].flow.first_ns, at(0));
    EXPECT_EQ(fx.table.stats().flows_created, 2U);
}

TEST(FlowTable, AnsweredSynIsNoLongerAnAttempt) {
    Fixture fx;
    fx.handshake(0);
    fx.table.advance_time(at(10));
    EXPECT_EQ(fx.table.size(), 1U);
}

TEST(FlowTable, ClosedFlowLingers5sFromItsLastTime) {
    Fixture fx;
    fx.handshake(0);
    fx.tcp(10, kClient, kServer, FA, 1001, 5001);
    fx.tcp(10.5, kServer, kClient, FA, 5001, 1002);
    // The last ACK after both closed neither extends the duration nor the linger.
    fx.tcp(12, kClient, kServer, A, 1002, 5002);
    fx.table.advance_time(at(15.4));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(15.6));
    EXPECT_EQ(fx.table.size(), 0U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Fin);
    EXPECT_EQ(fx.sink.ended[0].flow.last_ns, at(10.5));
    EXPECT_EQ(fx.sink.ended[0].flow.orig().packets.get(), 4U);
    EXPECT_EQ(fx.sink.ended[0].history(), "ShAFf");
    EXPECT_EQ(fx.sink.ended[0].conn_state(), ConnState::SF);
}

TEST(FlowTable, ResetFlowLingers5sAndEndsWithRst) {
    Fixture fx;
    fx.handshake(0);
    fx.tcp(1, kServer, kClient, RA, 5001, 1001);
    fx.table.advance_time(at(5.9));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(6.1));
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Rst);
    EXPECT_EQ(fx.table.stats().ended[static_cast<std::size_t>(EndReason::Rst)], 1U);
}

TEST(FlowTable, HalfClosedFlowUsesTheTcpTimeout) {
    // One FIN only: not closed, so the 5 s linger does not apply.
    Fixture fx;
    fx.handshake(0);
    fx.tcp(1, kClient, kServer, FA, 1001, 5001);
    fx.table.advance_time(at(100));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(301.1));
    EXPECT_EQ(fx.table.size(), 0U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Idle);
    EXPECT_EQ(fx.sink.ended[0].conn_state(), ConnState::S2);
}

TEST(FlowTable, ExpiryRunsOnPacketTime) {
    // A packet of another flow moves the clock; expiry happens before it is counted.
    Fixture fx;
    fx.udp(0, kDnsClient, kDns);
    fx.udp(61, {"10.0.0.1", 50002}, kDns);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].flow.orig_port(), 50001);
    EXPECT_EQ(fx.table.size(), 1U);
    // A packet with an older timestamp does not move time backwards nor expire anything.
    fx.udp(1, {"10.0.0.1", 50003}, kDns);
    EXPECT_EQ(fx.table.size(), 2U);
}

TEST(FlowTable, AdvanceTimeNeverMovesBackwards) {
    Fixture fx;
    fx.udp(100, kDnsClient, kDns);
    fx.table.advance_time(at(50));
    fx.table.advance_time(at(159));
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.advance_time(at(160.5));
    EXPECT_EQ(fx.table.size(), 0U);
}

TEST(FlowTable, ExpiryOrderWithinOneTimeoutFollowsIdleTime) {
    Fixture fx;
    fx.udp(0, {"10.0.0.1", 50001}, kDns);
    fx.udp(1, {"10.0.0.1", 50002}, kDns);
    fx.udp(2, {"10.0.0.1", 50003}, kDns);
    fx.udp(3, {"10.0.0.1", 50001}, kDns); // refreshed: now the youngest
    fx.table.advance_time(at(100));
    ASSERT_EQ(fx.sink.ended.size(), 3U);
    EXPECT_EQ(fx.sink.ended[0].flow.orig_port(), 50002);
    EXPECT_EQ(fx.sink.ended[1].flow.orig_port(), 50003);
    EXPECT_EQ(fx.sink.ended[2].flow.orig_port(), 50001);
}

// Was a bug (fixed): when one clock step expires flows on several timeout lists, expire() ends them list by
// list (TCP open, UDP/short, closed, attempt) instead of in the order their timeouts ran out.
// Closed TCP flow (expires at 15 s), UDP flow (at 60 s), established TCP flow (at 300 s),
// then advance_time(400 s): expected ended closed, udp, tcp; actual tcp, udp, closed.
TEST(FlowTable, ExpiryAcrossTimeoutsFollowsTheDeadlines) {
    Fixture fx;
    fx.handshake(0, {"10.0.0.1", 50010}); // expires at ~300 s
    fx.udp(0, kDnsClient, kDns);          // expires at 60 s
    fx.handshake(10, {"10.0.0.1", 50020});
    fx.tcp(10, {"10.0.0.1", 50020}, kServer, RA, 1001, 5001); // linger until 15 s
    fx.table.advance_time(at(400));
    ASSERT_EQ(fx.sink.ended.size(), 3U);
    EXPECT_EQ(fx.sink.ended[0].flow.orig_port(), 50020);
    EXPECT_EQ(fx.sink.ended[1].flow.orig_port(), 50001);
    EXPECT_EQ(fx.sink.ended[2].flow.orig_port(), 50010);
}

// The table skips expiry until the earliest deadline among the lists' heads. A packet stamped
// before the clock (out of order) queues a flow behind one due later; once that one leaves the
// head, the earlier deadline is the one to wait for.
TEST(FlowTable, AFlowQueuedOutOfOrderEndsWhenItReachesTheHeadAndItsTimeHasCome) {
    Fixture fx;
    fx.udp(100, {"10.0.0.1", 50001}, kDns); // due at 160 s
    fx.udp(50, {"10.0.0.1", 50002}, kDns);  // stamped 50 s: due at 110 s, queued second
    fx.table.advance_time(at(120));
    EXPECT_TRUE(fx.sink.ended.empty()); // the head is not due, and only heads are looked at
    fx.udp(130, {"10.0.0.1", 50001}, kDns); // the head moves to the tail
    EXPECT_TRUE(fx.sink.ended.empty());
    fx.table.advance_time(at(130.5));
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].flow.orig_port(), 50002);
    EXPECT_EQ(fx.sink.ended[0].flow.last_ns, at(50));
}

TEST(FlowTable, MaxFlowsEvictsTheLongestIdle) {
    FlowTableOptions opts;
    opts.max_flows = 2;
    Fixture fx(opts);
    fx.udp(1, {"10.0.0.1", 50001}, kDns);
    fx.udp(2, {"10.0.0.1", 50002}, kDns);
    fx.udp(3, {"10.0.0.1", 50001}, kDns); // 50002 is now the longest idle
    fx.udp(4, {"10.0.0.1", 50003}, kDns);
    EXPECT_EQ(fx.table.size(), 2U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Evicted);
    EXPECT_EQ(fx.sink.ended[0].flow.orig_port(), 50002);
    const auto &st = fx.table.stats();
    EXPECT_EQ(st.ended[static_cast<std::size_t>(EndReason::Evicted)], 1U);
    EXPECT_EQ(st.flows_created, 3U);
    EXPECT_EQ(st.active, 2U);
    EXPECT_EQ(st.peak_active, 2U);
    // The evicted pair comes back as a new record.
    fx.udp(5, {"10.0.0.1", 50002}, kDns);
    EXPECT_EQ(fx.table.stats().ended[static_cast<std::size_t>(EndReason::Evicted)], 2U);
    EXPECT_EQ(fx.sink.ended[1].flow.orig_port(), 50001);
}

TEST(FlowTable, EvictionPicksTheLongestIdleAcrossTcpAndUdp) {
    FlowTableOptions opts;
    opts.max_flows = 2;
    Fixture fx(opts);
    fx.handshake(1);                            // TCP, last at 1.002
    fx.udp(2, kDnsClient, kDns);                // UDP, last at 2
    fx.tcp(3, kClient, kServer, A, 1001, 5001); // TCP, last at 3
    fx.udp(4, {"10.0.0.1", 50003}, kDns);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Evicted);
    EXPECT_EQ(fx.sink.ended[0].flow.orig_port(), kDnsClient.port);
}

TEST(FlowTable, NewSynAfterCloseStartsANewRecord) {
    Fixture fx;
    fx.handshake(0);
    fx.tcp(1, kClient, kServer, FA, 1001, 5001);
    fx.tcp(1.1, kServer, kClient, FA, 5001, 1002);
    fx.tcp(1.2, kClient, kServer, A, 1002, 5002);
    fx.tcp(2, kClient, kServer, S, 9000, 0); // same pair, within the linger
    EXPECT_EQ(fx.table.size(), 1U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Fin);
    EXPECT_EQ(fx.sink.ended[0].history(), "ShAFf");
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 2U);
    EXPECT_EQ(fx.sink.ended[1].history(), "S");
    EXPECT_EQ(fx.sink.ended[1].flow.first_ns, at(2));
    EXPECT_EQ(fx.sink.ended[1].flow.orig().packets.get(), 1U);
    EXPECT_EQ(fx.sink.ended[1].why, EndReason::CaptureEnd);
    EXPECT_EQ(fx.table.stats().flows_created, 2U);
}

TEST(FlowTable, SynWithAnotherIsnOnAnOpenPairIsReuse) {
    Fixture fx;
    fx.handshake(0);
    fx.tcp(1, kClient, kServer, S, 7777, 0);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Reused);
    EXPECT_EQ(fx.table.stats().ended[static_cast<std::size_t>(EndReason::Reused)], 1U);
    EXPECT_EQ(fx.table.size(), 1U);
}

TEST(FlowTable, RetransmittedSynIsNotReuse) {
    Fixture fx;
    fx.tcp(0, kClient, kServer, S, 1000, 0);
    fx.tcp(1, kClient, kServer, S, 1000, 0);
    fx.tcp(1.5, kServer, kClient, SA, 5000, 1001);
    fx.tcp(1.6, kClient, kServer, A, 1001, 5001);
    EXPECT_TRUE(fx.sink.ended.empty());
    EXPECT_EQ(fx.table.stats().flows_created, 1U);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].history(), "ShA");
    EXPECT_EQ(fx.sink.ended[0].flow.orig().packets.get(), 3U);
}

// Was a bug (fixed): Zeek's IsReuse calls a SYN a retransmission when its sequence number is the
// originator's initial one (base_seq == start_seq), however far the connection went. The
// tracker only recognises it while the side has sent nothing past its SYN, so a duplicate SYN
// arriving after data ends the conversation (reason reused) and starts a new record.
// S 1000, SA 5000/1001, A 1001, PA 1001 len 10, S 1000 again: expected one record "ShAD",
// actual two records ("ShAD" reused, then "S").
TEST(FlowTable, LateDuplicateSynAfterDataIsNotReuse) {
    Fixture fx;
    fx.handshake(0);
    fx.tcp(0.5, kClient, kServer, PA, 1001, 5001, 10);
    fx.tcp(0.6, kClient, kServer, S, 1000, 0);
    EXPECT_TRUE(fx.sink.ended.empty());
    EXPECT_EQ(fx.table.stats().flows_created, 1U);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].history(), "ShAD");
    EXPECT_EQ(fx.sink.ended[0].flow.orig().packets.get(), 4U);
}

TEST(FlowTable, SynAfterRejectStartsANewRejRecord) {
    // Zeek's pop3 reference: each SYN retransmission after the server's RST is a new "Sr".
    Fixture fx;
    fx.tcp(0, kClient, kServer, S, 1000, 0);
    fx.tcp(0.1, kServer, kClient, RA, 0, 1001);
    fx.tcp(0.5, kClient, kServer, S, 1000, 0);
    fx.tcp(0.6, kServer, kClient, RA, 0, 1001);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 2U);
    for (const auto &e : fx.sink.ended) {
        EXPECT_EQ(e.history(), "Sr");
        EXPECT_EQ(e.conn_state(), ConnState::REJ);
        EXPECT_EQ(e.why, EndReason::Rst);
    }
}

TEST(FlowTable, SynAckAfterCloseIsNotReuse) {
    // Zeek's IsReuse: a SYN-ACK only starts a new connection when the originator is inactive.
    Fixture fx;
    fx.handshake(0);
    fx.tcp(1, kClient, kServer, FA, 1001, 5001);
    fx.tcp(1.1, kServer, kClient, FA, 5001, 1002);
    fx.tcp(1.2, kServer, kClient, SA, 5000, 1001);
    EXPECT_EQ(fx.table.stats().flows_created, 1U);
}

TEST(FlowTable, NonFirstFragmentsCountTowardTheirFlow) {
    Fixture fx;
    fx.udp(1, kDnsClient, kDns, 3000);
    PacketInfo frag = udp_packet(at(1.001), kDnsClient, kDns, 0);
    frag.fragment = true;
    frag.non_first_fragment = true;
    frag.ip_len = 1500;
    frag.wire_len = 1514;
    frag.payload_len = 0;
    fx.table.on_packet(frag);
    fx.table.on_packet(frag);
    EXPECT_EQ(fx.table.size(), 1U);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    const Flow &f = fx.sink.ended[0].flow;
    EXPECT_EQ(f.orig().packets.get(), 3U);
    EXPECT_EQ(f.orig().ip_bytes.get(), 3028U + 3000U);
    EXPECT_EQ(f.orig().wire_bytes.get(), 3042U + 3028U);
    EXPECT_EQ(f.last_ns, at(1.001));
    EXPECT_EQ(fx.sink.ended[0].history(), "D");
}

TEST(FlowTable, TcpNonFirstFragmentLeavesTheStateAlone) {
    Fixture fx;
    fx.handshake(0);
    PacketInfo frag = tcp_packet(at(0.5), kClient, kServer, 0, 0, 0, 0);
    frag.non_first_fragment = true;
    frag.tcp_flags_known = false;
    frag.tcp_header_len = 0;
    frag.ip_len = 800;
    fx.table.on_packet(frag);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].history(), "ShA");
    EXPECT_EQ(fx.sink.ended[0].flow.orig().packets.get(), 3U);
    EXPECT_EQ(fx.sink.ended[0].flow.orig().ip_bytes.get(), 80U + 800U);
}

TEST(FlowTable, PacketsInAndNotInFlowsAddUp) {
    Fixture fx;
    std::uint64_t given = 0;
    for (int i = 0; i < 5; ++i, ++given)
        fx.udp(1, kDnsClient, kDns);
    fx.handshake(2);
    given += 3;
    for (const Outcome o : {Outcome::OtherIp, Outcome::NonIp, Outcome::UnmatchedFragment,
                            Outcome::Truncated, Outcome::Malformed}) {
        PacketInfo p;
        p.ts_ns = at(3);
        p.outcome = o;
        fx.table.on_packet(p);
        ++given;
    }
    const auto &st = fx.table.stats();
    EXPECT_EQ(st.packets_in_flows, 8U);
    EXPECT_EQ(st.packets_not_in_flows, 5U);
    EXPECT_EQ(st.packets_in_flows + st.packets_not_in_flows, given);
}

TEST(FlowTable, OnEndEndsEveryOpenFlowOldestFirst) {
    Fixture fx;
    fx.udp(1, {"10.0.0.1", 50001}, kDns); // open, last 1
    fx.handshake(2);                      // open TCP, last 2.002
    fx.handshake(3, {"10.0.0.1", 50002}); // closed by FIN below, last 3.102
    fx.tcp(3.1, {"10.0.0.1", 50002}, kServer, FA, 1001, 5001);
    fx.tcp(3.102, kServer, {"10.0.0.1", 50002}, FA, 5001, 1002);
    fx.handshake(4, {"10.0.0.1", 50003}); // reset, last 4.1
    fx.tcp(4.1, kServer, {"10.0.0.1", 50003}, RA, 5001, 1001);
    fx.tcp(5, {"10.0.0.1", 50004}, kServer, S, 1, 0); // attempt, last 5
    fx.udp(1.5, {"10.0.0.1", 50001}, kDns);           // an older timestamp: last stays 1
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 5U);
    EXPECT_EQ(fx.table.size(), 0U);
    const std::vector<std::pair<std::uint16_t, EndReason>> want = {
        {50001, EndReason::CaptureEnd}, {50000, EndReason::CaptureEnd}, {50002, EndReason::Fin},
        {50003, EndReason::Rst},        {50004, EndReason::CaptureEnd},
    };
    for (std::size_t i = 0; i < want.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(fx.sink.ended[i].flow.orig_port(), want[i].first);
        EXPECT_EQ(fx.sink.ended[i].why, want[i].second);
    }
    EXPECT_EQ(fx.sink.finished, 1);
    EXPECT_EQ(fx.table.stats().active, 0U);
    EXPECT_EQ(fx.table.stats().ended[static_cast<std::size_t>(EndReason::CaptureEnd)], 3U);
}

TEST(FlowTable, NoSinkIsFine) {
    FlowTable table(FlowTableOptions{}, {}, nullptr);
    table.on_packet(udp_packet(at(1), kDnsClient, kDns));
    table.advance_time(at(100));
    table.on_packet(udp_packet(at(101), kDnsClient, kDns));
    table.on_end();
    EXPECT_EQ(table.size(), 0U);
    EXPECT_EQ(table.stats().flows_created, 2U);
}

TEST(FlowTable, ForEachVisitsOpenFlows) {
    Fixture fx;
    fx.udp(1, {"10.0.0.1", 50001}, kDns);
    fx.udp(1, {"10.0.0.1", 50002}, kDns);
    const auto flows = fx.open_flows();
    ASSERT_EQ(flows.size(), 2U);
    EXPECT_NE(flows[0].orig_port(), flows[1].orig_port());
}

TEST(FlowTable, MemoryBytesCoversRecordsAndIndex) {
    Fixture fx;
    const std::size_t empty = fx.table.memory_bytes();
    for (std::uint16_t i = 0; i < 1000; ++i) {
        fx.udp(1, {"10.0.0.1", static_cast<std::uint16_t>(10000 + i)}, kDns);
    }
    EXPECT_EQ(fx.table.size(), 1000U);
    const std::size_t full = fx.table.memory_bytes();
    EXPECT_GE(full, 1000U * sizeof(Flow) + 1000U * 5U);
    EXPECT_GT(full, empty);
    // Not wildly more than a record plus its index share per flow.
    EXPECT_LT(full, 1000U * 400U);
}

TEST(FlowTable, ManyFlowsSlotsReusedAfterExpiry) {
    Fixture fx;
    for (std::uint16_t i = 0; i < 500; ++i) {
        fx.udp(1, {"10.0.0.1", static_cast<std::uint16_t>(20000 + i)}, kDns);
    }
    for (std::uint16_t i = 0; i < 500; ++i) {
        fx.udp(100, {"10.0.0.2", static_cast<std::uint16_t>(20000 + i)}, kDns);
    }
    EXPECT_EQ(fx.sink.ended.size(), 500U);
    EXPECT_EQ(fx.table.size(), 500U);
    // Every remaining flow is found again (one record per pair, no duplicates).
    for (std::uint16_t i = 0; i < 500; ++i) {
        fx.udp(100.5, {"10.0.0.2", static_cast<std::uint16_t>(20000 + i)}, kDns);
    }
    EXPECT_EQ(fx.table.size(), 500U);
    EXPECT_EQ(fx.table.stats().flows_created, 1000U);
}

// ---- originator rules ----

TEST(FlowTableOriginator, SynSender) {
    Fixture fx;
    // The SYN comes from port 80 to a dynamic port: the SYN wins over the port rule.
    fx.tcp(0, kServer, kClient, S, 1, 0);
    fx.table.on_end();
    const auto &e = fx.sink.ended.at(0);
    EXPECT_EQ(e.flow.orig_port(), 80);
    EXPECT_EQ(e.flow.dir_reason(), DirReason::Syn);
    EXPECT_EQ(e.history(), "S");
    EXPECT_EQ(to_string(e.flow.dir_reason()), "syn");
}

TEST(FlowTableOriginator, ReceiverOfAFirstSynAck) {
    Fixture fx;
    // SYN-ACK from a dynamic port to 80: its receiver (80) is the originator.
    fx.tcp(0, kClient, kServer, SA, 1, 2);
    fx.table.on_end();
    const auto &e = fx.sink.ended.at(0);
    EXPECT_EQ(e.flow.orig_port(), 80);
    EXPECT_EQ(e.flow.resp_port(), 50000);
    EXPECT_EQ(e.flow.dir_reason(), DirReason::SynAck);
    EXPECT_EQ(e.history(), "^h");
    EXPECT_EQ(to_string(e.flow.dir_reason()), "synack");
}

namespace {

struct PortCase {
    std::uint8_t proto;
    std::uint16_t first_sender_port; // the first packet comes from this port...
    std::uint16_t other_port;        // ...to this one
    std::uint16_t want_orig_port;
    DirReason want_reason;
    const char *want_history;
};

} // namespace

TEST(FlowTableOriginator, PortRule) {
    ASSERT_FALSE(registry().has_service(pairwatch::services::Proto::Tcp, 39500));
    ASSERT_TRUE(registry().has_service(pairwatch::services::Proto::Tcp, 3306));
    const std::vector<PortCase> cases = {
        // Dynamic over registered, whoever talks first.
        {17, 50000, 5000, 50000, DirReason::Port, "D"},
        {17, 5000, 50000, 50000, DirReason::Port, "^d"},
        // Registered over well-known.
        {17, 53, 3000, 3000, DirReason::Port, "^d"},
        {6, 3000, 80, 3000, DirReason::Port, "D"},
        // Same category: the port without a known service.
        {6, 3306, 39500, 39500, DirReason::Port, "^d"},
        // IANA client ports: 68 (bootpc) over 67, 546 (dhcpv6-client) over 547.
        {17, 67, 68, 68, DirReason::Port, "^d"},
        {17, 547, 546, 546, DirReason::Port, "^d"},
        {17, 546, 547, 546, DirReason::Port, "D"},
        // Both dynamic, neither known: the higher port.
        {17, 50000, 60000, 60000, DirReason::Port, "^d"},
        {17, 60000, 50000, 60000, DirReason::Port, "D"},
        // A tie: the first sender.
        {17, 5353, 5353, 5353, DirReason::First, "D"},
    };
    for (const PortCase &c : cases) {
        SCOPED_TRACE(testing::Message()
                     << int{c.proto} << " " << c.first_sender_port << " -> " << c.other_port);
        Fixture fx;
        const Endpoint first{"10.0.0.5", c.first_sender_port};
        const Endpoint other{"10.0.0.6", c.other_port};
        if (c.proto == 17) {
            fx.udp(0, first, other);
        } else {
            fx.tcp(0, first, other, PA, 100, 200, 10);
        }
        fx.table.on_end();
        ASSERT_EQ(fx.sink.ended.size(), 1U);
        const auto &e = fx.sink.ended[0];
        EXPECT_EQ(e.flow.orig_port(), c.want_orig_port);
        EXPECT_EQ(e.flow.dir_reason(), c.want_reason);
        EXPECT_EQ(e.history(), c.want_history);
    }
}

TEST(FlowTableOriginator, TieGoesToTheFirstSenderEitherWay) {
    // Same port both sides: the first sender, whichever key endpoint it is.
    for (const bool low_first : {true, false}) {
        Fixture fx;
        const Endpoint lo{"10.0.0.1", 123};
        const Endpoint hi{"10.0.0.2", 123};
        if (low_first) {
            fx.udp(0, lo, hi);
            fx.udp(1, hi, lo);
        } else {
            fx.udp(0, hi, lo);
            fx.udp(1, lo, hi);
        }
        fx.table.on_end();
        const auto &e = fx.sink.ended.at(0);
        EXPECT_EQ(e.flow.orig_addr(), pairwatch::test::ip(low_first ? "10.0.0.1" : "10.0.0.2"));
        EXPECT_EQ(e.flow.dir_reason(), DirReason::First);
        EXPECT_EQ(to_string(e.flow.dir_reason()), "first");
        EXPECT_EQ(e.history(), "Dd");
    }
}

TEST(FlowTableOriginator, NoClientRuleMeansFirstSender) {
    CapturingSink sink;
    FlowTable table(FlowTableOptions{}, {}, &sink);
    table.on_packet(udp_packet(at(0), kDns, kDnsClient));
    table.on_end();
    ASSERT_EQ(sink.ended.size(), 1U);
    EXPECT_EQ(sink.ended[0].flow.orig_port(), 53);
    EXPECT_EQ(sink.ended[0].flow.dir_reason(), DirReason::First);
    EXPECT_EQ(sink.ended[0].history(), "D");
}

TEST(FlowTableOriginator, DirReasonAndEndReasonNames) {
    EXPECT_EQ(to_string(DirReason::Syn), "syn");
    EXPECT_EQ(to_string(DirReason::SynAck), "synack");
    EXPECT_EQ(to_string(DirReason::Port), "port");
    EXPECT_EQ(to_string(DirReason::First), "first");
    EXPECT_EQ(to_string(EndReason::None), "open");
    EXPECT_EQ(to_string(EndReason::Fin), "fin");
    EXPECT_EQ(to_string(EndReason::Rst), "rst");
    EXPECT_EQ(to_string(EndReason::Idle), "idle");
    EXPECT_EQ(to_string(EndReason::Evicted), "evicted");
    EXPECT_EQ(to_string(EndReason::CaptureEnd), "capture-end");
    EXPECT_EQ(to_string(EndReason::Reused), "reused");
}

TEST(FlowTableOriginator, SetDirReasonRoundTrips) {
    Flow f;
    for (const DirReason r :
         {DirReason::Syn, DirReason::SynAck, DirReason::Port, DirReason::First}) {
        f.set_dir_reason(r);
        EXPECT_EQ(f.dir_reason(), r);
    }
}

TEST(FlowTable, Counter48SaturatesAt48Bits) {
    pairwatch::flow::Counter48 c;
    EXPECT_EQ(c.get(), 0U);
    c.add(5);
    EXPECT_EQ(c.get(), 5U);
    c.add(pairwatch::flow::Counter48::kMax);
    EXPECT_EQ(c.get(), pairwatch::flow::Counter48::kMax);
    c.add(1);
    EXPECT_EQ(c.get(), pairwatch::flow::Counter48::kMax);
}

TEST(FlowTable, SeededTableFindsBothDirections) {
    FlowTableOptions opts;
    opts.hash_seed = 0x5eed5eed5eedULL;
    Fixture fx(opts);
    for (std::uint16_t i = 0; i < 200; ++i) {
        const Endpoint c{"10.0.0.1", static_cast<std::uint16_t>(40000 + i)};
        fx.udp(1, c, kDns);
        fx.udp(1.001, kDns, c);
    }
    EXPECT_EQ(fx.table.size(), 200U);
    EXPECT_EQ(fx.table.stats().flows_created, 200U);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 200U);
    for (const auto &e : fx.sink.ended) {
        EXPECT_EQ(e.flow.orig().packets.get(), 1U);
        EXPECT_EQ(e.flow.resp().packets.get(), 1U);
        EXPECT_EQ(e.history(), "Dd");
    }
}

// Active timeouts (IPFIX): an open flow goes to on_flow_update every interval of packet time.

namespace {
FlowTableOptions with_active_timeout(double seconds) {
    FlowTableOptions opts;
    opts.active_timeout_ns = at(seconds);
    return opts;
}
} // namespace

TEST(FlowTable, ActiveTimeoutReportsARunningFlowEveryIntervalAndThePartsAddUp) {
    Fixture fx(with_active_timeout(60));
    // 200 s of DNS-like traffic, one packet each way every second, 10 and 30 payload bytes.
    for (int s = 0; s < 200; ++s) {
        fx.udp(s, kDnsClient, kDns, 10);
        fx.udp(s + 0.5, kDns, kDnsClient, 30);
    }
    fx.table.on_end();
    // Due 60 s after the flow was queued, then 60 s after each report: the packet at 60 s
    // moves the clock, the update goes out, then the packet is counted.
    ASSERT_EQ(fx.sink.updates.size(), 3U);
    EXPECT_EQ(fx.sink.updates[0].now_ns, at(60));
    EXPECT_EQ(fx.sink.updates[1].now_ns, at(120));
    EXPECT_EQ(fx.sink.updates[2].now_ns, at(180));
    EXPECT_EQ(fx.sink.updates[0].flow.orig().packets.get(), 60U);
    EXPECT_EQ(fx.sink.updates[0].flow.resp().packets.get(), 60U);
    EXPECT_EQ(fx.sink.updates[1].flow.orig().packets.get(), 120U);
    EXPECT_EQ(fx.sink.updates[2].flow.orig().ip_bytes.get(), 180U * (20 + 8 + 10));
    EXPECT_EQ(fx.table.stats().active_updates, 3U);
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    const Flow &whole = fx.sink.ended[0].flow;
    EXPECT_TRUE(whole.updated);
    // The parts: each update's counters minus the one before, then the end's remainder.
    std::uint64_t orig_pkts = 0, resp_pkts = 0, orig_ip = 0, resp_ip = 0;
    const Flow *prev = nullptr;
    auto add_part = [&](const Flow &f) {
        orig_pkts += f.orig().packets - (prev ? prev->orig().packets.get() : 0);
        resp_pkts += f.resp().packets - (prev ? prev->resp().packets.get() : 0);
        orig_ip += f.orig().ip_bytes - (prev ? prev->orig().ip_bytes.get() : 0);
        resp_ip += f.resp().ip_bytes - (prev ? prev->resp().ip_bytes.get() : 0);
        prev = &f;
    };
    for (const auto &u : fx.sink.updates) add_part(u.flow);
    add_part(whole);
    EXPECT_EQ(orig_pkts, 200U);
    EXPECT_EQ(resp_pkts, 200U);
    EXPECT_EQ(orig_ip, 200U * 38);
    EXPECT_EQ(resp_ip, 200U * 58);
    EXPECT_EQ(whole.orig().packets.get(), orig_pkts);
}

TEST(FlowTable, NoActiveTimeoutUnlessAsked) {
    Fixture fx;
    for (int s = 0; s < 200; ++s) fx.udp(s, kDnsClient, kDns);
    fx.table.on_end();
    EXPECT_TRUE(fx.sink.updates.empty());
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_FALSE(fx.sink.ended[0].flow.updated);
}

TEST(FlowTable, ActiveTimeoutSkipsFlowsThatEndFirstOrAtTheSameMoment) {
    Fixture fx(with_active_timeout(60));
    // Idle for exactly the UDP timeout when its active timeout falls due: it ends, no update.
    fx.udp(0, kDnsClient, kDns);
    // Closed by FINs at 2 s: gone after the linger, long before 60 s.
    fx.handshake(1);
    fx.tcp(1.5, kClient, kServer, FA, 1001, 5001);
    fx.tcp(1.6, kServer, kClient, FA, 5001, 1002);
    fx.tcp(1.7, kClient, kServer, A, 1002, 5002);
    fx.table.advance_time(at(60));
    EXPECT_EQ(fx.table.size(), 0U);
    EXPECT_TRUE(fx.sink.updates.empty());
    ASSERT_EQ(fx.sink.ended.size(), 2U);
    EXPECT_EQ(fx.sink.ended[0].why, EndReason::Fin);
    EXPECT_EQ(fx.sink.ended[1].why, EndReason::Idle);
}

TEST(FlowTable, ActiveTimeoutsComeInDueOrderAndQuietFlowsToo) {
    Fixture fx(with_active_timeout(60));
    fx.handshake(0);                                  // TCP at 0 s, then quiet (idle 300 s)
    fx.udp(10, kDnsClient, kDns);                     // UDP at 10 s
    for (int s = 20; s <= 130; s += 10) fx.udp(s, kDnsClient, kDns);
    // Due: TCP 60, UDP 70, TCP 120, UDP 130.
    ASSERT_EQ(fx.sink.updates.size(), 4U);
    EXPECT_TRUE(fx.sink.updates[0].flow.is_tcp());
    EXPECT_EQ(fx.sink.updates[0].now_ns, at(60));
    EXPECT_FALSE(fx.sink.updates[1].flow.is_tcp());
    EXPECT_EQ(fx.sink.updates[1].now_ns, at(70));
    EXPECT_TRUE(fx.sink.updates[2].flow.is_tcp());
    EXPECT_EQ(fx.sink.updates[2].now_ns, at(120));
    EXPECT_FALSE(fx.sink.updates[3].flow.is_tcp());
    EXPECT_EQ(fx.sink.updates[3].now_ns, at(130));
    // The quiet TCP flow's second update carries nothing new: the exporter sends nothing then.
    EXPECT_EQ(fx.sink.updates[2].flow.orig().packets.get(),
              fx.sink.updates[0].flow.orig().packets.get());
}

TEST(FlowTable, ActiveTimeoutAfterAJumpInTimeFiresOncePerFlow) {
    Fixture fx(with_active_timeout(60));
    fx.handshake(0);
    fx.tcp(1, kClient, kServer, PA, 1001, 5001, 10);
    // The next packet 249 s later: the update due at 60 s fires once, at the jump, not once per
    // interval missed.
    fx.tcp(250, kClient, kServer, PA, 1011, 5001, 10);
    ASSERT_EQ(fx.sink.updates.size(), 1U);
    EXPECT_EQ(fx.sink.updates[0].now_ns, at(250));
    EXPECT_EQ(fx.sink.updates[0].flow.orig().packets.get(), 3U); // before the packet at 250
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), 1U);
    EXPECT_EQ(fx.sink.ended[0].flow.orig().packets.get(), 4U);
}

// What a hint found can go stale before the packet's turn: the packets in between may end its
// flow (a slot then free, or already another flow's). The table must see that and look again.
TEST(FlowTable, ASlotFoundAheadThatChangedHandsIsNotUsed) {
    using Ahead = pairwatch::decode::PacketConsumer::Ahead;
    const Endpoint a{"10.0.0.1", 1000}, b{"10.0.0.2", 2000};
    for (const bool reused : {true, false}) {
        SCOPED_TRACE(reused ? "the slot went to another flow" : "the slot is free");
        Fixture fx;
        fx.udp(1, a, kDns); // slot 0
        // 100 s later (past the 60 s UDP timeout), in the pipeline's order: both packets are
        // hinted, then counted. The first ends a's flow on its clock; when it has ports, its
        // new flow takes the slot a's had.
        PacketInfo first = udp_packet(at(101), b, kDns, 20);
        if (!reused) first.outcome = Outcome::OtherIp;
        PacketInfo again = udp_packet(at(101), a, kDns, 30);
        for (PacketInfo* p : {&first, &again}) fx.table.look_ahead(*p, Ahead::Far);
        for (PacketInfo* p : {&first, &again}) fx.table.look_ahead(*p, Ahead::Near);
        fx.table.on_packet(first);
        fx.table.on_packet(again);

        ASSERT_EQ(fx.sink.ended.size(), 1U);
        EXPECT_EQ(fx.sink.ended[0].why, EndReason::Idle);
        const auto open = fx.open_flows();
        ASSERT_EQ(open.size(), reused ? 2U : 1U);
        for (const Flow& f : open) {
            // Each open flow has its one packet: a's second packet did not go to b's flow.
            EXPECT_EQ(f.orig().packets.get() + f.resp().packets.get(), 1U);
            EXPECT_EQ(f.first_ns, at(101));
        }
    }
}

TEST(FlowTable, LooksAheadOnlyPastItsThresholdAndTheHintsChangeNothing) {
    Fixture fx;
    using Ahead = pairwatch::decode::PacketConsumer::Ahead;
    const std::array<const char*, 3> clients{"10.0.0.1", "10.0.0.3", "10.0.0.4"};
    std::size_t made = 0;
    for (const auto& c : clients) {
        for (std::uint16_t port = 1024; port < 1024 + 50'000; ++port) {
            // Below the threshold the table says it has nothing to gain from hints.
            if (made + 1 == FlowTableOptions{}.look_ahead_from) {
                EXPECT_FALSE(fx.table.looks_ahead());
            }
            fx.udp(1, {c, port}, kDns);
            ++made;
        }
    }
    ASSERT_GE(made, FlowTableOptions{}.look_ahead_from);
    EXPECT_TRUE(fx.table.looks_ahead());
    const PacketInfo known = udp_packet(at(2), {"10.0.0.3", 1500}, kDns, 10);
    const PacketInfo reply = udp_packet(at(2), kDns, {"10.0.0.3", 1500}, 10);
    const PacketInfo unknown = udp_packet(at(2), {"10.0.0.9", 1500}, kDns, 10);
    PacketInfo icmp = unknown;
    icmp.outcome = Outcome::OtherIp;
    for (const PacketInfo* p : {&known, &reply, &unknown, static_cast<const PacketInfo*>(&icmp)}) {
        fx.table.look_ahead(*p, Ahead::Far);
        fx.table.look_ahead(*p, Ahead::Near);
    }
    EXPECT_EQ(fx.table.size(), made);
    EXPECT_EQ(fx.table.stats().packets_in_flows, made);
    EXPECT_EQ(fx.table.stats().packets_not_in_flows, 0u);
    fx.table.on_packet(reply);
    fx.table.on_packet(unknown);
    EXPECT_EQ(fx.table.size(), made + 1);
    fx.table.on_end();
    ASSERT_EQ(fx.sink.ended.size(), made + 1);
}
