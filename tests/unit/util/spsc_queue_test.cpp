#include "pairwatch/util/spsc_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace pairwatch::util {
namespace {

using namespace std::chrono_literals;

TEST(SpscQueue, ValuesCrossThreadsInOrderAndCloseEndsThemAfterTheLast) {
    SpscQueue<std::uint32_t, 8> q;
    constexpr std::uint32_t kValues = 200'000;
    std::thread producer([&] {
        for (std::uint32_t v = 0; v < kValues; ++v) q.push(v);
        q.close();
    });
    std::uint32_t expected = 0;
    while (auto v = q.pop()) {
        ASSERT_EQ(*v, expected);
        ++expected;
    }
    producer.join();
    EXPECT_EQ(expected, kValues);
}

TEST(SpscQueue, AConsumerThatHasToWaitSleepsUntilWakeAtValuesAreQueued) {
    SpscQueue<int, 16> q;
    std::atomic<int> got{-1};
    std::thread consumer([&] { got.store(*q.pop(4)); });
    std::this_thread::sleep_for(20ms); // the consumer is waiting now
    for (int v = 1; v <= 3; ++v) q.push(v);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(got.load(), -1) << "woken before the fourth value";
    q.push(4);
    consumer.join();
    EXPECT_EQ(got.load(), 1);
    // Nothing waits now: values already queued come out at once, whatever wake_at says.
    EXPECT_EQ(q.pop(4), 2);
    EXPECT_EQ(q.pop(4), 3);
    EXPECT_EQ(q.pop(4), 4);
}

TEST(SpscQueue, CloseWakesAConsumerWaitingForMoreThanThereIs) {
    SpscQueue<int, 16> q;
    std::vector<int> got;
    std::thread consumer([&] {
        while (auto v = q.pop(4)) got.push_back(*v);
    });
    q.push(7);
    q.push(8);
    std::this_thread::sleep_for(20ms);
    q.close();
    consumer.join();
    EXPECT_EQ(got, (std::vector<int>{7, 8}));
}

// The two sides as the pipeline's free-batch queue runs them: a producer that sometimes pauses
// and a consumer that waits for runs of four. A lost wake-up hangs here (ctest's timeout).
TEST(SpscQueue, RunsOfFourNeverLoseAWakeUp) {
    SpscQueue<std::uint32_t, 16> q;
    constexpr std::uint32_t kValues = 20'000;
    std::thread producer([&] {
        for (std::uint32_t v = 0; v < kValues; ++v) {
            q.push(v);
            if (v % 97 == 0) std::this_thread::sleep_for(10us);
        }
        q.close();
    });
    std::uint32_t expected = 0;
    while (auto v = q.pop(4)) {
        ASSERT_EQ(*v, expected);
        ++expected;
    }
    producer.join();
    EXPECT_EQ(expected, kValues);
}

} // namespace
} // namespace pairwatch::util
