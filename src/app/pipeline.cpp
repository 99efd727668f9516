#include "pairwatch/app/pipeline.h"

#include "pairwatch/capture/frame_batch.h"
#include "pairwatch/util/spsc_queue.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <thread>

namespace pairwatch::app {

namespace {

constexpr std::size_t kBatches = 16;
using BatchQueue = util::SpscQueue<capture::FrameBatch*, kBatches>;

// A live batch waits at most this long for company before it goes to the decoder.
constexpr auto kLiveFlushAfter = std::chrono::milliseconds(20);
// The signal that wakes the capture thread out of a blocking read of standard input.
constexpr int kWakeSignal = SIGUSR1;

extern "C" void wake_handler(int /*signal*/) {}

} // namespace

struct Pipeline::Shared {
    std::vector<capture::FrameBatch> batches = std::vector<capture::FrameBatch>(kBatches);
    BatchQueue full;
    BatchQueue free;
    std::atomic<bool> stop{false};
    std::atomic<bool> decode_done{false};
    std::mutex result_mutex; // guards the capture thread's final counters and warning
    std::optional<capture::CaptureCounters> counters;
    std::optional<std::string> warning;
};

Pipeline::Pipeline(std::unique_ptr<capture::PacketSource> source,
                   std::vector<decode::PacketConsumer*> consumers, decode::DecoderOptions options)
    : source_(std::move(source)), consumers_(std::move(consumers)),
      decoder_(source_->info().dlt, options), shared_(std::make_unique<Shared>()) {
    for (auto& b : shared_->batches) shared_->free.push(&b);
}

Pipeline::~Pipeline() = default;

void Pipeline::capture_loop() {
    Shared& s = *shared_;
    const bool live = source_->info().live;
    capture::FrameBatch* batch = *s.free.pop();
    auto batch_started = std::chrono::steady_clock::now();
    auto send = [&] {
        s.full.push(batch);
        batch = *s.free.pop();
        batch_started = std::chrono::steady_clock::now();
    };
    capture::RawFrame frame;
    for (;;) {
        const capture::ReadStatus status = source_->next(frame);
        if (status == capture::ReadStatus::End) break;
        if (status == capture::ReadStatus::Frame) {
            if (!batch->add(frame)) {
                send();
                batch->add(frame);
            }
            if (!live) continue;
        }
        // A quiet link still sends (empty) batches on each read timeout, so the flow thread
        // wakes to expire flows and take the report's snapshots.
        if (status == capture::ReadStatus::Timeout ||
            (!batch->empty() &&
             std::chrono::steady_clock::now() - batch_started > kLiveFlushAfter)) {
            send();
        }
    }
    if (!batch->empty()) s.full.push(batch);
    {
        std::lock_guard lock(s.result_mutex);
        s.counters = source_->counters();
        s.warning = source_->warning();
    }
    s.full.close();
}

void Pipeline::decode_loop() {
    Shared& s = *shared_;
    decode::PacketInfo info;
    bool stopping = false;
    while (auto batch = s.full.pop()) {
        for (std::size_t i = 0; i < (*batch)->size(); ++i) {
            decoder_.decode((**batch)[i], info);
            for (auto* c : consumers_) c->on_packet(info);
        }
        for (auto* c : consumers_) c->on_batch_end();
        (*batch)->clear();
        s.free.push(*batch);
        if (!stopping) {
            for (auto* c : consumers_) {
                if (c->wants_stop()) stopping = true;
            }
            if (stopping) {
                s.stop.store(true);
                source_->interrupt();
            }
        }
    }
    for (auto* c : consumers_) c->on_end();
    s.decode_done.store(true);
}

RunResult Pipeline::run(const std::function<void()>& on_wake) {
    Shared& s = *shared_;
    // SIGINT/SIGTERM are taken here with sigtimedwait, never by a handler in the middle of a
    // packet; the threads inherit the blocked mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t old_mask;
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
    struct sigaction wake{};
    wake.sa_handler = wake_handler; // no SA_RESTART: a blocked read returns EINTR
    sigemptyset(&wake.sa_mask);
    struct sigaction old_wake{};
    sigaction(kWakeSignal, &wake, &old_wake);

    std::thread decoder([this] { decode_loop(); });
    std::thread capturer([this] { capture_loop(); });

    RunResult result;
    const timespec poll{0, 100'000'000};
    while (!s.decode_done.load()) {
        siginfo_t si{};
        const int sig = sigtimedwait(&stop_signals, &si, &poll);
        if ((sig == SIGINT || sig == SIGTERM) && !s.stop.exchange(true)) {
            result.interrupted = true;
            source_->interrupt();
        }
        if (on_wake) on_wake();
        if (s.stop.load() && !s.decode_done.load()) {
            pthread_kill(capturer.native_handle(), kWakeSignal); // unblock a read of stdin
        }
    }
    capturer.join();
    decoder.join();
    sigaction(kWakeSignal, &old_wake, nullptr);
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

    result.decode = decoder_.stats();
    result.fragments = decoder_.fragment_stats();
    std::lock_guard lock(s.result_mutex);
    result.capture = s.counters;
    result.source_warning = s.warning;
    return result;
}

} // namespace pairwatch::app
