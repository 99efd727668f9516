// The full-screen report on a terminal (ncurses): the header, one view at a time, keys to switch
// view and sort, pause, help and quit. The terminal is restored on every way out: normal exit,
// an exception, Ctrl-C (taken as a signal by the pipeline) and a crash signal.
#pragma once

#include "pairwatch/report/snapshot.h"
#include "pairwatch/report/views.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace pairwatch::report {

class ConsoleError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ConsoleOptions {
    bool color = true;
    HeaderInfo header;
};

class ConsoleView {
public:
    /// Takes over the terminal on standard output, reading keys from /dev/tty. Throws
    /// ConsoleError when there is no usable terminal (the caller falls back to text).
    explicit ConsoleView(ConsoleOptions options);
    ~ConsoleView();
    ConsoleView(const ConsoleView&) = delete;
    ConsoleView& operator=(const ConsoleView&) = delete;

    [[nodiscard]] int input_fd() const;
    /// Reads every key waiting and acts on it.
    void on_input();
    void on_resize();
    /// A new snapshot: shown at once unless the display is paused.
    void show(Snapshot s);
    void set_status(std::string status);
    [[nodiscard]] bool quit_requested() const { return quit_; }

private:
    void redraw();
    void key(int ch);

    struct Terminal;
    std::unique_ptr<Terminal> term_;
    ConsoleOptions options_;
    std::optional<Snapshot> shown_;
    std::optional<Snapshot> latest_; // what arrived while paused
    View view_ = View::Flows;
    SortKey sort_ = SortKey::Bytes;
    bool paused_ = false;
    bool help_ = false;
    bool quit_ = false;
    std::string status_;
};

} // namespace pairwatch::report
