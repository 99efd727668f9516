#include "pairwatch/app/config.h"

#include <gtest/gtest.h>

#include <sched.h>

#include <algorithm>
#include <string>
#include <vector>

using pairwatch::app::Action;
using pairwatch::app::Config;
using pairwatch::app::parse_options;
using pairwatch::app::UsageError;

namespace {
Config parse(std::vector<std::string> args) {
    args.insert(args.begin(), "pairwatch");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return parse_options(static_cast<int>(args.size()), argv.data());
}
std::string usage_error(std::vector<std::string> args) {
    try {
        (void)parse(std::move(args));
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(accepted)";
}
} // namespace

TEST(Options, NoSourceMeansTheDemo) {
    const Config c = parse({});
    EXPECT_TRUE(c.demo);
    EXPECT_EQ(c.action, Action::Run);
}

TEST(Options, TrailingWordsAreTheFilterWhereverOptionsStand) {
    const Config c = parse({"-r", "x.pcap", "tcp", "port", "443", "--json", "-", "-q"});
    EXPECT_EQ(c.read_file, "x.pcap");
    EXPECT_EQ(c.filter, "tcp port 443");
    ASSERT_TRUE(c.json_file.has_value());
    EXPECT_EQ(*c.json_file, "-");
    EXPECT_TRUE(c.quiet);
}

TEST(Options, LiveCaptureSettings) {
    const Config c = parse({"-i", "eth0", "-s", "128", "-p", "-B", "4096", "-Z", "nobody", "-f", "udp"});
    EXPECT_EQ(c.interface, "eth0");
    EXPECT_EQ(c.snaplen, 128);
    EXPECT_FALSE(c.promiscuous);
    EXPECT_EQ(c.buffer_kib, 4096);
    EXPECT_EQ(c.drop_to_user, "nobody");
    EXPECT_EQ(c.filter, "udp");
    EXPECT_FALSE(c.demo);
}

TEST(Options, FlowTableSettings) {
    const Config c = parse({"-r", "x", "--max-flows", "1000", "--tcp-timeout", "30",
                            "--udp-timeout", "0.5", "--linger", "0", "--hash-seed", "7"});
    EXPECT_EQ(c.max_flows, 1000U);
    EXPECT_DOUBLE_EQ(c.tcp_timeout_s, 30);
    EXPECT_DOUBLE_EQ(c.udp_timeout_s, 0.5);
    EXPECT_DOUBLE_EQ(c.linger_s, 0);
    EXPECT_EQ(c.hash_seed, 7U);
}

TEST(Options, PayloadInspectionIsOnUnlessNoDpi) {
    EXPECT_TRUE(parse({"-r", "x"}).dpi);
    EXPECT_FALSE(parse({"-r", "x", "--no-dpi"}).dpi);
    EXPECT_FALSE(parse({"--no-dpi", "-r", "x", "tcp"}).dpi);
}

TEST(Options, BadValuesNameTheOption) {
    EXPECT_EQ(usage_error({"--max-flows", "0"}), "--max-flows: '0' is not a whole number from 1 to 100000000");
    EXPECT_EQ(usage_error({"-s", "300000"}), "-s: '300000' is not a whole number from 64 to 262144");
    EXPECT_EQ(usage_error({"-Z", "no-such-user-here"}), "-Z no-such-user-here: no such user");
    EXPECT_EQ(usage_error({"--udp-timeout", "-1"}),
              "--udp-timeout: '-1' is not a number of seconds from 0.001 to 604800");
    EXPECT_EQ(usage_error({"--hash-seed", "x"}), "--hash-seed: 'x' is not a whole number");
    EXPECT_EQ(usage_error({"-r"}), "-r needs a value");
    EXPECT_EQ(usage_error({"--bogus"}), "unknown option --bogus (see pairwatch --help)");
    EXPECT_EQ(usage_error({"-r", "a", "-i", "b"}),
              "-r and -i both given: read a file or capture live, not both");
    EXPECT_EQ(usage_error({"-f", "udp", "port", "53"}),
              "give the filter either with -f or as trailing arguments, not both");
}

TEST(Options, HelpAndVersionStopParsing) {
    EXPECT_EQ(parse({"-h", "--bogus"}).action, Action::Help);
    EXPECT_EQ(parse({"--version"}).action, Action::Version);
    EXPECT_EQ(parse({"-D"}).action, Action::ListInterfaces);
}

TEST(Options, FileOutputsAndLocalNets) {
    const Config c =
        parse({"-r", "x", "--json", "a.jsonl", "--zeek-conn", "conn.log", "--csv", "-",
               "--local-nets", "10.0.0.0/8, 2001:db8::/32", "--local-nets", "private"});
    EXPECT_EQ(c.json_file, "a.jsonl");
    EXPECT_EQ(c.zeek_conn_file, "conn.log");
    EXPECT_EQ(c.csv_file, "-");
    // Both --local-nets add up: two blocks, then the special-purpose ones.
    ASSERT_EQ(c.local_nets.blocks().size(),
              2 + pairwatch::services::special_purpose_blocks().size());
    EXPECT_EQ(c.local_nets.blocks()[0].to_string(), "10.0.0.0/8");
    EXPECT_EQ(c.local_nets.blocks()[1].to_string(), "2001:db8::/32");
    EXPECT_TRUE(parse({"-r", "x"}).local_nets.empty());
}

TEST(Options, BadLocalNetsNameTheEntry) {
    EXPECT_EQ(
        usage_error({"-r", "x", "--zeek-conn", "c", "--local-nets", "10.0.0.0/8,10.1.0.0/99"}),
        "--local-nets: '10.1.0.0/99': the prefix length must be a number from 0 to 32 "
        "(give IPv4 or IPv6 blocks such as 10.0.0.0/8,2001:db8::/32, or private)");
    EXPECT_EQ(usage_error({"-r", "x", "--zeek-conn", "c", "--local-nets", "fe80::zz/10"}),
              "--local-nets: 'fe80::zz/10': not an IPv6 address (give IPv4 or IPv6 blocks such "
              "as 10.0.0.0/8,2001:db8::/32, or private)");
    EXPECT_EQ(usage_error({"-r", "x", "--local-nets", "10.0.0.0/8"}),
              "--local-nets fills conn.log's local_orig and local_resp: give --zeek-conn FILE too");
}

TEST(Options, OutputsNeedFilesOfTheirOwn) {
    EXPECT_EQ(usage_error({"-r", "x", "--json", "-", "--zeek-conn", "-"}),
              "--json - and --zeek-conn -: only one output can be standard output");
    EXPECT_EQ(usage_error({"-r", "x", "--zeek-conn", "out", "--csv", "out"}),
              "--zeek-conn and --csv both write to out: give each its own file");
    EXPECT_EQ(usage_error({"--zeek-conn"}), "--zeek-conn needs a value");
    EXPECT_EQ(usage_error({"-r", "x", "--json", "-", "--csv", "flows.csv"}), "(accepted)");
}

TEST(Options, IpfixSettings) {
    Config c = parse({"-r", "x.pcap", "--ipfix", "tcp://[::1]:4739", "--ipfix-biflow",
                      "--ipfix-domain", "4294967295", "--active-timeout", "30"});
    ASSERT_TRUE(c.ipfix.has_value());
    EXPECT_EQ(*c.ipfix, "tcp://[::1]:4739");
    EXPECT_TRUE(c.ipfix_biflow);
    EXPECT_EQ(c.ipfix_domain, 4294967295U);
    EXPECT_EQ(c.active_timeout_s, 30);
    c = parse({"-r", "x.pcap", "--ipfix", "127.0.0.1:4739"});
    EXPECT_FALSE(c.ipfix_biflow);
    EXPECT_EQ(c.ipfix_domain, 0U);
    EXPECT_EQ(c.active_timeout_s, 60);
    EXPECT_EQ(parse({"--ipfix", "h:1", "--active-timeout", "0"}).active_timeout_s, 0);
}

TEST(Options, BadIpfixValuesNameTheOption) {
    EXPECT_EQ(usage_error({"--ipfix", "collector"}),
              "--ipfix: 'collector': expected HOST:PORT (IPFIX's port is 4739)");
    EXPECT_EQ(usage_error({"--ipfix", "2001:db8::1:4739"}),
              "--ipfix: '2001:db8::1:4739': put an IPv6 address in brackets: [2001:db8::1]:4739");
    EXPECT_EQ(usage_error({"--ipfix", "h:1", "--ipfix-domain", "4294967296"}),
              "--ipfix-domain: '4294967296' is past 4294967295");
    EXPECT_EQ(usage_error({"--ipfix", "h:1", "--active-timeout", "-1"}),
              "--active-timeout: '-1' is not a number of seconds from 0 to 604800");
    EXPECT_EQ(usage_error({"--ipfix-biflow"}), "--ipfix-biflow goes with --ipfix HOST:PORT");
    EXPECT_EQ(usage_error({"--active-timeout", "10"}),
              "--active-timeout goes with --ipfix HOST:PORT");
}

TEST(Options, PolicyFileForARun) {
    const Config c = parse({"-i", "eth0", "--policy", "lan.toml"});
    EXPECT_EQ(c.action, Action::Run);
    EXPECT_EQ(c.policy_file, "lan.toml");
}

TEST(Options, CheckPolicyIsAnActionThatKeepsTheServicesFile) {
    const Config c = parse({"--check-policy", "lan.toml", "--services", "site.services"});
    EXPECT_EQ(c.action, Action::CheckPolicy);
    EXPECT_EQ(c.policy_file, "lan.toml");
    EXPECT_EQ(c.services_file, "site.services");
    EXPECT_FALSE(c.demo) << "checking a file replays nothing";
}

TEST(Options, OnePolicyFileAtATime) {
    EXPECT_EQ(usage_error({"--policy", "a.toml", "--check-policy", "b.toml"}),
              "--policy or --check-policy given twice: one policy file at a time");
    EXPECT_EQ(usage_error({"-r", "x", "--policy", "a.toml", "--policy", "b.toml"}),
              "--policy or --check-policy given twice: one policy file at a time");
    EXPECT_EQ(usage_error({"--check-policy"}), "--check-policy needs a value");
}

TEST(Options, ThreadsDefaultToTheUsableCpusLessOneForTheCaptureThread) {
    EXPECT_EQ(parse({"-r", "x"}).threads, 0U); // the default, decided at start-up
    EXPECT_EQ(parse({"-r", "x", "--threads", "3"}).threads, 3U);
    EXPECT_NE(usage_error({"-r", "x", "--threads", "0"}).find("--threads"), std::string::npos);
    EXPECT_NE(usage_error({"-r", "x", "--threads", "65"}).find("--threads"), std::string::npos);

    // What the process may run on decides (taskset, a container's cpuset); this thread's
    // affinity is the process's as sched_getaffinity(0) sees it.
    cpu_set_t all;
    ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
    std::vector<std::size_t> cpus;
    for (std::size_t c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &all)) cpus.push_back(c);
    }
    const auto allow = [&cpus](std::size_t n) {
        cpu_set_t some;
        CPU_ZERO(&some);
        for (std::size_t i = 0; i < n; ++i) CPU_SET(cpus[i], &some);
        return sched_setaffinity(0, sizeof some, &some) == 0;
    };
    ASSERT_TRUE(allow(1));
    EXPECT_EQ(pairwatch::app::default_flow_workers(), 1U); // never 0
    if (cpus.size() >= 2) {
        ASSERT_TRUE(allow(2));
        EXPECT_EQ(pairwatch::app::default_flow_workers(), 1U); // this VM: one core reads
    }
    if (cpus.size() >= 3) {
        ASSERT_TRUE(allow(3));
        EXPECT_EQ(pairwatch::app::default_flow_workers(), 2U);
    }
    ASSERT_EQ(sched_setaffinity(0, sizeof all, &all), 0);
    EXPECT_EQ(pairwatch::app::default_flow_workers(), std::clamp<std::size_t>(cpus.size() - 1, 1, 8));
    EXPECT_NE(pairwatch::app::usage_text().find(
                  "(here: " + std::to_string(pairwatch::app::default_flow_workers()) + ")"),
              std::string::npos);
}
