// The real binary on policy files: --check-policy lists a good file's rules as understood (the
// committed tests/golden/policies/lan.toml.check, reviewed like any golden file) and exits 0; a
// file with mistakes gets each on stderr with its line and exit 1; --policy with that file stops
// the start with the first one. The README's example policy and its listing are these files,
// so the README cannot drift from what the program does.
//
// After a deliberate change to the listing, rewrite the golden file and review its diff:
//     build/dev/pairwatch --check-policy tests/golden/policies/lan.toml >
//         tests/golden/policies/lan.toml.check        (one line)
#include "export_outputs.h" // read_file
#include "support/process.h"

#include <gtest/gtest.h>

#include <sstream>

namespace pairwatch::testing {
namespace {

std::string policies() {
    return source_dir() + "/tests/golden/policies/";
}

/// Messages name the file as it was given: the test gives full paths, and compares without them.
std::string without(std::string text, const std::string& prefix) {
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
        text.erase(at, prefix.size());
    }
    return text;
}

/// `text` with every line indented by four spaces: a README code block.
std::string indented(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);)
        out += (line.empty() ? "" : "    ") + line + "\n";
    return out;
}

TEST(CheckPolicy, AGoodFileListsItsRulesAndExitsZero) {
    const CommandResult r =
        run_command({pairwatch_binary(), "--check-policy", policies() + "lan.toml"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, read_file(policies() + "lan.toml.check"));
}

TEST(CheckPolicy, AFileWithMistakesListsEachWithItsLineAndExitsOne) {
    const CommandResult r =
        run_command({pairwatch_binary(), "--check-policy", policies() + "bad.toml"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(without(r.err, policies()),
              "pairwatch: bad.toml:8: rule 1: '10.0.10.5/24' has host bits set: write 10.0.10.0/24 "
              "for the network, or 10.0.10.5 for the one host\n"
              "pairwatch: bad.toml:9: rule 1: 'htpp' is not a service name pairwatch knows (did "
              "you mean 'http' or 'htcp'?)\n"
              "pairwatch: bad.toml:13: rule 2: unknown key 'servces' (did you mean 'services'?); "
              "a rule takes name, action, hosts, services, severity\n"
              "pairwatch: bad.toml:18: rule 3: 'tcp/70000' is not a port (0-65535)\n"
              "pairwatch: bad.toml:19: rule 3: 'urgent' is not a severity: write \"low\", "
              "\"medium\", \"high\" or \"critical\"\n");
}

TEST(CheckPolicy, AMissingFileOrArgument) {
    const CommandResult missing =
        run_command({pairwatch_binary(), "--check-policy", policies() + "absent.toml"});
    EXPECT_EQ(missing.exit_status, 1);
    EXPECT_EQ(without(missing.err, policies()),
              "pairwatch: absent.toml: cannot read: No such file or directory\n");
    const CommandResult no_argument = run_command({pairwatch_binary(), "--check-policy"});
    EXPECT_EQ(no_argument.exit_status, 2);
    EXPECT_EQ(no_argument.err, "pairwatch: --check-policy needs a value\n");
}

TEST(CheckPolicy, APolicyWithMistakesStopsTheStart) {
    const CommandResult r =
        run_command({pairwatch_binary(), "-r", source_dir() + "/captures/demo.pcapng", "-q",
                     "--policy", policies() + "bad.toml"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(without(r.err, policies()),
              "pairwatch: bad.toml:8: rule 1: '10.0.10.5/24' has host bits set: write 10.0.10.0/24 "
              "for the network, or 10.0.10.5 for the one host (and 4 more errors: pairwatch "
              "--check-policy bad.toml lists them)\n");
}

TEST(CheckPolicy, AGoodPolicyLetsTheRunGoOn) {
    const CommandResult r =
        run_command({pairwatch_binary(), "-r", source_dir() + "/captures/demo.pcapng", "-q",
                     "--policy", policies() + "lan.toml"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    // The demo's LAN is not lan.toml's, so its servers raise alerts; apart from them the log
    // holds the one line that says the policy was loaded.
    std::string others;
    std::istringstream lines(without(r.err, policies()));
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("pairwatch: warning: alert: ", 0) != 0) others += line + "\n";
    }
    EXPECT_EQ(others, "pairwatch: info: policy lan.toml: 8 rules, then default deny\n");
    EXPECT_NE(r.err.find("alert: denied-service [high] 10.77.0.20 tcp/23 (telnet), first client "
                         "10.77.0.10: denied by rule 1 'no cleartext logins' (line 6)\n"),
              std::string::npos)
        << r.err;
}

TEST(CheckPolicy, TheReadmeShowsTheExampleAndItsListingAsTheyAre) {
    const std::string readme = read_file(source_dir() + "/README.md");
    EXPECT_NE(readme.find(indented(read_file(policies() + "lan.toml"))), std::string::npos)
        << "README.md must show tests/golden/policies/lan.toml, indented by four spaces";
    EXPECT_NE(readme.find(indented(read_file(policies() + "lan.toml.check"))), std::string::npos)
        << "README.md must show tests/golden/policies/lan.toml.check, indented by four spaces";
}

} // namespace
} // namespace pairwatch::testing
