#include "pairwatch/report/console_view.h"

#include <curses.h>
#include <term.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

namespace pairwatch::report {

namespace {

// What a crash handler needs to give the terminal back, set up before the screen is taken.
// Plain globals: a signal handler may only read them and call write() and tcsetattr().
char g_restore[256];
std::size_t g_restore_len = 0;
termios g_saved_termios{};
volatile sig_atomic_t g_terminal_taken = 0;
constexpr std::array kCrashSignals = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
std::array<struct sigaction, kCrashSignals.size()> g_old_actions{};

extern "C" void restore_on_crash(int sig) {
    if (g_terminal_taken != 0) {
        [[maybe_unused]] const ssize_t n = ::write(STDOUT_FILENO, g_restore, g_restore_len);
        ::tcsetattr(STDOUT_FILENO, TCSANOW, &g_saved_termios);
        g_terminal_taken = 0;
    }
    // Die of the same signal, so the exit status and a core dump are what they would have been.
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void append_cap(const char* name) {
    const char* cap = tigetstr(name);
    if (cap == nullptr || cap == reinterpret_cast<char*>(-1)) return; // NOLINT: terminfo's API
    const std::size_t n = std::strlen(cap);
    if (g_restore_len + n >= sizeof g_restore) return;
    std::memcpy(g_restore + g_restore_len, cap, n);
    g_restore_len += n;
}

// Colour pairs, one per style that has a colour.
short pair_of(Style s) { return static_cast<short>(static_cast<int>(s) + 1); }

} // namespace

struct ConsoleView::Terminal {
    SCREEN* screen = nullptr;
    std::FILE* keys = nullptr; // /dev/tty: standard input may be the capture itself
    bool color = false;

    ~Terminal() {
        if (screen != nullptr) {
            endwin();
            delscreen(screen);
        }
        if (keys != nullptr) std::fclose(keys);
        g_terminal_taken = 0;
        for (std::size_t i = 0; i < kCrashSignals.size(); ++i) {
            ::sigaction(kCrashSignals[i], &g_old_actions[i], nullptr);
        }
    }
};

ConsoleView::ConsoleView(ConsoleOptions options)
    : term_(std::make_unique<Terminal>()), options_(std::move(options)) {
    if (::isatty(STDOUT_FILENO) == 0) throw ConsoleError("standard output is not a terminal");
    term_->keys = std::fopen("/dev/tty", "re");
    if (term_->keys == nullptr) throw ConsoleError("no controlling terminal to read keys from");
    if (::tcgetattr(STDOUT_FILENO, &g_saved_termios) != 0) {
        throw ConsoleError("cannot read the terminal's settings");
    }
    term_->screen = newterm(nullptr, stdout, term_->keys);
    if (term_->screen == nullptr) {
        throw ConsoleError(fmt::format("terminal type '{}' is unknown to ncurses",
                                       std::getenv("TERM") ? std::getenv("TERM") : ""));
    }
    set_term(term_->screen);
    g_restore_len = 0;
    append_cap("sgr0");
    append_cap("cnorm");
    append_cap("rmcup");
    struct sigaction crash{};
    crash.sa_handler = restore_on_crash;
    sigemptyset(&crash.sa_mask);
    for (std::size_t i = 0; i < kCrashSignals.size(); ++i) {
        ::sigaction(kCrashSignals[i], &crash, &g_old_actions[i]);
    }
    g_terminal_taken = 1;

    cbreak(); // Ctrl-C still raises SIGINT, which the pipeline takes
    noecho();
    nodelay(stdscr, TRUE);
    keypad(stdscr, TRUE);
    curs_set(0);
    leaveok(stdscr, TRUE);
    if (options_.color && has_colors()) {
        start_color();
        use_default_colors();
        term_->color = true;
        auto pair = [](Style s, short fg, short bg) { init_pair(pair_of(s), fg, bg); };
        pair(Style::Title, COLOR_BLACK, COLOR_CYAN);
        pair(Style::ColumnHead, COLOR_BLACK, COLOR_WHITE);
        pair(Style::WellKnown, COLOR_GREEN, -1);
        pair(Style::Registered, COLOR_CYAN, -1);
        pair(Style::Dynamic, COLOR_YELLOW, -1);
        pair(Style::Refused, COLOR_RED, -1);
        pair(Style::Reset, COLOR_MAGENTA, -1);
        pair(Style::Open, COLOR_GREEN, -1);
        pair(Style::Bar, COLOR_BLUE, -1);
        pair(Style::Warning, COLOR_RED, -1);
        pair(Style::Dim, -1, -1);
    }
    redraw();
}

ConsoleView::~ConsoleView() = default;

int ConsoleView::input_fd() const { return ::fileno(term_->keys); }

void ConsoleView::on_input() {
    for (int ch = wgetch(stdscr); ch != ERR; ch = wgetch(stdscr)) key(ch);
    redraw();
}

void ConsoleView::key(int ch) {
    constexpr int kViews = static_cast<int>(View::kCount);
    constexpr int kSorts = static_cast<int>(SortKey::kCount);
    if (help_) { // any key closes the help
        help_ = false;
        if (ch != 'q' && ch != 'Q') return;
    }
    switch (ch) {
    case 'v':
    case '\t':
        view_ = static_cast<View>((static_cast<int>(view_) + 1) % kViews);
        break;
    case 'V':
    case KEY_BTAB:
        view_ = static_cast<View>((static_cast<int>(view_) + kViews - 1) % kViews);
        break;
    case 's':
        sort_ = static_cast<SortKey>((static_cast<int>(sort_) + 1) % kSorts);
        break;
    case 'S':
        sort_ = static_cast<SortKey>((static_cast<int>(sort_) + kSorts - 1) % kSorts);
        break;
    case 'p':
    case ' ':
        paused_ = !paused_;
        if (!paused_ && latest_) {
            shown_ = std::move(latest_);
            latest_.reset();
        }
        break;
    case '?':
    case 'h':
        help_ = true;
        break;
    case 'q':
    case 'Q':
        quit_ = true;
        break;
    default:
        break;
    }
}

void ConsoleView::on_resize() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
        resizeterm(ws.ws_row, ws.ws_col);
    }
    redraw();
}

void ConsoleView::show(Snapshot s) {
    if (paused_) {
        latest_ = std::move(s);
        return;
    }
    shown_ = std::move(s);
    redraw();
}

void ConsoleView::set_status(std::string status) {
    if (status == status_) return;
    status_ = std::move(status);
    redraw();
}

void ConsoleView::redraw() {
    const auto rows = static_cast<std::size_t>(std::max(LINES, 1));
    const auto cols = static_cast<std::size_t>(std::max(COLS, 1));
    werase(stdscr);
    int y = 0;
    auto put = [&](const StyledLine& line) {
        if (static_cast<std::size_t>(y) >= rows) return;
        const int width = static_cast<int>(cols);
        mvwaddnstr(stdscr, y, 0, line.text.c_str(), width);
        for (const Span& sp : line.spans) {
            if (sp.begin >= cols || sp.end <= sp.begin) continue;
            const std::size_t end = std::min(sp.end, cols);
            attr_t attr = A_NORMAL;
            short pair = 0;
            switch (sp.style) {
            case Style::Title:
            case Style::ColumnHead:
                attr = term_->color ? A_BOLD : A_REVERSE;
                break;
            case Style::Refused:
            case Style::Reset:
            case Style::Warning:
                attr = A_BOLD;
                break;
            case Style::Dim:
                attr = A_DIM;
                break;
            default:
                break;
            }
            if (term_->color) pair = pair_of(sp.style);
            mvwchgat(stdscr, y, static_cast<int>(sp.begin), static_cast<int>(end - sp.begin), attr,
                     pair, nullptr);
        }
        ++y;
    };
    HeaderInfo info = options_.header;
    std::string status = status_;
    if (paused_) status = status.empty() ? "paused" : "paused, " + status;
    info.status.clear(); // the footer says it, where it is not cut off
    if (shown_) {
        for (const auto& l : header_lines(*shown_, info, cols)) put(l);
    } else {
        put(StyledLine{fmt::format("pairwatch  {}  waiting for the first report...", info.source), {}});
    }
    ++y;
    if (help_) {
        for (const auto& l : help_lines()) put(l);
    } else if (shown_) {
        const std::string title = fmt::format("{} (sorted by {})", to_string(view_), to_string(sort_));
        put(StyledLine{title, {}});
        // header 3 + blank + title + column heads + footer
        const std::size_t room = rows > 7 ? rows - 7 : 1;
        for (const auto& l : view_lines(*shown_, view_, sort_, cols, room)) put(l);
    }
    if (rows >= 2) {
        std::string footer =
            fmt::format("v/Tab view: {}  s sort: {}  p {}  ? help  q quit", to_string(view_),
                        to_string(sort_), paused_ ? "resume" : "pause");
        if (!status.empty()) footer = "[" + status + "]  " + footer;
        y = static_cast<int>(rows) - 1;
        put(StyledLine{footer, {Span{0, std::min(footer.size(), cols), Style::ColumnHead}}});
    }
    // Composed in memory first; one write of the differences to the terminal, no flicker.
    wnoutrefresh(stdscr);
    doupdate();
}

} // namespace pairwatch::report
