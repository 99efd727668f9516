// The run's signals: app::run opens the channel before its start-up is over, so a signal in
// that window must wait for the capture and then stop it, not kill the process (CI saw
// `e2e.metrics` end with exit status 143 when SIGTERM came while the metrics server was up and
// the capture not yet started).
#include "pairwatch/app/pipeline.h"
#include "pairwatch/app/signal_channel.h"
#include "pairwatch/capture/memory_source.h"

#include "support/frame_builder.h"

#include <gtest/gtest.h>

#include <pcap/dlt.h>
#include <pthread.h>
#include <signal.h>

#include <vector>

namespace pairwatch::test {
namespace {

bool blocked_here(int sig) {
    sigset_t mask{};
    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    return sigismember(&mask, sig) == 1;
}

bool pending_here(int sig) {
    sigset_t pending{};
    sigpending(&pending);
    return sigismember(&pending, sig) == 1;
}

TEST(SignalChannel, ASignalThatComesWhileItIsOpenWaitsToBeTaken) {
    ASSERT_FALSE(blocked_here(SIGTERM));
    {
        const app::SignalChannel channel;
        EXPECT_TRUE(blocked_here(SIGTERM));
        EXPECT_TRUE(blocked_here(SIGINT));
        EXPECT_TRUE(blocked_here(SIGHUP));
        EXPECT_TRUE(blocked_here(SIGWINCH));
        EXPECT_EQ(channel.take(), 0);
        ASSERT_EQ(raise(SIGTERM), 0);
        ASSERT_EQ(raise(SIGHUP), 0);
        EXPECT_TRUE(pending_here(SIGTERM));
        // Taken in signal order, each once.
        EXPECT_EQ(channel.take(), SIGHUP);
        EXPECT_EQ(channel.take(), SIGTERM);
        EXPECT_EQ(channel.take(), 0);
    }
    EXPECT_FALSE(blocked_here(SIGTERM));
}

TEST(SignalChannel, WhatIsStillPendingWhenItClosesIsDroppedNotDelivered) {
    {
        const app::SignalChannel channel;
        ASSERT_EQ(raise(SIGTERM), 0);
        ASSERT_TRUE(pending_here(SIGTERM));
    } // delivered here, SIGTERM would end the test program
    EXPECT_FALSE(pending_here(SIGTERM));
    EXPECT_FALSE(blocked_here(SIGTERM));
}

/// 300 UDP packets: far less than the run takes to reach its first wait for signals.
std::vector<capture::MemoryFrame> short_input() {
    std::vector<capture::MemoryFrame> frames;
    for (std::uint16_t port = 1000; port < 1300; ++port) {
        frames.push_back({1'000'000'000 + port, FrameBuilder().ethernet().ipv4()
                                                    .udp({.sport = port, .dport = 53}).build()});
    }
    return frames;
}

class Counter final : public decode::PacketConsumer {
public:
    void on_packet(const decode::PacketInfo& /*p*/) override { ++packets; }
    int packets = 0;
};

TEST(SignalChannel, ASigtermBeforeTheRunStopsItBeforeItsFirstFrame) {
    const app::SignalChannel channel;
    ASSERT_EQ(raise(SIGTERM), 0);
    Counter counter;
    app::Pipeline pipeline(std::make_unique<capture::MemorySource>(DLT_EN10MB, short_input()),
                           {&counter});
    const app::RunResult result = pipeline.run(nullptr, &channel);
    EXPECT_TRUE(result.interrupted);
    EXPECT_EQ(counter.packets, 0);
    EXPECT_EQ(channel.take(), 0);
}

TEST(SignalChannel, ARunWithoutSignalsReadsItsWholeInput) {
    const app::SignalChannel channel;
    Counter counter;
    app::Pipeline pipeline(std::make_unique<capture::MemorySource>(DLT_EN10MB, short_input()),
                           {&counter});
    const app::RunResult result = pipeline.run(nullptr, &channel);
    EXPECT_FALSE(result.interrupted);
    EXPECT_EQ(counter.packets, 300);
}

} // namespace
} // namespace pairwatch::test
