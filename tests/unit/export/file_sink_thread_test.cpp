// The file outputs' writer thread: the same bytes as writing inline, every event in the order
// handed over, apps asked on the flow thread and copied, and a bounded queue.
#include "pairwatch/export/file_sink_thread.h"

#include "pairwatch/export/csv_writer.h"
#include "pairwatch/export/json_writer.h"
#include "pairwatch/export/output_file.h"
#include "pairwatch/export/zeek_conn_writer.h"
#include "support/export_fixtures.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pairwatch::exporter {
namespace {

using flow::EndReason;
using flow::Flow;
using test::default_registry;
using test::TempPath;

/// Each flow's own app, by its first_ns; records the thread that asked.
class StubApps final : public flow::AppLookup {
public:
    std::string_view app_of(const Flow& flow) const override {
        askers.push_back(std::this_thread::get_id());
        name = "app-" + std::to_string(flow.first_ns);
        return name;
    }
    mutable std::string name; // overwritten by the next ask, as a growing name table may move
    mutable std::vector<std::thread::id> askers;
};

/// Writes a line per event to its file, and can hold the writer in its first write.
class EventSink final : public FileSink {
public:
    explicit EventSink(const std::string& path)
        : FileSink(std::make_unique<OutputFile>(path)) {}
    void write_flow(const Flow& flow, EndReason why, std::string_view app) override {
        {
            std::unique_lock hold(lock_);
            entered_ = true;
            entered_cv_.notify_all();
            released_cv_.wait(hold, [this] { return released_; });
        }
        out().write(std::to_string(flow.first_ns) + " " + std::string(flow::to_string(why)) +
                    " " + std::string(app) + "\n");
        writer_threads.push_back(std::this_thread::get_id());
    }
    void reopen() override { out().write("reopen\n"); }
    void on_finish() override {
        out().write("finish\n");
        FileSink::on_finish();
    }
    void hold() { released_ = false; }
    void wait_entered() {
        std::unique_lock hold(lock_);
        entered_cv_.wait(hold, [this] { return entered_; });
    }
    void release() {
        const std::lock_guard hold(lock_);
        released_ = true;
        released_cv_.notify_all();
    }
    std::vector<std::thread::id> writer_threads;

private:
    std::mutex lock_;
    std::condition_variable entered_cv_, released_cv_;
    bool entered_ = false, released_ = true;
};

Flow flow_at(std::int64_t first_ns) {
    Flow f = test::http_flow();
    f.first_ns = first_ns;
    return f;
}

TEST(FileSinkThread, EveryEventReachesTheFilesInTheOrderHandedOver) {
    const TempPath a("sink-thread-a"), b("sink-thread-b");
    EventSink first(a.str()), second(b.str());
    StubApps apps;
    {
        FileSinkThread thread({&first, &second}, &apps, {.batch_records = 2, .batches = 2});
        thread.on_flow_end(flow_at(1), EndReason::Fin);
        thread.on_flow_end(flow_at(2), EndReason::Rst);
        thread.on_flow_end(flow_at(3), EndReason::Idle);
        thread.flush();
        thread.on_flow_end(flow_at(4), EndReason::Fin);
        thread.reopen();
        thread.reopen();
        for (int i = 5; i <= 9; ++i) thread.on_flow_end(flow_at(i), EndReason::Fin);
        thread.on_finish();
        // on_finish has returned: the files are complete before the thread goes.
        const std::string expected = "1 fin app-1\n2 rst app-2\n3 idle app-3\n4 fin app-4\n"
                                     "reopen\nreopen\n5 fin app-5\n6 fin app-6\n"
                                     "7 fin app-7\n8 fin app-8\n9 fin app-9\nfinish\n";
        EXPECT_EQ(test::slurp(a.str()), expected);
        EXPECT_EQ(test::slurp(b.str()), expected);
    }
    ASSERT_EQ(apps.askers.size(), 9U); // once per flow, not once per file
    for (const auto id : apps.askers) EXPECT_EQ(id, std::this_thread::get_id());
    ASSERT_EQ(first.writer_threads.size(), 9U);
    for (const auto id : first.writer_threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(FileSinkThread, TheEndReasonsAndAnEmptyAppSurviveTheCopy) {
    const TempPath a("sink-thread-plain");
    EventSink sink(a.str());
    {
        FileSinkThread thread({&sink}, nullptr);
        thread.on_flow_end(flow_at(7), EndReason::Evicted);
        thread.on_flow_end(flow_at(8), EndReason::CaptureEnd);
        thread.on_finish();
    }
    EXPECT_EQ(test::slurp(a.str()), "7 evicted \n8 capture-end \nfinish\n");
}

TEST(FileSinkThread, GoingAwayWithoutAFinishStillWritesWhatWasHandedOver) {
    const TempPath a("sink-thread-drop");
    {
        EventSink sink(a.str());
        {
            FileSinkThread thread({&sink}, nullptr, {.batch_records = 4, .batches = 2});
            for (int i = 1; i <= 6; ++i) thread.on_flow_end(flow_at(i), EndReason::Fin);
        }
        sink.flush();
    }
    EXPECT_EQ(test::slurp(a.str()), "1 fin \n2 fin \n3 fin \n4 fin \n5 fin \n6 fin \n");
}

TEST(FileSinkThread, AWriterThatCannotKeepUpHoldsTheFlowThreadAtTheQueuesBound) {
    const TempPath a("sink-thread-slow");
    EventSink sink(a.str());
    FileSinkThread thread({&sink}, nullptr, {.batch_records = 1, .batches = 2});
    sink.hold();
    std::atomic<int> handed{0};
    std::thread flow_thread([&] {
        for (int i = 1; i <= 5; ++i) {
            thread.on_flow_end(flow_at(i), EndReason::Fin);
            handed.fetch_add(1);
        }
    });
    sink.wait_entered(); // the writer holds batch one
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // One batch in the writer's hands, one full in the queue: no third record fits anywhere.
    EXPECT_LE(handed.load(), 2);
    sink.release();
    flow_thread.join();
    EXPECT_EQ(handed.load(), 5);
    thread.on_finish();
    EXPECT_EQ(test::slurp(a.str()), "1 fin \n2 fin \n3 fin \n4 fin \n5 fin \nfinish\n");
}

TEST(FileSinkThread, JsonCsvAndConnLogAreByteForByteWhatTheyWriteInline) {
    std::vector<Flow> flows;
    for (int i = 0; i < 1000; ++i) {
        Flow f = test::http_flow();
        f.first_ns += i * 1'000'000LL;
        f.key.port_a = static_cast<std::uint16_t>(1024 + i);
        flows.push_back(f);
    }
    const auto fixed_clock = []() -> std::time_t { return 1'700'000'000; };
    const auto write_all = [&](bool threaded, const std::string& tag) {
        const TempPath json(tag + "-json"), csv(tag + "-csv"), conn(tag + "-conn");
        JsonWriter j(std::make_unique<OutputFile>(json.str()), default_registry(), 7);
        CsvWriter c(std::make_unique<OutputFile>(csv.str()), default_registry(), 7);
        ZeekConnWriter z(std::make_unique<OutputFile>(conn.str()), default_registry(), 7, {},
                         fixed_clock);
        std::vector<FileSink*> sinks{&j, &c, &z};
        if (threaded) {
            FileSinkThread thread(sinks, nullptr, {.batch_records = 64, .batches = 3});
            for (std::size_t i = 0; i < flows.size(); ++i) {
                thread.on_flow_end(flows[i], i % 3 == 0 ? EndReason::Rst : EndReason::Fin);
            }
            thread.on_finish();
        } else {
            for (std::size_t i = 0; i < flows.size(); ++i) {
                for (FileSink* s : sinks) {
                    s->on_flow_end(flows[i], i % 3 == 0 ? EndReason::Rst : EndReason::Fin);
                }
            }
            for (FileSink* s : sinks) s->on_finish();
        }
        return test::slurp(json.str()) + "\n--\n" + test::slurp(csv.str()) + "\n--\n" +
               test::slurp(conn.str());
    };
    const std::string inline_bytes = write_all(false, "inline");
    EXPECT_EQ(write_all(true, "threaded"), inline_bytes);
    EXPECT_GT(inline_bytes.size(), 1000U * 200); // a thousand real records each
}

} // namespace
} // namespace pairwatch::exporter
