#include "report_driver.h"

#include "pairwatch/report/text_report.h"
#include "pairwatch/report/views.h"

#include <fmt/format.h>

namespace pairwatch::app {

namespace {
// A file read faster than this never shows a progress line.
constexpr auto kProgressAfter = std::chrono::seconds(1);
constexpr auto kProgressEvery = std::chrono::milliseconds(500);
} // namespace

std::string progress_text(const Progress& p, double elapsed_s, double pkt_per_s) {
    std::string out;
    if (p.size > 0) {
        const double done = std::min(1.0, static_cast<double>(p.position) / static_cast<double>(p.size));
        out = fmt::format("{:5.1f}% read  ", done * 100);
        const double remaining = done > 0 ? elapsed_s * (1 - done) / done : 0;
        out += fmt::format("{} pkt/s  elapsed {}  remaining {}", report::human_count(pkt_per_s),
                           report::human_duration(elapsed_s),
                           done > 0 ? report::human_duration(remaining) : std::string("?"));
    } else {
        out = fmt::format("{} packets read  {} pkt/s  elapsed {}", p.frames,
                          report::human_count(pkt_per_s), report::human_duration(elapsed_s));
    }
    return out;
}

ReportDriver::ReportDriver(const Pipeline& pipeline, report::LiveReport* live,
                           std::unique_ptr<report::ConsoleView> console, std::FILE* text_out,
                           report::HeaderInfo header, std::FILE* progress_out)
    : pipeline_(pipeline), live_(live), console_(std::move(console)), text_out_(text_out),
      header_(std::move(header)), progress_out_(progress_out),
      started_(std::chrono::steady_clock::now()), progress_due_(started_ + kProgressAfter),
      rate_at_(started_) {}

ReportDriver::~ReportDriver() {
    if (live_ != nullptr) live_->abandon();
}

int ReportDriver::input_fd() const { return console_ ? console_->input_fd() : -1; }

void ReportDriver::on_input() {
    if (console_) console_->on_input();
}

void ReportDriver::on_resize() {
    if (console_) console_->on_resize();
}

bool ReportDriver::wants_quit() const { return console_ && console_->quit_requested(); }

void ReportDriver::close_console() {
    if (live_ != nullptr) live_->abandon();
    console_.reset();
}

void ReportDriver::on_wake() {
    while (live_ != nullptr) {
        std::optional<report::Snapshot> s = live_->take();
        if (!s) break;
        s->capture = pipeline_.capture_counters();
        if (s->final) ended_ = true;
        if (console_) {
            console_->show(std::move(*s));
        } else if (text_out_ != nullptr && !s->final) {
            // The summary that follows is the last word; the partial last interval adds nothing.
            update_progress(true);
            const std::string text = report::format_text_block(*s, header_) + "\n";
            std::fwrite(text.data(), 1, text.size(), text_out_);
            std::fflush(text_out_);
        }
    }
    update_progress(false);
}

void ReportDriver::update_progress(bool clear_now) {
    const auto now = std::chrono::steady_clock::now();
    const Progress p = pipeline_.progress();
    if (const double since = std::chrono::duration<double>(now - rate_at_).count(); since >= 1.0) {
        pkt_per_s_ = static_cast<double>(p.frames - rate_frames_) / since;
        rate_frames_ = p.frames;
        rate_at_ = now;
    }
    if (console_) {
        std::string status;
        if (ended_) {
            status = "end of input: q quits";
        } else if (!header_.live && p.size > 0) {
            status = fmt::format("{:.0f}% read", 100.0 * static_cast<double>(p.position) /
                                                     static_cast<double>(p.size));
        }
        console_->set_status(std::move(status));
        return;
    }
    if (progress_out_ == nullptr || header_.live) return;
    if (clear_now || ended_) {
        if (progress_shown_) std::fputs("\r\033[K", progress_out_);
        progress_shown_ = false;
        return;
    }
    if (now < progress_due_) return;
    progress_due_ = now + kProgressEvery;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    std::fprintf(progress_out_, "\r\033[K%s", progress_text(p, elapsed, pkt_per_s_).c_str());
    std::fflush(progress_out_);
    progress_shown_ = true;
}

void ReportDriver::finish() {
    ended_ = true;
    if (!console_) update_progress(true);
}

} // namespace pairwatch::app
