#include "pairwatch/flow/flow_sink.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace pairwatch::test {
namespace {

/// Counts events, and fails if two ever overlap (the lock is what prevents it).
class CountingSink final : public flow::FlowSink {
public:
    void on_flow_end(const flow::Flow& /*flow*/, flow::EndReason /*why*/) override { enter(ends); }
    void on_answer(const flow::Flow& /*flow*/) override { enter(answers); }
    void on_finish() override { ++finishes; }

    int ends = 0;
    int answers = 0;
    int finishes = 0;
    bool overlapped = false;

private:
    void enter(int& counter) {
        if (inside_) overlapped = true;
        inside_ = true;
        ++counter;
        std::this_thread::yield();
        inside_ = false;
    }
    bool inside_ = false;
};

TEST(SharedSink, WorkersEventsArriveOneAtATimeAndFinishOnceAfterTheLast) {
    CountingSink downstream;
    std::mutex lock;
    constexpr int kWorkers = 3;
    constexpr int kFlowsEach = 2000;
    flow::SharedSink shared(downstream, lock, kWorkers);
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
        workers.emplace_back([&] {
            const flow::Flow f;
            for (int i = 0; i < kFlowsEach; ++i) {
                shared.on_answer(f);
                shared.on_flow_end(f, flow::EndReason::CaptureEnd);
            }
            shared.on_finish();
        });
    }
    for (auto& t : workers) t.join();
    EXPECT_FALSE(downstream.overlapped);
    EXPECT_EQ(downstream.ends, kWorkers * kFlowsEach);
    EXPECT_EQ(downstream.answers, kWorkers * kFlowsEach);
    EXPECT_EQ(downstream.finishes, 1);
}

TEST(SharedSink, FinishWaitsForEveryUser) {
    CountingSink downstream;
    std::mutex lock;
    flow::SharedSink shared(downstream, lock, 2);
    shared.on_finish();
    EXPECT_EQ(downstream.finishes, 0);
    shared.on_finish();
    EXPECT_EQ(downstream.finishes, 1);
}

} // namespace
} // namespace pairwatch::test
