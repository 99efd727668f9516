// Runs a program and collects its output: the golden and differential tests run the real
// pairwatch binary and tshark this way.
#pragma once

#include <string>
#include <vector>

namespace pairwatch::testing {

struct CommandResult {
    int exit_status = -1; // the exit code, or 128 + signal number when killed by a signal
    std::string out;
    std::string err;
};

/// Runs argv[0] (looked up in PATH) with `argv`, standard input from /dev/null or `input`, in
/// `working_dir` (empty: this process's). pairwatch_binary() gets `--threads 1` unless argv
/// says how many: its default depends on the machine's CPUs, and with several workers the
/// records come out in the order the workers end them (the Threads tests compare the two).
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {},
                          const std::string& working_dir = {});

/// True when `program` is found in PATH.
bool have_program(const std::string& program);

/// The checkout (PAIRWATCH_SOURCE_DIR) and the pairwatch binary under test.
std::string source_dir();
std::string pairwatch_binary();
/// ../shared/captures beside the checkout (or $PAIRWATCH_SHARED/captures); empty when absent.
std::string shared_captures_dir();

} // namespace pairwatch::testing
