// Golden tests: every line of captures/MANIFEST.tsv runs the real binary on its capture with its
// options, and the output (stdout, then stderr and the exit status when there are any) must
// equal the committed file beside the capture. A missing golden file fails: only
// scripts/update-golden.sh makes one, and its diff is reviewed like code.
#include "capture_files.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace pairwatch::testing {
namespace {

struct GoldenCase {
    std::string capture;
    std::string options;
    std::string view; // packets, flows.jsonl, alerts.jsonl, report, summary
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.capture << " " << c.options; }

std::string view_of(const std::string& options) {
    const std::string padded = " " + options + " ";
    if (padded.find(" --packets ") != std::string::npos) return "packets";
    if (padded.find(" --replay-speed ") != std::string::npos) return "report";
    if (padded.find(" --json - ") != std::string::npos) return "flows.jsonl";
    if (padded.find(" --alerts - ") != std::string::npos) return "alerts.jsonl";
    return "summary";
}

std::vector<GoldenCase> manifest() {
    std::vector<GoldenCase> cases;
    for (const auto& row : read_tsv(source_dir() + "/captures/MANIFEST.tsv")) {
        if (row.size() < 2) continue;
        cases.push_back({row[0], row[1], view_of(row[1])});
    }
    return cases;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The first line that differs, for a readable failure.
std::string first_difference(const std::string& want, const std::string& got) {
    std::istringstream a(want), b(got);
    std::string la, lb;
    for (int line = 1;; ++line) {
        const bool ha = static_cast<bool>(std::getline(a, la));
        const bool hb = static_cast<bool>(std::getline(b, lb));
        if (!ha && !hb) return "identical lines, different bytes";
        if (la != lb || ha != hb) {
            return fmt::format("line {}:\n  want: {}\n  got:  {}", line, ha ? la : "(end)",
                               hb ? lb : "(end)");
        }
    }
}

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, OutputEqualsTheCommittedFile) {
    const GoldenCase& c = GetParam();
    const std::string capture = source_dir() + "/captures/" + c.capture;
    const std::string golden = capture + "." + c.view;
    ASSERT_TRUE(std::filesystem::exists(golden))
        << golden << " is missing: make it with scripts/update-golden.sh " << c.capture
        << " and review it";
    std::vector<std::string> argv{pairwatch_binary(), "-r", capture};
    std::istringstream words(c.options);
    for (std::string w; words >> w;) argv.push_back(w);
    ::setenv("TZ", "UTC", 1); // the report's title shows local time; golden files are in UTC
    // From the checkout, as scripts/update-golden.sh runs it: a path in the options (--policy
    // tests/e2e/lan-watch-policy.toml) is relative to it, and is printed as written.
    const CommandResult r = run_command(argv, {}, source_dir());
    std::string got = r.out;
    if (r.exit_status != 0 || !r.err.empty()) {
        got += fmt::format("--- stderr (exit {})\n", r.exit_status);
        got += r.err;
    }
    // The path in messages is where the checkout is here; golden files say captures/NAME.
    for (std::size_t at; (at = got.find(capture)) != std::string::npos;) {
        got.replace(at, capture.size(), "captures/" + c.capture);
    }
    const std::string want = read_file(golden);
    EXPECT_TRUE(got == want) << c.capture << " " << c.options << " differs from " << golden
                             << "\n" << first_difference(want, got)
                             << "\n(if the change is right: scripts/update-golden.sh " << c.capture
                             << ", then review the diff)";
}

std::string test_name(const ::testing::TestParamInfo<GoldenCase>& info) {
    std::string n = info.param.capture + "_" + info.param.view;
    for (char& ch : n) {
        if (std::isalnum(static_cast<unsigned char>(ch)) == 0) ch = '_';
    }
    return n;
}

INSTANTIATE_TEST_SUITE_P(Captures, Golden, ::testing::ValuesIn(manifest()), test_name);

} // namespace
} // namespace pairwatch::testing
