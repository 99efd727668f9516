#include "pairwatch/export/output_file.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

using pairwatch::exporter::OutputFile;

namespace {

/// Sends spdlog's default logger to a string while it lives.
class CapturedLog {
public:
    CapturedLog() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        auto logger = std::make_shared<spdlog::logger>("captured", sink);
        logger->set_pattern("%l: %v");
        spdlog::set_default_logger(logger);
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;
    [[nodiscard]] std::string text() const { return text_.str(); }

private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream text_;
};

std::string contents(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST(OutputFile, DiskFullIsLoggedOnceNamingTheOption) {
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    const CapturedLog log;
    OutputFile out("/dev/full", "--csv");
    out.write("a,b\n");
    out.flush();
    out.write("c,d\n");
    out.flush();
    out.flush();
    EXPECT_TRUE(out.failed());
    EXPECT_FALSE(out.closed_by_reader());
    EXPECT_EQ(log.text(), "error: --csv /dev/full: write failed: No space left on device; "
                          "nothing more is written there\n");
}

TEST(OutputFile, OpenFailureNamesTheOption) {
    try {
        OutputFile out("/nonexistent-dir/conn.log", "--zeek-conn");
        FAIL() << "opened";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(
            e.what(),
            "--zeek-conn /nonexistent-dir/conn.log: cannot write: No such file or directory");
    }
}

TEST(OutputFile, ClosedPipeIsTheReaderLeavingNotAnError) {
    // `pairwatch --csv - | head`: once head exits, writes get EPIPE (main ignores SIGPIPE, as
    // this test does while it runs). That stops the output quietly.
    const auto old_handler = std::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const CapturedLog log;
    {
        // Opened while the pipe has its reader: opening a pipe without one would wait for one.
        OutputFile out("/proc/self/fd/" + std::to_string(fds[1]), "--csv");
        ::close(fds[0]); // the reader is gone
        out.write("uid,ts\n");
        out.flush();
        EXPECT_TRUE(out.failed());
        EXPECT_TRUE(out.closed_by_reader());
    }
    ::close(fds[1]);
    std::signal(SIGPIPE, old_handler);
    EXPECT_EQ(log.text(), "");
}

TEST(OutputFile, StandardOutputByDash) {
    const OutputFile out("-", "--json");
    EXPECT_TRUE(out.is_stdout());
    EXPECT_EQ(out.path(), "-");
    EXPECT_FALSE(out.failed());
}

TEST(OutputFile, ReopenAfterAMoveWritesOnInANewFileAndLosesNothing) {
    const auto dir = std::filesystem::temp_directory_path() / ("pairwatch-reopen-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "flows.jsonl").string();
    const CapturedLog log;
    {
        OutputFile out(path, "--json");
        out.write("one\n"); // still buffered when logrotate moves the file
        std::filesystem::rename(path, path + ".1");
        ASSERT_TRUE(out.reopen());
        EXPECT_TRUE(out.empty_on_disk());
        out.write("two\n");
        // Not moved this time: the same file again, appended to.
        ASSERT_TRUE(out.reopen());
        EXPECT_FALSE(out.empty_on_disk());
        out.write("three\n");
    }
    EXPECT_EQ(contents(path + ".1"), "one\n");
    EXPECT_EQ(contents(path), "two\nthree\n");
    EXPECT_EQ(log.text(), "info: --json " + path + ": reopened\ninfo: --json " + path + ": reopened\n");
    std::filesystem::remove_all(dir);
}

TEST(OutputFile, AReopenThatFailsKeepsWritingTheOpenFile) {
    const auto dir = std::filesystem::temp_directory_path() / ("pairwatch-reopen-fail-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "conn.log").string();
    const CapturedLog log;
    OutputFile out(path, "--zeek-conn");
    out.write("kept\n");
    std::filesystem::rename(path, (dir.parent_path() / ("pairwatch-reopen-moved-" + std::to_string(::getpid()))).string());
    std::filesystem::remove(dir); // the directory is gone: nowhere to open the file again
    EXPECT_FALSE(out.reopen());
    out.write("still kept\n");
    out.flush();
    EXPECT_FALSE(out.failed());
    EXPECT_EQ(log.text(), "error: --zeek-conn " + path +
                              ": cannot reopen: No such file or directory; still writing to the file opened before\n");
    const std::string moved = (dir.parent_path() / ("pairwatch-reopen-moved-" + std::to_string(::getpid()))).string();
    EXPECT_EQ(contents(moved), "kept\nstill kept\n");
    std::filesystem::remove(moved);
}

TEST(OutputFile, StandardOutputIsNotReopened) {
    OutputFile out("-");
    EXPECT_FALSE(out.reopen());
}
