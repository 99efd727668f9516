// The file outputs (--json, --csv, --zeek-conn) written on a thread of their own. Formatting a
// record costs about a microsecond, as much as the flow thread spends on a packet at 1M open
// conversations, and at the end of a file read every open flow ends at once: on its own thread
// that work overlaps the table's instead of adding to it.
//
// The flow thread copies each ended flow (and its app, asked there: the inspector's state is
// the flow thread's) into a batch; the writer formats the batches in the order they came, so
// every file is byte for byte what the sinks would have written inline. Flush, reopen and
// finish travel in the same queue, after the records handed over before them. A few batches
// are all there are: when the files cannot keep up, the flow thread waits for one, as it waited
// for write() before.
#pragma once

#include "pairwatch/export/file_sink.h"
#include "pairwatch/flow/app_lookup.h"
#include "pairwatch/flow/flow_sink.h"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pairwatch::exporter {

struct FileSinkThreadOptions {
    std::size_t batch_records = 512; // records in a batch: one wake-up of the writer each
    std::size_t batches = 8;         // batches in all: what the files may fall behind by
};

class FileSinkThread final : public flow::FlowSink {
public:
    /// Writes `sinks`, in this order, each record to every one. `apps`: payload inspection's
    /// verdicts, asked on the calling thread as each flow ends; null: `app` is empty.
    FileSinkThread(std::vector<FileSink*> sinks, const flow::AppLookup* apps,
                   FileSinkThreadOptions options = {});
    /// Writes what is still queued and stops the thread (on_finish is not called).
    ~FileSinkThread() override;
    FileSinkThread(const FileSinkThread&) = delete;
    FileSinkThread& operator=(const FileSinkThread&) = delete;

    void on_flow_end(const flow::Flow& flow, flow::EndReason why) override;
    /// The sinks' on_finish after every record; returns once it has run, so the files are
    /// complete (and their failures known) when the run's summary is written.
    void on_finish() override;
    /// The sinks' flush, after the records handed over so far (a live capture's every second).
    void flush();
    /// The sinks' reopen (SIGHUP), likewise in order.
    void reopen();

private:
    enum class Then : std::uint8_t { Nothing, Flush, Reopen, Finish, Stop };
    struct Record {
        flow::Flow flow;
        flow::EndReason why{};
        std::string app; // a copy: the inspector's name table may grow meanwhile
    };
    struct Batch {
        std::vector<Record> records; // [0, count) are this batch's; the rest keep their strings
        std::size_t count = 0;
        Then then = Then::Nothing;
    };

    Batch* take_empty();
    void hand_over(Then then);
    void run();
    void write(Batch& batch);

    std::vector<FileSink*> sinks_;
    const flow::AppLookup* apps_;
    std::size_t batch_records_;
    std::vector<std::unique_ptr<Batch>> pool_;
    Batch* filling_ = nullptr; // the flow thread's, until handed over

    std::mutex lock_;
    std::condition_variable work_;  // the writer waits for a batch
    std::condition_variable empty_; // the flow thread waits for a batch to fill, or a finish
    std::deque<Batch*> full_;
    std::vector<Batch*> empty_batches_;
    std::uint64_t finishes_asked_ = 0, finishes_done_ = 0;
    std::thread writer_; // last: started once the rest exists
};

} // namespace pairwatch::exporter
