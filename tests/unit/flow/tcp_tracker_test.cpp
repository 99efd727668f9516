// conn_state and history as Zeek's conn.log defines them (base/protocols/conn/main.zeek), each
// from a crafted packet sequence run through the flow table, as the program runs it.
#include "pairwatch/flow/tcp_tracker.h"

#include "pairwatch/flow/flow_table.h"
#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using pairwatch::flow::ConnState;
using pairwatch::flow::DirReason;
using pairwatch::flow::EndReason;
using pairwatch::flow::FlowTable;
using pairwatch::flow::FlowTableOptions;
using pairwatch::flow::TcpEndpointState;
using pairwatch::flow::TcpTracker;
using pairwatch::services::ServiceRegistry;
using pairwatch::test::CapturingSink;
using pairwatch::test::Endpoint;

namespace {

constexpr std::uint8_t F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10;
constexpr std::uint8_t SA = S | A, PA = P | A, FA = F | A, RA = R | A;

const Endpoint kOrig{"10.0.0.1", 50000};
const Endpoint kResp{"10.0.0.2", 80};

struct Step {
    bool from_orig;
    std::uint8_t flags;
    std::uint32_t seq;
    std::uint32_t ack;
    std::uint32_t len = 0;
    std::uint16_t window = 65535;
};
Step o(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::uint32_t len = 0,
       std::uint16_t window = 65535) {
    return {true, flags, seq, ack, len, window};
}
Step r(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::uint32_t len = 0,
       std::uint16_t window = 65535) {
    return {false, flags, seq, ack, len, window};
}

/// Runs the steps 1 ms apart through a flow table, ends the input, and returns what ended.
std::vector<CapturingSink::Ended> run(const std::vector<Step> &steps) {
    static const ServiceRegistry registry;
    CapturingSink sink;
    FlowTable table(FlowTableOptions{}, pairwatch::test::client_rule(registry), &sink);
    std::int64_t ts = 1'000'000'000;
    for (const Step &s : steps) {
        const Endpoint src = s.from_orig ? kOrig : kResp;
        const Endpoint dst = s.from_orig ? kResp : kOrig;
        table.on_packet(
            pairwatch::test::tcp_packet(ts, src, dst, s.flags, s.seq, s.ack, s.len, s.window));
        ts += 1'000'000;
    }
    table.on_end();
    return sink.ended;
}

CapturingSink::Ended run_one(const std::vector<Step> &steps) {
    auto ended = run(steps);
    EXPECT_EQ(ended.size(), 1U);
    if (ended.empty())
        return {};
    return ended.front();
}

struct StateCase {
    const char *name;
    std::vector<Step> steps;
    ConnState state;
    const char *history;
};

// O's ISN 1000, R's ISN 5000.
const std::vector<Step> kHandshake = {o(S, 1000, 0), r(SA, 5000, 1001), o(A, 1001, 5001)};

std::vector<Step> handshake_then(std::vector<Step> more) {
    std::vector<Step> all = kHandshake;
    all.insert(all.end(), more.begin(), more.end());
    return all;
}

std::vector<StateCase> state_cases() {
    return {
        // S0: connection attempt seen, no reply.
        {"S0", {o(S, 1000, 0)}, ConnState::S0, "S"},
        // S1: established, not terminated.
        {"S1", kHandshake, ConnState::S1, "ShA"},
        // SF: normal establishment and termination.
        {"SF",
         handshake_then({o(PA, 1001, 5001, 10), r(A, 5001, 1011), r(PA, 5001, 1011, 20),
                         o(FA, 1011, 5021), r(FA, 5021, 1012), o(A, 1012, 5022)}),
         ConnState::SF, "ShADadFf"},
        // REJ: attempt rejected.
        {"REJ", {o(S, 1000, 0), r(RA, 0, 1001)}, ConnState::REJ, "Sr"},
        // S2: established, close attempt by the originator only.
        {"S2", handshake_then({o(FA, 1001, 5001)}), ConnState::S2, "ShAF"},
        // S3: established, close attempt by the responder only.
        {"S3", handshake_then({r(FA, 5001, 1001)}), ConnState::S3, "ShAf"},
        // RSTO: established, the originator aborted.
        {"RSTO", handshake_then({o(RA, 1001, 5001)}), ConnState::RSTO, "ShAR"},
        // RSTR: established, the responder aborted.
        {"RSTR", handshake_then({r(RA, 5001, 1001)}), ConnState::RSTR, "ShAr"},
        // RSTOS0: the originator sent a SYN followed by a RST, no SYN-ACK.
        {"RSTOS0", {o(S, 1000, 0), o(R, 1001, 0)}, ConnState::RSTOS0, "SR"},
        // RSTRH: the responder sent a SYN-ACK followed by a RST, no SYN from the originator.
        {"RSTRH", {r(SA, 5000, 1001), r(R, 5001, 0)}, ConnState::RSTRH, "^hr"},
        // SH: the originator sent a SYN followed by a FIN, no SYN-ACK.
        {"SH", {o(S, 1000, 0), o(F, 1001, 0)}, ConnState::SH, "SF"},
        // SHR: the responder sent a SYN-ACK followed by a FIN, no SYN from the originator.
        {"SHR", {r(SA, 5000, 1001), r(FA, 5001, 1001)}, ConnState::SHR, "^hf"},
        // OTH: no SYN seen, just midstream traffic.
        {"OTH", {o(PA, 1000, 5000, 10), r(PA, 5000, 1010, 20)}, ConnState::OTH, "Dd"},
        // Zeek's reference traces (zeek-tcp-missing-syn, wikipedia, http-on-irc-port).
        {"SF_missing_syn",
         {r(SA, 5000, 1001), o(A, 1001, 5001), o(PA, 1001, 5001, 98), r(PA, 5001, 1099, 100),
          r(PA, 5101, 1099, 100), o(FA, 1099, 5201), r(A, 5201, 1100), r(FA, 5201, 1100),
          o(A, 1100, 5202)},
         ConnState::SF,
         "^hADdFaf"},
        {"OTH_syn_ack_only", {r(SA, 5000, 1001)}, ConnState::OTH, "^h"},
        {"SF_late_syn_ack",
         {r(SA, 5000, 1001), o(A, 1001, 5001), o(PA, 1001, 5001, 10), r(A, 5001, 1011),
          r(PA, 5001, 1011, 30), o(FA, 1011, 5031), r(FA, 5031, 1012)},
         ConnState::SF,
         "^hADadFf"},
        // pop3 reference: a refused SYN, REJ.
        {"REJ_rst_only", {o(S, 1000, 0), r(R, 0, 0)}, ConnState::REJ, "Sr"},
    };
}

} // namespace

TEST(TcpTracker, SizeIs29Bytes) {
    EXPECT_EQ(sizeof(TcpTracker), 29U);
}

TEST(TcpTracker, ConnStateTable) {
    for (const StateCase &c : state_cases()) {
        SCOPED_TRACE(c.name);
        const auto e = run_one(c.steps);
        EXPECT_EQ(to_string(e.conn_state()), to_string(c.state));
        EXPECT_EQ(e.history(), c.history);
        // The originator is the client in every case.
        EXPECT_EQ(e.flow.orig_port(), kOrig.port);
        EXPECT_EQ(e.flow.resp_port(), kResp.port);
    }
}

TEST(TcpTracker, ConnStateNames) {
    const std::vector<std::pair<ConnState, const char *>> names = {
        {ConnState::S0, "S0"},       {ConnState::S1, "S1"},     {ConnState::SF, "SF"},
        {ConnState::REJ, "REJ"},     {ConnState::S2, "S2"},     {ConnState::S3, "S3"},
        {ConnState::RSTO, "RSTO"},   {ConnState::RSTR, "RSTR"}, {ConnState::RSTOS0, "RSTOS0"},
        {ConnState::RSTRH, "RSTRH"}, {ConnState::SH, "SH"},     {ConnState::SHR, "SHR"},
        {ConnState::OTH, "OTH"}};
    for (const auto &[s, n] : names)
        EXPECT_EQ(to_string(s), n);
}

TEST(TcpTracker, EndpointStatesAfterHandshakeAndClose) {
    const auto e = run_one(handshake_then({o(FA, 1001, 5001), r(FA, 5001, 1002)}));
    const int os = e.flow.orig_side();
    EXPECT_EQ(e.flow.tcp.state(os), TcpEndpointState::Closed);
    EXPECT_EQ(e.flow.tcp.state(os ^ 1), TcpEndpointState::Closed);
    EXPECT_TRUE(e.flow.tcp.closed());
    EXPECT_TRUE(e.flow.tcp.both_did_close());
    EXPECT_FALSE(e.flow.tcp.reset());
    EXPECT_EQ(e.why, EndReason::Fin);
}

TEST(TcpTracker, RstEndsWithReasonRst) {
    const auto e = run_one(handshake_then({r(RA, 5001, 1001)}));
    EXPECT_TRUE(e.flow.tcp.reset());
    EXPECT_TRUE(e.flow.tcp.closed());
    EXPECT_EQ(e.why, EndReason::Rst);
}

TEST(TcpTracker, FlagsSeenPerSide) {
    const auto e = run_one(handshake_then({o(PA, 1001, 5001, 5)}));
    const int os = e.flow.orig_side();
    EXPECT_EQ(e.flow.tcp.flags_seen(os), S | A | P);
    EXPECT_EQ(e.flow.tcp.flags_seen(os ^ 1), SA);
}

// ---- history letters ----

TEST(TcpTracker, HistoryFinRstIsI) {
    EXPECT_EQ(run_one({o(S, 1000, 0), o(F | R, 1001, 0)}).history(), "SI");
    EXPECT_EQ(run_one(handshake_then({r(F | R | A, 5001, 1001)})).history(), "ShAi");
}

TEST(TcpTracker, HistorySynFinIsQ) {
    EXPECT_EQ(run_one({o(S | F, 1000, 0)}).history(), "Q");
    // (With ACK: a responder's bare SYN on an open pair would be Zeek's IsReuse.)
    EXPECT_EQ(run_one({o(S, 1000, 0), r(S | R | A, 5000, 1001)}).history(), "Sq");
}

TEST(TcpTracker, HistoryAckOnlyOnceAndNotForBarePackets) {
    // A bare ACK gives A once; a packet with no flags and no data gives nothing.
    EXPECT_EQ(
        run_one(handshake_then({o(A, 1001, 5001), o(0, 1001, 5001), o(A, 1001, 5001)})).history(),
        "ShA");
}

TEST(TcpTracker, DataOnSynFinRstIsNotD) {
    // Zeek: D only when no SYN/FIN/RST flag is set.
    EXPECT_EQ(run_one(handshake_then({o(FA | P, 1001, 5001, 10)})).history(), "ShAF");
}

TEST(TcpTracker, HistoryRetransmissionScaled) {
    // T at the 1st, 10th, 100th retransmission of data.
    for (const auto &[count, want] : std::vector<std::pair<int, const char *>>{
             {1, "ShADT"}, {9, "ShADT"}, {10, "ShADTT"}, {99, "ShADTT"}, {100, "ShADTTT"}}) {
        std::vector<Step> steps = handshake_then({o(PA, 1001, 5001, 10)});
        for (int i = 0; i < count; ++i)
            steps.push_back(o(PA, 1001, 5001, 10));
        SCOPED_TRACE(count);
        EXPECT_EQ(run_one(steps).history(), want);
    }
}

TEST(TcpTracker, HistoryRetransmissionFromResponderIsLowerCase) {
    EXPECT_EQ(run_one(handshake_then({r(PA, 5001, 1001, 10), r(PA, 5001, 1001, 10)})).history(),
              "ShAdt");
}

TEST(TcpTracker, KeepAliveAndReorderedSegmentCountAsRetransmission) {
    // A keep-alive (seq = last - 1, 1 byte) does not advance the sequence.
    EXPECT_EQ(run_one(handshake_then({o(PA, 1001, 5001, 10), o(A, 1010, 5001, 1)})).history(),
              "ShADT");
    // An earlier segment arriving late.
    EXPECT_EQ(run_one(handshake_then({o(PA, 1011, 5001, 10), o(PA, 1001, 5001, 10)})).history(),
              "ShADT");
}

TEST(TcpTracker, EmptyAckIsNoRetransmission) {
    EXPECT_EQ(run_one(handshake_then({o(A, 1001, 5001), o(A, 1001, 5001)})).history(), "ShA");
}

TEST(TcpTracker, HistoryZeroWindowScaled) {
    EXPECT_EQ(run_one(handshake_then({o(A, 1001, 5001, 0, 0)})).history(), "ShAW");
    // The handshake's own ACK with window 0: A first, then W (history before window).
    EXPECT_EQ(run_one({o(S, 1000, 0), r(SA, 5000, 1001), o(A, 1001, 5001, 0, 0)}).history(),
              "ShAW");
    for (const auto &[count, want] :
         std::vector<std::pair<int, const char *>>{{9, "ShAW"}, {10, "ShAWW"}, {100, "ShAWWW"}}) {
        std::vector<Step> steps = kHandshake;
        for (int i = 0; i < count; ++i)
            steps.push_back(o(A, 1001, 5001, 0, 0));
        SCOPED_TRACE(count);
        EXPECT_EQ(run_one(steps).history(), want);
    }
    EXPECT_EQ(run_one(handshake_then({r(A, 5001, 1001, 0, 0)})).history(), "ShAaw");
}

TEST(TcpTracker, ZeroWindowNotOnRstNorAfterPeerFin) {
    // A RST with window 0 is no zero window.
    EXPECT_EQ(run_one(handshake_then({o(RA, 1001, 5001, 0, 0)})).history(), "ShAR");
    // Once the peer closed, zero windows are not recorded.
    EXPECT_EQ(run_one(handshake_then({r(FA, 5001, 1001), o(A, 1001, 5002, 0, 0)})).history(),
              "ShAf");
}

TEST(TcpTracker, RetransmittedSynAndSynAckAddNothing) {
    const auto e = run_one({o(S, 1000, 0), o(S, 1000, 0), r(SA, 5000, 1001), r(SA, 5000, 1001)});
    EXPECT_EQ(e.history(), "Sh");
    EXPECT_EQ(e.flow.orig().packets.get(), 2U);
    EXPECT_EQ(e.flow.resp().packets.get(), 2U);
}

TEST(TcpTracker, FinRepeatsOnlyAtANewPosition) {
    EXPECT_EQ(run_one(handshake_then({o(FA, 1001, 5001), o(FA, 1001, 5001)})).history(), "ShAF");
    EXPECT_EQ(run_one(handshake_then({o(FA, 1001, 5001), o(FA, 1006, 5001)})).history(), "ShAFF");
}

TEST(TcpTracker, RstRepeatsAtANewPosition) {
    EXPECT_EQ(run_one(handshake_then({o(R, 1001, 0), o(R, 1001, 0)})).history(), "ShAR");
    EXPECT_EQ(run_one(handshake_then({o(R, 1001, 0), o(R, 2001, 0)})).history(), "ShARR");
}

// Was a bug (fixed): Zeek repeats R only when the RST's sequence differs from the *last RST's*
// (hist_last_RST). The tracker compares with the side's sequence end, frozen at the first RST
// once the side is reset, so every later RST at the second position adds another R.
// R RST seq 1001, RST seq 2001, RST seq 2001: Zeek "ShARR", tracker "ShARRR".
TEST(TcpTracker, RstRepeatComparesWithTheLastRst) {
    EXPECT_EQ(run_one(handshake_then({o(R, 1001, 0), o(R, 2001, 0), o(R, 2001, 0)})).history(),
              "ShARR");
}

// Was a bug (fixed): a SYN-ACK with a new ISN from a responder already ESTABLISHED: Zeek's init_endpoint
// re-bases start_seq at the new SYN, so its relative seq is 0 == hist_last_SYN and no second
// 'h' is recorded. The tracker compares the raw sequence end and appends 'h'.
// O SYN 1000, R SYN-ACK 5000, R SYN-ACK 7000: Zeek "Sh", tracker "Shh".
TEST(TcpTracker, SynAckWithNewIsnFromEstablishedResponderAddsNoH) {
    EXPECT_EQ(run_one({o(S, 1000, 0), r(SA, 5000, 1001), r(SA, 7000, 1001)}).history(), "Sh");
}

TEST(TcpTracker, RstPayloadIsNotDataButCanBeARetransmission) {
    // Zeek (spec §3): no D for data on a RST; the RST's payload is outside the sequence space,
    // so its end does not advance and its data counts as a retransmission: T.
    EXPECT_EQ(run_one(handshake_then({o(RA, 1001, 5001, 20)})).history(), "ShART");
    // Once the side is reset, nothing more is a retransmission.
    EXPECT_EQ(run_one(handshake_then({o(R, 1001, 0), o(RA, 1001, 5001, 20)})).history(), "ShAR");
}

TEST(TcpTracker, FlipMarkIsFirstAndNeverLowerCase) {
    // Mid-stream pickup with the server talking first: '^' then the responder's 'd'.
    const auto e = run_one({r(PA, 5000, 1000, 20), o(PA, 1000, 5020, 10)});
    EXPECT_EQ(e.history(), "^dD");
    EXPECT_EQ(e.flow.dir_reason(), DirReason::Port);
}

TEST(TcpTracker, HistoryKeepsFourteenEvents) {
    // The documented capacity: 14 events, every letter in its place.
    const std::vector<Step> steps = handshake_then(
        {o(PA, 1001, 5001, 10), r(A, 5001, 1011), r(PA, 5001, 1011, 10), o(PA, 1001, 5011, 10), // T
         r(PA, 5001, 1011, 10),                                                                 // t
         o(A, 1011, 5011, 0, 0),                                                                // W
         r(A, 5011, 1011, 0, 0),                                                                // w
         o(FA, 1011, 5011), r(FA, 5011, 1012), o(R, 1012, 0), r(R, 5012, 0)});
    EXPECT_EQ(run_one(steps).history(), "ShADadTtWwFfRr");
}

// ---- UDP ----

namespace {

std::vector<CapturingSink::Ended> run_udp(const std::vector<bool> &from_client) {
    static const ServiceRegistry registry;
    CapturingSink sink;
    FlowTable table(FlowTableOptions{}, pairwatch::test::client_rule(registry), &sink);
    std::int64_t ts = 1'000'000'000;
    const Endpoint client{"10.0.0.1", 50000};
    const Endpoint server{"10.0.0.2", 53};
    for (const bool c : from_client) {
        table.on_packet(c ? pairwatch::test::udp_packet(ts, client, server)
                          : pairwatch::test::udp_packet(ts, server, client));
        ts += 1'000'000;
    }
    table.on_end();
    return sink.ended;
}

} // namespace

TEST(TcpTracker, UdpStates) {
    {
        const auto e = run_udp({true, true});
        ASSERT_EQ(e.size(), 1U);
        EXPECT_EQ(e[0].conn_state(), ConnState::S0);
        EXPECT_EQ(e[0].history(), "D");
    }
    {
        const auto e = run_udp({true, false, true, false});
        ASSERT_EQ(e.size(), 1U);
        EXPECT_EQ(e[0].conn_state(), ConnState::SF);
        EXPECT_EQ(e[0].history(), "Dd");
    }
    {
        // Only the server talked: the client (port rule) is the originator, '^'.
        const auto e = run_udp({false, false});
        ASSERT_EQ(e.size(), 1U);
        EXPECT_EQ(e[0].conn_state(), ConnState::SHR);
        EXPECT_EQ(e[0].history(), "^d");
        EXPECT_EQ(e[0].flow.orig_port(), 50000);
    }
    {
        // Server first, then the client: "^dD", both active.
        const auto e = run_udp({false, true});
        ASSERT_EQ(e.size(), 1U);
        EXPECT_EQ(e[0].conn_state(), ConnState::SF);
        EXPECT_EQ(e[0].history(), "^dD");
    }
    // Neither side active: OTH.
    const TcpTracker idle;
    EXPECT_EQ(idle.conn_state(0, false, 0, 0), ConnState::OTH);
    EXPECT_EQ(idle.history(0), "");
}

TEST(TcpTracker, UdpTrackerDirect) {
    TcpTracker t;
    t.on_udp_packet(1);
    EXPECT_EQ(t.conn_state(1, false, 0, 0), ConnState::S0);
    EXPECT_EQ(t.conn_state(0, false, 0, 0), ConnState::SHR);
    EXPECT_EQ(t.history(1), "D");
    EXPECT_EQ(t.history(0), "d");
    t.on_udp_packet(0);
    t.on_udp_packet(0);
    EXPECT_EQ(t.conn_state(0, false, 0, 0), ConnState::SF);
    EXPECT_EQ(t.history(1), "Dd");
}
