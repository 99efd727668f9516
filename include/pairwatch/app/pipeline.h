// The threads: capture reads frames into batches and decodes them, the flow thread feeds the
// consumers (or, with flow workers, hands each packet to the worker that owns its
// conversation), and the calling thread waits for signals, keys and report snapshots.
#pragma once

#include "pairwatch/capture/packet_source.h"
#include "pairwatch/decode/decode_stats.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/decode/packet_consumer.h"
#include "pairwatch/flow/report_clock.h"
#include "pairwatch/util/waker.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pairwatch::app {

class SignalChannel;

struct RunResult {
    decode::DecodeStats decode;
    decode::FragmentTableStats fragments;
    std::optional<capture::CaptureCounters> capture;
    std::optional<std::string> source_warning;
    bool interrupted = false; // SIGINT or SIGTERM ended the run
    bool quit = false;        // the user quit the console view
};

/// What the calling thread does while the pipeline runs: the console report's keys, redraws
/// and progress line. Every call is on the thread that called Pipeline::run.
class RunHooks {
public:
    virtual ~RunHooks() = default;
    /// A descriptor to watch for input (the terminal's keys), or -1.
    [[nodiscard]] virtual int input_fd() const { return -1; }
    virtual void on_input() {}
    virtual void on_resize() {}
    /// At most ~100 ms apart, and at once when the Waker given to Pipeline is notified.
    virtual void on_wake() {}
    /// True once the user asked to quit: the capture stops as on SIGINT.
    [[nodiscard]] virtual bool wants_quit() const { return false; }
    /// True to keep the hooks running after the input ended, until the user quits (a
    /// replay's last screen stays up to be read).
    [[nodiscard]] virtual bool hold_at_end() const { return false; }
};

struct PipelineOptions {
    decode::DecoderOptions decoder;
    double replay_speed = 0; // > 0: a file's frames are handed over at their capture time / speed
    /// SIGHUP: false, the consumers reopen their files (a daemon's logrotate); true, the
    /// terminal hung up and the run ends as on SIGTERM.
    bool hangup_stops = false;
    /// Flow workers (--threads): with two or more, each list runs on its own thread and gets
    /// the packets of the conversations flow::worker_of gives it (each packet to exactly one
    /// worker), then, at the end of each batch, on_clock with the batch's latest time so its
    /// flows expire as they would in one table. The consumers given to the Pipeline itself
    /// see every packet, on the flow thread. Empty: everything on the flow thread.
    std::vector<std::vector<decode::PacketConsumer*>> workers;
    std::uint64_t worker_seed = 0;
    /// With flow workers, the rolling report's clock, which one flow table keeps otherwise
    /// (FlowTable::set_report): at each boundary the workers get the packets before it and
    /// its time, and `report` is called once they have all counted them; at the end, the
    /// final report before any flow ends. Ignored with one worker.
    flow::ReportListener* report = nullptr;
    std::int64_t report_interval_ns = 0;
    bool report_compress_quiet = false;
};

/// How far a file has been read, for the progress line.
struct Progress {
    std::uint64_t frames = 0;
    std::uint64_t position = 0; // bytes of the file consumed
    std::uint64_t size = 0;     // 0 when unknown (standard input, a FIFO, a live capture)
};

class Pipeline {
public:
    Pipeline(std::unique_ptr<capture::PacketSource> source,
             std::vector<decode::PacketConsumer*> consumers, PipelineOptions options = {});
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Runs until the source ends, a consumer stops, the hooks quit, or SIGINT/SIGTERM
    /// arrives; every packet read is decoded and counted before it returns. The signals come
    /// through `signals` if given (one already pending stops the run at once), else through a
    /// channel open for the run alone.
    RunResult run(RunHooks* hooks = nullptr, const SignalChannel* signals = nullptr);

    /// Wakes the calling thread's loop at once (a snapshot is ready): thread-safe.
    [[nodiscard]] const util::Waker& waker() const { return waker_; }
    /// Thread-safe, while running.
    [[nodiscard]] Progress progress() const;
    /// The kernel's counters as of the last second or so (live only); thread-safe.
    [[nodiscard]] std::optional<capture::CaptureCounters> capture_counters() const;

private:
    struct Shared;
    void capture_loop();
    void flow_loop();
    /// flow_loop with flow workers: hands each decoded batch to every worker.
    void dispatch_loop();
    /// The flow thread's consumers at the end of a batch: its clock, the readers of the tables
    /// (after `settle` waited for the workers), on_batch_end, a reopen (SIGHUP).
    void end_batch(std::int64_t clock_ns, bool reopen, const std::function<void()>& settle);
    /// Stops the capture once a consumer wants it (its output closed); once.
    void stop_if_asked(bool& stopping);

    std::unique_ptr<capture::PacketSource> source_;
    std::vector<decode::PacketConsumer*> consumers_;
    decode::Decoder decoder_;
    double replay_speed_;
    bool hangup_stops_;
    std::vector<std::vector<decode::PacketConsumer*>> workers_;
    std::uint64_t worker_seed_;
    flow::ReportListener* report_;
    flow::ReportClock report_clock_;
    std::vector<decode::PacketConsumer*> resting_; // end_batch's, kept for its capacity
    util::Waker waker_;
    std::unique_ptr<Shared> shared_;
};

} // namespace pairwatch::app
