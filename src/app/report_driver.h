// The calling thread's side of a run: takes the report's snapshots and shows them (full screen
// or plain text), reads the keys, and keeps the progress line of a long file on stderr.
#pragma once

#include "pairwatch/app/pipeline.h"
#include "pairwatch/report/console_view.h"
#include "pairwatch/report/live_report.h"

#include <chrono>
#include <cstdio>
#include <memory>

namespace pairwatch::app {

/// "\r 43.2% read  1.2M pkt/s  elapsed 12s  remaining 16s": what a long file's read shows.
[[nodiscard]] std::string progress_text(const Progress& p, double elapsed_s, double pkt_per_s);

class ReportDriver final : public RunHooks {
public:
    /// `live` may be null (no rolling report); `console` null means plain text to `text_out`
    /// (or nothing when that is null too). `progress_out`: stderr when it is a terminal.
    ReportDriver(const Pipeline& pipeline, report::LiveReport* live,
                 std::unique_ptr<report::ConsoleView> console, std::FILE* text_out,
                 report::HeaderInfo header, std::FILE* progress_out);
    ~ReportDriver() override;

    [[nodiscard]] int input_fd() const override;
    void on_input() override;
    void on_resize() override;
    void on_wake() override;
    [[nodiscard]] bool wants_quit() const override;
    [[nodiscard]] bool hold_at_end() const override { return console_ != nullptr && !header_.live; }

    /// The run is over: clears the progress line.
    void finish();
    /// Gives the terminal back (before the final summary is printed).
    void close_console();

private:
    void update_progress(bool force_clear);

    const Pipeline& pipeline_;
    report::LiveReport* live_;
    std::unique_ptr<report::ConsoleView> console_;
    std::FILE* text_out_;
    report::HeaderInfo header_;
    std::FILE* progress_out_;
    std::chrono::steady_clock::time_point started_, progress_due_, rate_at_;
    std::uint64_t rate_frames_ = 0;
    double pkt_per_s_ = 0;
    bool progress_shown_ = false;
    bool ended_ = false;
};

} // namespace pairwatch::app
