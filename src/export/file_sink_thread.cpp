#include "pairwatch/export/file_sink_thread.h"

#include "pairwatch/util/signals_blocked.h"

#include <algorithm>
#include <utility>

namespace pairwatch::exporter {

FileSinkThread::FileSinkThread(std::vector<FileSink*> sinks, const flow::AppLookup* apps,
                               FileSinkThreadOptions options)
    : sinks_(std::move(sinks)), apps_(apps),
      batch_records_(std::max<std::size_t>(1, options.batch_records)) {
    // Two at least: one filling while the writer formats the other.
    const std::size_t batches = std::max<std::size_t>(2, options.batches);
    for (std::size_t i = 0; i < batches; ++i) {
        auto batch = std::make_unique<Batch>();
        batch->records.resize(batch_records_);
        empty_batches_.push_back(batch.get());
        pool_.push_back(std::move(batch));
    }
    const util::SignalsBlocked blocked; // for the writer to inherit (util/signals_blocked.h)
    writer_ = std::thread([this] { run(); });
}

FileSinkThread::~FileSinkThread() {
    hand_over(Then::Stop);
    writer_.join();
}

FileSinkThread::Batch* FileSinkThread::take_empty() {
    std::unique_lock hold(lock_);
    empty_.wait(hold, [this] { return !empty_batches_.empty(); });
    Batch* batch = empty_batches_.back();
    empty_batches_.pop_back();
    return batch;
}

void FileSinkThread::on_flow_end(const flow::Flow& flow, flow::EndReason why) {
    if (filling_ == nullptr) filling_ = take_empty();
    Record& r = filling_->records[filling_->count++];
    r.flow = flow;
    r.why = why;
    if (apps_ != nullptr) {
        r.app.assign(apps_->app_of(flow));
    } else {
        r.app.clear();
    }
    if (filling_->count == batch_records_) hand_over(Then::Nothing);
}

void FileSinkThread::hand_over(Then then) {
    if (filling_ == nullptr) filling_ = take_empty();
    filling_->then = then;
    {
        const std::lock_guard hold(lock_);
        full_.push_back(filling_);
    }
    filling_ = nullptr;
    work_.notify_one();
}

void FileSinkThread::flush() { hand_over(Then::Flush); }

void FileSinkThread::reopen() { hand_over(Then::Reopen); }

void FileSinkThread::on_finish() {
    std::uint64_t mine = 0;
    {
        const std::lock_guard hold(lock_);
        mine = ++finishes_asked_;
    }
    hand_over(Then::Finish);
    std::unique_lock hold(lock_);
    empty_.wait(hold, [this, mine] { return finishes_done_ >= mine; });
}

void FileSinkThread::write(Batch& batch) {
    for (std::size_t i = 0; i < batch.count; ++i) {
        const Record& r = batch.records[i];
        for (FileSink* sink : sinks_) sink->write_flow(r.flow, r.why, r.app);
    }
    switch (batch.then) {
    case Then::Flush:
        for (FileSink* sink : sinks_) sink->flush();
        break;
    case Then::Reopen:
        for (FileSink* sink : sinks_) sink->reopen();
        break;
    case Then::Finish:
        for (FileSink* sink : sinks_) sink->on_finish();
        break;
    case Then::Nothing:
    case Then::Stop:
        break;
    }
}

void FileSinkThread::run() {
    for (;;) {
        Batch* batch = nullptr;
        {
            std::unique_lock hold(lock_);
            work_.wait(hold, [this] { return !full_.empty(); });
            batch = full_.front();
            full_.pop_front();
        }
        write(*batch);
        const Then then = batch->then;
        batch->count = 0;
        batch->then = Then::Nothing;
        {
            const std::lock_guard hold(lock_);
            empty_batches_.push_back(batch);
            if (then == Then::Finish) ++finishes_done_;
        }
        // Both waits of the flow thread (a batch to fill, a finish) are on empty_.
        empty_.notify_all();
        if (then == Then::Stop) return;
    }
}

} // namespace pairwatch::exporter
