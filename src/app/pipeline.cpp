#include "pairwatch/app/pipeline.h"
#include "pairwatch/app/signal_channel.h"

#include "pairwatch/capture/frame_batch.h"
#include "pairwatch/capture/replay_pacer.h"
#include "pairwatch/flow/flow_key.h"
#include "pairwatch/util/spsc_queue.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <mutex>
#include <optional>
#include <thread>

namespace pairwatch::app {

/// Frames copied out of the source and their packets, decoded on the capture thread before the
/// hand-over (packets[i] is frames[i]): the capture thread reads and decodes, the flow thread
/// only counts, so the two cores share the work more evenly than reading against the rest.
/// (Outside the anonymous namespace: Pipeline::Shared, which has external linkage, holds them.)
struct CaptureBatch {
    capture::FrameBatch frames;
    std::vector<decode::PacketInfo> packets;
    std::vector<std::uint8_t> owner; // with flow workers: which one counts packets[i]
};

namespace {

constexpr std::size_t kBatches = 16;
using Batch = CaptureBatch;
using BatchQueue = util::SpscQueue<Batch*, kBatches>;
// Decoded batches the workers may hold at once: fewer than kBatches, so the capture thread
// always has frame batches to fill while the workers catch up.
constexpr std::size_t kInFlight = 8;

// A capture thread out of empty batches sleeps until this many are back: woken per batch, the
// flow thread's wake-ups were 12% of its time at 1M conversations on this VM (a futex wake is
// an interrupt to the other core). At most kBatches - kInFlight, so that it always comes.
constexpr std::size_t kFreeBatchesToWakeFor = 4;
static_assert(kFreeBatchesToWakeFor <= kBatches - kInFlight);

// A live (or paced) batch waits at most this long for company before it goes to the flow thread.
constexpr auto kTimelyFlushAfter = std::chrono::milliseconds(20);
// How often a paced replay that is waiting tells the flow thread the time.
constexpr auto kPacedTick = std::chrono::milliseconds(50);
// How often a live capture's kernel counters are refreshed for the report.
constexpr auto kCountersEvery = std::chrono::seconds(1);
// A live clock tick trails the wall clock by this much, so that no packet still in the kernel's
// buffer is stamped before the time the flow table has already moved to.
constexpr std::int64_t kLiveTickLagNs = 100'000'000;
// The signal that wakes the capture thread out of a blocking read of standard input.
constexpr int kWakeSignal = SIGUSR1;

extern "C" void wake_handler(int /*signal*/) {}

std::int64_t realtime_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// A run of one batch's packets as the workers see it: each takes the packets it owns, then
/// moves its clock to tick_ns. A batch is cut in two at each report boundary, so that the
/// report sees the packets before it and none after; it goes back to the capture thread when
/// the last worker is done with its last segment.
struct Segment {
    Batch* batch = nullptr;
    std::uint32_t begin = 0, end = 0;
    std::int64_t tick_ns = 0; // 0: no time to tell
    bool reopen = false;
    bool last = false;
    std::atomic<std::uint32_t> pending{0}; // workers not done with it yet
};

using WorkQueue = util::SpscQueue<Segment*, kInFlight>;

/// Each packet to every consumer in turn, in order; those that look ahead (asked once per
/// batch) see each packet kFarAhead and kNearAhead packets before its turn too.
void feed(const std::vector<const decode::PacketInfo*>& packets,
          const std::vector<decode::PacketConsumer*>& consumers,
          std::vector<decode::PacketConsumer*>& lookers) {
    lookers.clear();
    for (auto* c : consumers) {
        if (c->looks_ahead()) lookers.push_back(c);
    }
    using Ahead = decode::PacketConsumer::Ahead;
    constexpr std::size_t kFar = decode::PacketConsumer::kFarAhead;
    constexpr std::size_t kNear = decode::PacketConsumer::kNearAhead;
    const std::size_t n = packets.size();
    if (!lookers.empty()) {
        for (std::size_t i = 0; i < std::min(n, kFar); ++i) {
            for (auto* l : lookers) l->look_ahead(*packets[i], Ahead::Far);
        }
        for (std::size_t i = 0; i < std::min(n, kNear); ++i) {
            for (auto* l : lookers) l->look_ahead(*packets[i], Ahead::Near);
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (!lookers.empty()) {
            if (i + kFar < n) {
                for (auto* l : lookers) l->look_ahead(*packets[i + kFar], Ahead::Far);
            }
            if (i + kNear < n) {
                for (auto* l : lookers) l->look_ahead(*packets[i + kNear], Ahead::Near);
            }
        }
        for (auto* c : consumers) c->on_packet(*packets[i]);
    }
}

/// A flow worker: its consumers get the packets it owns, in capture order.
void work(std::uint8_t worker, const std::vector<decode::PacketConsumer*>& consumers,
          WorkQueue& queue) {
    std::vector<decode::PacketConsumer*> lookers;
    std::vector<const decode::PacketInfo*> mine;
    while (auto segment = queue.pop()) {
        Segment& d = **segment;
        const std::vector<decode::PacketInfo>& packets = d.batch->packets;
        const std::vector<std::uint8_t>& owner = d.batch->owner;
        mine.clear();
        for (std::size_t i = d.begin; i < d.end; ++i) {
            if (owner[i] == worker) mine.push_back(&packets[i]);
        }
        feed(mine, consumers, lookers);
        if (d.tick_ns != 0) {
            for (auto* c : consumers) c->on_clock(d.tick_ns);
        }
        for (auto* c : consumers) c->on_batch_end();
        if (d.reopen) {
            for (auto* c : consumers) c->on_reopen();
        }
        if (d.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) d.pending.notify_one();
    }
    for (auto* c : consumers) c->on_end();
}

/// The flow workers' threads and the segments they hold, oldest first.
class WorkerCrew {
public:
    using Release = std::function<void(Batch*)>;

    WorkerCrew(const std::vector<std::vector<decode::PacketConsumer*>>& workers, Release release)
        : release_(std::move(release)) {
        for (std::size_t k = 0; k < workers.size(); ++k) queues_.push_back(std::make_unique<WorkQueue>());
        for (std::size_t k = 0; k < workers.size(); ++k) {
            threads_.emplace_back(work, static_cast<std::uint8_t>(k), std::cref(workers[k]),
                                  std::ref(*queues_[k]));
        }
    }
    ~WorkerCrew() { close(); }
    WorkerCrew(const WorkerCrew&) = delete;
    WorkerCrew& operator=(const WorkerCrew&) = delete;

    /// Packets [begin, end) of `batch` to every worker (each takes its own), then `tick_ns`.
    void hand_out(Batch* batch, std::size_t begin, std::size_t end, std::int64_t tick_ns,
                  bool reopen, bool last) {
        if (in_flight_ == kInFlight) reclaim_oldest(true);
        while (in_flight_ > 0 && reclaim_oldest(false)) {
        }
        Segment& d = ring_[(oldest_ + in_flight_) % kInFlight];
        ++in_flight_;
        d.batch = batch;
        d.begin = static_cast<std::uint32_t>(begin);
        d.end = static_cast<std::uint32_t>(end);
        d.tick_ns = tick_ns;
        d.reopen = reopen;
        d.last = last;
        d.pending.store(static_cast<std::uint32_t>(queues_.size()), std::memory_order_release);
        for (auto& q : queues_) q->push(&d);
    }
    /// Returns once every worker has finished everything handed out: the tables are at rest
    /// until the next hand_out.
    void settle() {
        while (in_flight_ > 0) reclaim_oldest(true);
    }
    /// The workers finish what they hold, then end (on_end); once.
    void close() {
        if (threads_.empty()) return;
        for (auto& q : queues_) q->close();
        for (auto& t : threads_) t.join();
        threads_.clear();
        settle();
    }

private:
    bool reclaim_oldest(bool wait) {
        Segment& d = ring_[oldest_];
        for (std::uint32_t v = d.pending.load(std::memory_order_acquire); v != 0;
             v = d.pending.load(std::memory_order_acquire)) {
            if (!wait) return false;
            d.pending.wait(v, std::memory_order_acquire);
        }
        if (d.last) release_(d.batch);
        d.batch = nullptr;
        oldest_ = (oldest_ + 1) % kInFlight;
        --in_flight_;
        return true;
    }

    Release release_;
    std::vector<std::unique_ptr<WorkQueue>> queues_;
    std::vector<std::thread> threads_;
    std::array<Segment, kInFlight> ring_;
    std::size_t oldest_ = 0;
    std::size_t in_flight_ = 0;
};

} // namespace

struct Pipeline::Shared {
    std::vector<Batch> batches = std::vector<Batch>(kBatches);
    BatchQueue full;
    BatchQueue free;
    std::atomic<bool> stop{false};
    std::atomic<bool> flow_done{false};
    std::atomic<bool> reopen{false}; // SIGHUP seen, for the flow thread to act on
    std::atomic<std::uint64_t> frames{0};
    std::atomic<std::uint64_t> position{0};
    mutable std::mutex result_mutex; // guards the capture thread's counters and warning
    std::optional<capture::CaptureCounters> counters;
    std::optional<std::string> warning;
};

Pipeline::Pipeline(std::unique_ptr<capture::PacketSource> source,
                   std::vector<decode::PacketConsumer*> consumers, PipelineOptions options)
    : source_(std::move(source)), consumers_(std::move(consumers)),
      decoder_(source_->info().dlt, options.decoder),
      replay_speed_(source_->info().live ? 0 : options.replay_speed), hangup_stops_(options.hangup_stops),
      workers_(std::move(options.workers)), worker_seed_(options.worker_seed),
      report_(workers_.size() >= 2 ? options.report : nullptr),
      report_clock_(options.report_interval_ns, options.report_compress_quiet),
      shared_(std::make_unique<Shared>()) {
    if (workers_.size() > 255) throw std::invalid_argument("at most 255 flow workers");
    for (auto& b : shared_->batches) shared_->free.push(&b);
}

Pipeline::~Pipeline() = default;

Progress Pipeline::progress() const {
    return Progress{shared_->frames.load(std::memory_order_relaxed),
                    shared_->position.load(std::memory_order_relaxed), source_->info().size_bytes};
}

std::optional<capture::CaptureCounters> Pipeline::capture_counters() const {
    std::lock_guard lock(shared_->result_mutex);
    return shared_->counters;
}

void Pipeline::capture_loop() {
    using Clock = std::chrono::steady_clock;
    Shared& s = *shared_;
    const bool live = source_->info().live;
    std::optional<capture::ReplayPacer> pacer;
    if (replay_speed_ > 0) pacer.emplace(replay_speed_);
    const bool timely = live || pacer.has_value();
    Batch* batch = *s.free.pop();
    auto batch_started = Clock::now();
    auto counters_due = Clock::now();
    std::uint64_t frames = 0;
    auto decode = [this](Batch& b) {
        b.packets.resize(b.frames.size());
        for (std::size_t i = 0; i < b.frames.size(); ++i) decoder_.decode(b.frames[i], b.packets[i]);
    };
    auto send = [&] {
        s.frames.store(frames, std::memory_order_relaxed);
        s.position.store(source_->position(), std::memory_order_relaxed);
        decode(*batch);
        s.full.push(batch);
        batch = *s.free.pop(kFreeBatchesToWakeFor);
        batch_started = Clock::now();
    };
    // Waits for a paced frame's time; while waiting, the flow thread learns the capture time
    // (never as late as the frame itself, so the frame stays in the interval it belongs to).
    auto wait_until_due = [&](std::int64_t ts_ns) {
        const auto due = pacer->due(ts_ns, Clock::now());
        for (auto now = Clock::now(); now < due && !s.stop.load(); now = Clock::now()) {
            if (!batch->frames.empty() || now - batch_started >= kPacedTick) {
                batch->frames.set_clock(std::min(pacer->capture_time(now), ts_ns - 1));
                send();
            }
            std::this_thread::sleep_until(std::min(due, now + kPacedTick));
        }
    };
    capture::RawFrame frame;
    for (;;) {
        const capture::ReadStatus status = source_->next(frame);
        if (status == capture::ReadStatus::End) break;
        if (status == capture::ReadStatus::Frame) {
            ++frames;
            if (pacer) wait_until_due(frame.ts_ns);
            if (!batch->frames.add(frame)) {
                send();
                batch->frames.add(frame);
            }
        }
        if (live && Clock::now() >= counters_due) {
            if (auto c = source_->counters()) {
                std::lock_guard lock(s.result_mutex);
                s.counters = c;
            }
            counters_due = Clock::now() + kCountersEvery;
        }
        if (!timely) continue;
        // A quiet link still sends (empty) batches on each read timeout, so the flow thread
        // wakes to expire flows and report by the wall clock.
        if (status == capture::ReadStatus::Timeout) {
            batch->frames.set_clock(realtime_ns() - kLiveTickLagNs);
            send();
        } else if (!batch->frames.empty() && Clock::now() - batch_started > kTimelyFlushAfter) {
            send();
        }
    }
    s.frames.store(frames, std::memory_order_relaxed);
    s.position.store(source_->position(), std::memory_order_relaxed);
    if (!batch->frames.empty()) {
        decode(*batch);
        s.full.push(batch);
    }
    {
        std::lock_guard lock(s.result_mutex);
        if (auto c = source_->counters()) s.counters = c;
        s.warning = source_->warning();
    }
    s.full.close();
}

void Pipeline::flow_loop() {
    if (workers_.size() >= 2) {
        dispatch_loop();
        return;
    }
    Shared& s = *shared_;
    std::vector<const decode::PacketInfo*> packets;
    std::vector<decode::PacketConsumer*> lookers;
    bool stopping = false;
    while (auto batch = s.full.pop()) {
        packets.clear();
        for (const decode::PacketInfo& p : (*batch)->packets) packets.push_back(&p);
        feed(packets, consumers_, lookers);
        // One thread: the tables are at rest between any two packets.
        end_batch((*batch)->frames.clock_ns(), s.reopen.exchange(false), [] {});
        (*batch)->frames.clear();
        s.free.push(*batch);
        stop_if_asked(stopping);
    }
    for (auto* c : consumers_) c->on_end();
    s.flow_done.store(true);
    waker_.notify();
}

void Pipeline::end_batch(std::int64_t clock_ns, bool reopen, const std::function<void()>& settle) {
    if (clock_ns != 0) {
        for (auto* c : consumers_) c->on_clock(clock_ns);
    }
    resting_.clear();
    for (auto* c : consumers_) {
        if (c->wants_tables_at_rest()) resting_.push_back(c);
    }
    if (!resting_.empty()) {
        settle();
        for (auto* c : resting_) c->on_tables_at_rest();
    }
    for (auto* c : consumers_) c->on_batch_end();
    if (reopen) {
        for (auto* c : consumers_) c->on_reopen();
    }
}

void Pipeline::stop_if_asked(bool& stopping) {
    if (stopping) return;
    for (auto* c : consumers_) {
        if (c->wants_stop()) stopping = true;
    }
    if (stopping) {
        shared_->stop.store(true);
        source_->interrupt();
    }
}

/// With flow workers the flow thread deals the capture thread's decoded packets out, and keeps
/// the report clock that one flow table would keep: at each boundary the workers get the
/// packets before it and its time, and the report waits for them all before it reads.
void Pipeline::dispatch_loop() {
    Shared& s = *shared_;
    const auto n = static_cast<std::uint32_t>(workers_.size());
    WorkerCrew crew(workers_, [&s](Batch* b) {
        b->frames.clear();
        s.free.push(b);
    });
    const auto settle = [&crew] { crew.settle(); };
    std::int64_t now = 0; // the latest time handed out, as a flow table's clock
    bool stopping = false;
    while (auto popped = s.full.pop()) {
        Batch* b = *popped;
        const std::size_t count = b->packets.size();
        b->owner.resize(count);
        std::size_t begin = 0;
        const auto report_before = [&](std::size_t end) {
            return [&, end](std::int64_t at) {
                crew.hand_out(b, begin, end, at, false, false);
                begin = end;
                crew.settle();
                report_->on_report_due(at, false);
            };
        };
        for (std::size_t i = 0; i < count; ++i) {
            const decode::PacketInfo& info = b->packets[i];
            b->owner[i] = static_cast<std::uint8_t>(flow::worker_of(info, worker_seed_, n));
            if (info.ts_ns > now) {
                if (report_ != nullptr) report_clock_.pass(info.ts_ns, report_before(i));
                now = info.ts_ns;
                report_clock_.on_packet(now);
            }
            for (auto* c : consumers_) c->on_packet(info);
        }
        const std::int64_t clock = b->frames.clock_ns();
        if (clock > now) {
            if (report_ != nullptr) report_clock_.pass(clock, report_before(count));
            now = clock;
        }
        const bool reopen = s.reopen.exchange(false);
        crew.hand_out(b, begin, count, now, reopen, true);
        end_batch(clock, reopen, settle);
        stop_if_asked(stopping);
    }
    crew.settle();
    if (report_ != nullptr) report_->on_report_due(now, true);
    crew.close();
    for (auto* c : consumers_) c->on_end();
    s.flow_done.store(true);
    waker_.notify();
}

RunResult Pipeline::run(RunHooks* hooks, const SignalChannel* open_signals) {
    Shared& s = *shared_;
    RunHooks no_hooks;
    RunHooks& h = hooks != nullptr ? *hooks : no_hooks;
    std::optional<SignalChannel> own_signals;
    const SignalChannel& signals = open_signals != nullptr ? *open_signals : own_signals.emplace();
    struct sigaction wake{};
    wake.sa_handler = wake_handler; // no SA_RESTART: a blocked read returns EINTR
    sigemptyset(&wake.sa_mask);
    struct sigaction old_wake{};
    sigaction(kWakeSignal, &wake, &old_wake);

    RunResult result;
    auto request_stop = [&] {
        if (s.stop.exchange(true)) return;
        source_->interrupt();
    };
    auto answer_signals = [&] {
        while (const int sig = signals.take()) {
            if (sig == SIGWINCH) {
                h.on_resize();
            } else if (sig == SIGHUP && !hangup_stops_) {
                s.reopen.store(true);
            } else {
                result.interrupted = true;
                request_stop();
            }
        }
    };
    // A stop that came before the run (app::run opens the channel before its start-up is
    // over) stops it before the first frame, however short the input.
    answer_signals();

    std::thread flows([this] { flow_loop(); });
    std::thread capturer([this] { capture_loop(); });
    for (;;) {
        const bool done = s.flow_done.load();
        if (done && (!h.hold_at_end() || result.quit || result.interrupted)) break;
        pollfd fds[3] = {{signals.fd(), POLLIN, 0}, {waker_.fd(), POLLIN, 0}, {h.input_fd(), POLLIN, 0}};
        const nfds_t n = h.input_fd() >= 0 ? 3 : 2;
        ::poll(fds, n, 100);
        if ((fds[0].revents & POLLIN) != 0) answer_signals();
        if ((fds[1].revents & POLLIN) != 0) waker_.drain();
        if (n == 3 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0) h.on_input();
        if (h.wants_quit() && !result.quit) {
            result.quit = true;
            request_stop();
        }
        h.on_wake();
        if (s.stop.load() && !s.flow_done.load()) {
            pthread_kill(capturer.native_handle(), kWakeSignal); // unblock a read of stdin
        }
    }
    capturer.join();
    flows.join();
    // The flow thread may have published its last snapshots after this loop's last take and
    // before it saw flow_done: they are taken now, or a block of the report would be lost.
    h.on_wake();
    sigaction(kWakeSignal, &old_wake, nullptr);

    result.decode = decoder_.stats();
    result.fragments = decoder_.fragment_stats();
    std::lock_guard lock(s.result_mutex);
    result.capture = s.counters;
    result.source_warning = s.warning;
    return result;
}

} // namespace pairwatch::app
