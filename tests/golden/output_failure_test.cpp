// An output that fails does not take the others, or the capture, with it: with one of --json,
// --zeek-conn and --csv on a full disk (/dev/full) the program says so in one line, writes the
// other two whole, and exits 1; with a "-" output whose reader went away (`| head`) it writes
// the others whole, says nothing and exits 0, as a pipeline expects.
#include "export_outputs.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <sstream>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

namespace pairwatch::testing {
namespace {

std::string capture() {
    return source_dir() + "/captures/demo.pcapng";
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

std::size_t lines_in(const std::string& path) {
    return count_of(read_file(path), "\n");
}

/// How many flows the capture has, from a run with no failing output.
std::size_t flows_in_capture() {
    const ScratchDir dir("flows-count");
    const CommandResult r =
        run_command({pairwatch_binary(), "-r", capture(), "-q", "--json", dir.file("all.jsonl")});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return lines_in(dir.file("all.jsonl"));
}

/// The conn.log has all `flows` rows and its #close line.
void expect_whole_conn_log(const std::string& path, std::size_t flows) {
    const ZeekLog log = read_zeek_log(path);
    EXPECT_EQ(log.rows.size(), flows);
    ASSERT_EQ(log.footer.size(), 1U);
    EXPECT_EQ(log.footer[0].rfind("#close\t", 0), 0U);
}

class OneOutputOnAFullDisk : public ::testing::TestWithParam<std::string> {};

TEST_P(OneOutputOnAFullDisk, OthersWholeOneMessageExitOne) {
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    const std::string failing = GetParam();
    const std::size_t flows = flows_in_capture();
    ASSERT_GT(flows, 1U);
    const ScratchDir dir("full-disk");
    std::vector<std::string> argv = {pairwatch_binary(), "-r", capture(), "--hash-seed", "1"};
    for (const char* option : {"--json", "--zeek-conn", "--csv"}) {
        argv.emplace_back(option);
        argv.push_back(option == failing ? "/dev/full" : dir.file(option + 2));
    }
    const CommandResult r = run_command(argv);
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(count_of(r.err, "write failed"), 1U) << r.err;
    EXPECT_NE(r.err.find(failing + " /dev/full: write failed: No space left on device"),
              std::string::npos)
        << r.err;
    // The capture went on to the end: the summary counts every flow.
    EXPECT_NE(r.out.find(fmt::format("table: {} flows created", flows)), std::string::npos)
        << r.out;
    if (failing != "--json") {
        EXPECT_EQ(lines_in(dir.file("json")), flows);
    }
    if (failing != "--zeek-conn") expect_whole_conn_log(dir.file("zeek-conn"), flows);
    if (failing != "--csv") {
        EXPECT_EQ(lines_in(dir.file("csv")), flows + 1);
    }
}

INSTANTIATE_TEST_SUITE_P(Outputs, OneOutputOnAFullDisk,
                         ::testing::Values("--json", "--zeek-conn", "--csv"), [](const auto& p) {
                             std::string name = p.param.substr(2); // "zeek-conn"
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(OutputFailure, ReaderGoneFromAStandardOutputIsNoError) {
    if (!have_program("bash")) GTEST_SKIP() << "no bash";
    const std::size_t flows = flows_in_capture();
    const ScratchDir dir("reader-gone");
    // The reader (`true`) has exited before pairwatch starts, so its first write to the pipe
    // meets no reader: EPIPE, deterministically.
    const std::string script = fmt::format(
        "{{ sleep 0.3; exec '{}' -r '{}' -q --csv - --zeek-conn '{}' --json '{}'; }} | true; "
        "echo \"exit ${{PIPESTATUS[0]}}\"",
        pairwatch_binary(), capture(), dir.file("conn.log"), dir.file("flows.jsonl"));
    const CommandResult r = run_command({"bash", "-c", script});
    EXPECT_EQ(r.out, "exit 0\n");
    // Nothing but the capture's own alerts (the demo's dynamic-port server): no word of the
    // closed pipe.
    std::string err;
    std::istringstream lines(r.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("pairwatch: warning: alert: ", 0) != 0) err += line + "\n";
    }
    EXPECT_EQ(err, "");
    expect_whole_conn_log(dir.file("conn.log"), flows);
    EXPECT_EQ(lines_in(dir.file("flows.jsonl")), flows);
}

} // namespace
} // namespace pairwatch::testing
