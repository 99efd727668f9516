// --zeek-conn and --csv read back against --json: one run of the real binary over each capture
// writes all three; the conn.log's every header line is checked, and each conn.log row and each
// CSV row is compared field by field with the JSON record of the same uid. A zeek-cut-style awk
// script picks columns by their #fields names. For the captures with a conn.log from Zeek's own
// test suite, our conn.log is compared with Zeek's, column by column.
#include "capture_files.h"
#include "export_outputs.h"
#include "flow_records.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <regex>
#include <sstream>

namespace pairwatch::testing {
namespace {

// Written out here rather than taken from the writer, so that a change there shows up here.
const std::vector<std::string> kConnFields = {
    "ts",         "uid",           "id.orig_h",     "id.orig_p",  "id.resp_h",  "id.resp_p",
    "proto",      "service",       "duration",      "orig_bytes", "resp_bytes", "conn_state",
    "local_orig", "local_resp",    "missed_bytes",  "history",    "orig_pkts",  "orig_ip_bytes",
    "resp_pkts",  "resp_ip_bytes", "tunnel_parents"};
const std::vector<std::string> kConnTypes = {
    "time",   "string",   "addr",  "port",  "addr",   "port",  "enum",
    "string", "interval", "count", "count", "string", "bool",  "bool",
    "count",  "string",   "count", "count", "count",  "count", "set[string]"};
const std::regex kLogTime(R"(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)");

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += "\t" + s;
    return out;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The JSON value as the text a conn.log or CSV field holds for it.
std::string number_text(const nlohmann::ordered_json& v) {
    return v.is_number_float() ? fmt::format("{:.6f}", v.get<double>()) : v.dump();
}

bool is_ipv4(const std::string& addr) {
    return addr.find(':') == std::string::npos;
}

bool refused_by_design(const std::string& file) {
    return file.find("unsupported") != std::string::npos;
}

class ExportFormats : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportFormats, ConnLogAndCsvAgreeWithJson) {
    const std::string file = GetParam();
    if (refused_by_design(file)) GTEST_SKIP() << "refused by design";
    const ScratchDir dir("export-formats");
    // 0.0.0.0/0 is every IPv4 address and no IPv6 one: local_* then tell the families apart.
    const CommandResult r =
        run_command({pairwatch_binary(), "-r", file, "-q", "--hash-seed", "1", "--json",
                     dir.file("flows.jsonl"), "--zeek-conn", dir.file("conn.log"), "--csv",
                     dir.file("flows.csv"), "--local-nets", "0.0.0.0/0"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    const auto records = read_json_lines(dir.file("flows.jsonl"));
    std::map<std::string, const nlohmann::ordered_json*> by_uid;
    for (const auto& j : records) {
        EXPECT_TRUE(by_uid.emplace(j["uid"].get<std::string>(), &j).second) << "uid twice";
    }

    // conn.log: every header line, then the rows, then #close.
    const ZeekLog log = read_zeek_log(dir.file("conn.log"));
    ASSERT_EQ(log.header.size(), 8U);
    EXPECT_EQ(log.header[0], "#separator \\x09");
    EXPECT_EQ(log.header[1], "#set_separator\t,");
    EXPECT_EQ(log.header[2], "#empty_field\t(empty)");
    EXPECT_EQ(log.header[3], "#unset_field\t-");
    EXPECT_EQ(log.header[4], "#path\tconn");
    EXPECT_EQ(log.header[5].substr(0, 6), "#open\t");
    EXPECT_TRUE(std::regex_match(log.header[5].substr(6), kLogTime)) << log.header[5];
    EXPECT_EQ(log.header[6], "#fields" + join(kConnFields));
    EXPECT_EQ(log.header[7], "#types" + join(kConnTypes));
    ASSERT_EQ(log.footer.size(), 1U);
    EXPECT_EQ(log.footer[0].substr(0, 7), "#close\t");
    EXPECT_TRUE(std::regex_match(log.footer[0].substr(7), kLogTime)) << log.footer[0];
    EXPECT_LE(log.header[5].substr(6), log.footer[0].substr(7)); // same format: text order
    EXPECT_TRUE(log.ends_with_newline);
    ASSERT_EQ(log.rows.size(), records.size());

    for (const auto& row : log.rows) {
        ASSERT_EQ(row.size(), kConnFields.size());
        std::map<std::string, std::string> z;
        for (std::size_t i = 0; i < row.size(); ++i) z[kConnFields[i]] = row[i];
        const auto it = by_uid.find(z["uid"]);
        ASSERT_NE(it, by_uid.end()) << "conn.log uid " << z["uid"] << " is not in the JSON";
        const auto& j = *it->second;
        SCOPED_TRACE(j.dump());
        EXPECT_EQ(z["ts"], number_text(j["ts"]));
        EXPECT_EQ(z["id.orig_h"], zeek_addr(j["orig_h"].get<std::string>()));
        EXPECT_EQ(z["id.orig_p"], number_text(j["orig_p"]));
        EXPECT_EQ(z["id.resp_h"], zeek_addr(j["resp_h"].get<std::string>()));
        EXPECT_EQ(z["id.resp_p"], number_text(j["resp_p"]));
        EXPECT_EQ(z["proto"], j["proto"].get<std::string>());
        EXPECT_EQ(z["service"],
                  j["service"].is_null() ? "-" : lower(j["service"].get<std::string>()));
        if (j["duration"].get<double>() == 0) { // Zeek leaves all three unset
            EXPECT_EQ(z["duration"], "-");
            EXPECT_EQ(z["orig_bytes"], "-");
            EXPECT_EQ(z["resp_bytes"], "-");
        } else {
            EXPECT_EQ(z["duration"], number_text(j["duration"]));
            EXPECT_EQ(z["orig_bytes"], number_text(j["orig_bytes"]));
            EXPECT_EQ(z["resp_bytes"], number_text(j["resp_bytes"]));
        }
        EXPECT_EQ(z["conn_state"], j["conn_state"].get<std::string>());
        EXPECT_EQ(z["local_orig"], is_ipv4(z["id.orig_h"]) ? "T" : "F");
        EXPECT_EQ(z["local_resp"], is_ipv4(z["id.resp_h"]) ? "T" : "F");
        EXPECT_EQ(z["missed_bytes"], "0");
        const std::string history = j["history"].get<std::string>();
        EXPECT_EQ(z["history"], history.empty() ? "-" : history);
        EXPECT_EQ(zeek_unescape(z["history"]), history.empty() ? "-" : history);
        EXPECT_EQ(z["orig_pkts"], number_text(j["orig_pkts"]));
        EXPECT_EQ(z["orig_ip_bytes"], number_text(j["orig_ip_bytes"]));
        EXPECT_EQ(z["resp_pkts"], number_text(j["resp_pkts"]));
        EXPECT_EQ(z["resp_ip_bytes"], number_text(j["resp_ip_bytes"]));
        EXPECT_EQ(z["tunnel_parents"], "-");
    }

    // CSV: the header row is the JSON keys in order; each row is its record's values.
    std::string csv_error;
    const auto csv = parse_csv(read_file(dir.file("flows.csv")), &csv_error);
    ASSERT_EQ(csv_error, "");
    ASSERT_EQ(csv.size(), records.size() + 1);
    std::vector<std::string> header;
    for (const auto& f : csv[0]) header.push_back(f.text);
    const nlohmann::ordered_json& first =
        records.empty() ? nlohmann::ordered_json::object() : records.front();
    std::vector<std::string> keys;
    for (const auto& [k, v] : first.items()) keys.push_back(k);
    if (!records.empty()) {
        EXPECT_EQ(header, keys);
    }
    EXPECT_EQ(header.size(), 26U);
    for (std::size_t i = 1; i < csv.size(); ++i) {
        const auto& row = csv[i];
        ASSERT_EQ(row.size(), header.size());
        const auto it = by_uid.find(row[0].text);
        ASSERT_NE(it, by_uid.end()) << "CSV uid " << row[0].text << " is not in the JSON";
        const auto& j = *it->second;
        for (std::size_t c = 0; c < header.size(); ++c) {
            const auto& v = j[header[c]];
            SCOPED_TRACE(header[c]);
            if (v.is_null()) {
                EXPECT_EQ(row[c].text, "");
                EXPECT_FALSE(row[c].quoted);
            } else if (v.is_string()) {
                EXPECT_EQ(row[c].text, v.get<std::string>());
                EXPECT_TRUE(!row[c].text.empty() || row[c].quoted); // "" is no null
            } else {
                EXPECT_EQ(row[c].text, number_text(v));
                EXPECT_FALSE(row[c].quoted);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Captures, ExportFormats, ::testing::ValuesIn(all_test_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ExportFormats);

/// zeek-cut is not packaged for Debian; this awk does what it does (columns by #fields name),
/// and zeek-cut itself runs too where it is installed.
TEST(ExportFormats, ColumnsByFieldNameAsZeekCutPicksThem) {
    if (!have_program("awk")) GTEST_SKIP() << "no awk";
    const std::string file = source_dir() + "/captures/demo.pcapng";
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    const ScratchDir dir("zeek-cut");
    const CommandResult r =
        run_command({pairwatch_binary(), "-r", file, "-q", "--hash-seed", "1", "--json",
                     dir.file("flows.jsonl"), "--zeek-conn", dir.file("conn.log")});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const auto records = read_json_lines(dir.file("flows.jsonl"));
    ASSERT_FALSE(records.empty());
    std::string want;
    for (const auto& j : records) {
        const std::string history = j["history"].get<std::string>();
        want += fmt::format("{}\t{}\t{}\t{}\t{}\n", j["uid"].get<std::string>(),
                            zeek_addr(j["orig_h"].get<std::string>()), j["resp_p"].get<unsigned>(),
                            j["conn_state"].get<std::string>(), history.empty() ? "-" : history);
    }
    const std::string awk_script =
        R"(/^#fields/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
           /^#/ { next }
           { print $col["uid"] "\t" $col["id.orig_h"] "\t" $col["id.resp_p"] "\t" )"
        R"($col["conn_state"] "\t" $col["history"] })";
    const CommandResult awk = run_command({"awk", "-F\t", awk_script, dir.file("conn.log")});
    ASSERT_EQ(awk.exit_status, 0) << awk.err;
    EXPECT_EQ(awk.out, want);
    if (have_program("zeek-cut")) {
        const CommandResult cut =
            run_command({"zeek-cut", "uid", "id.orig_h", "id.resp_p", "conn_state", "history"},
                        read_file(dir.file("conn.log")));
        EXPECT_EQ(cut.out, want);
    }
}

std::vector<std::string> zeek_captures() {
    std::vector<std::string> out;
    for (const auto& f : capture_files_in(shared_captures_dir())) {
        if (std::filesystem::exists(f + ".zeek-conn.log")) out.push_back(f);
    }
    return out;
}

class ZeekConnReference : public ::testing::TestWithParam<std::string> {};

/// Against the conn.log Zeek's test suite expects for the same capture: the header is Zeek's
/// (less Zeek 7.1's ip_proto column; #open, #close and ts are masked in those files), and
/// every connection's columns read the same, text for text, with `--local-nets private` as
/// Zeek's default local_nets, except service (Zeek's comes from its analyzers), uid and ts.
/// Connections that differ for a known reason are in zeek-known-differences.tsv.
TEST_P(ZeekConnReference, SameHeaderAndColumnsAsZeeksOwn) {
    const std::string file = GetParam();
    const std::string name = std::filesystem::path(file).filename().string();
    const ScratchDir dir("zeek-reference");
    const CommandResult r =
        run_command({pairwatch_binary(), "-r", file, "-q", "--hash-seed", "1", "--zeek-conn",
                     dir.file("conn.log"), "--local-nets", "private"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const ZeekLog ours = read_zeek_log(dir.file("conn.log"));
    ZeekLog zeek = read_zeek_log(file + ".zeek-conn.log");
    // btest's own first line ("### BTest baseline data...") is no part of Zeek's log.
    while (!zeek.header.empty() && zeek.header[0].rfind("##", 0) == 0) {
        zeek.header.erase(zeek.header.begin());
    }
    if (zeek.header.empty()) GTEST_SKIP() << name << ": Zeek's file is zeek-cut output, no log";
    ASSERT_EQ(zeek.header.size(), 8U);
    ASSERT_EQ(ours.header.size(), 8U);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(ours.header[i], zeek.header[i]);
    EXPECT_EQ(zeek.header[5], "#open XXXX-XX-XX-XX-XX-XX"); // btest masks the time, and the tab
    // Ours is Zeek's column set up to its last column, ip_proto (Zeek 7.1 and later).
    EXPECT_EQ(ours.header[6] + "\tip_proto", zeek.header[6]);
    EXPECT_EQ(ours.header[7] + "\tcount", zeek.header[7]);

    const auto known = known_differences_for("zeek-known-differences.tsv", name);
    auto is_known = [&known](const std::string& what) {
        return std::any_of(known.begin(), known.end(),
                           [&what](const KnownDifference& k) { return k.what == what; });
    };
    auto column = [](const ZeekLog& log, const std::vector<std::string>& row, const char* n) {
        const auto at = std::find(log.fields.begin(), log.fields.end(), n) - log.fields.begin();
        return row.at(static_cast<std::size_t>(at));
    };
    // Ours by unordered 5-tuple, oldest first, as the Zeek differential test pairs them.
    std::map<TupleKey, std::vector<const std::vector<std::string>*>> by_tuple;
    std::vector<const std::vector<std::string>*> sorted;
    for (const auto& row : ours.rows) sorted.push_back(&row);
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
        return std::stod(a->at(0)) < std::stod(b->at(0));
    });
    for (const auto* row : sorted) {
        by_tuple[make_tuple_key(
                     column(ours, *row, "proto"),
                     {column(ours, *row, "id.orig_h"), std::stoul(column(ours, *row, "id.orig_p"))},
                     {column(ours, *row, "id.resp_h"),
                      std::stoul(column(ours, *row, "id.resp_p"))})]
            .push_back(row);
    }
    const std::vector<const char*> compared = {
        "id.orig_h",  "id.orig_p",  "id.resp_h",     "id.resp_p",  "proto",        "duration",
        "orig_bytes", "resp_bytes", "conn_state",    "local_orig", "local_resp",   "missed_bytes",
        "history",    "orig_pkts",  "orig_ip_bytes", "resp_pkts",  "resp_ip_bytes"};
    std::size_t same = 0, listed = 0;
    for (const auto& zrow : zeek.rows) {
        const std::string proto = column(zeek, zrow, "proto");
        if (proto != "tcp" && proto != "udp") continue; // ICMP is not a socket pair
        const Endpoint o{column(zeek, zrow, "id.orig_h"),
                         std::stoul(column(zeek, zrow, "id.orig_p"))};
        const Endpoint p{column(zeek, zrow, "id.resp_h"),
                         std::stoul(column(zeek, zrow, "id.resp_p"))};
        const std::string what =
            fmt::format("{} {}:{} > {}:{}", proto, o.first, o.second, p.first, p.second);
        auto& candidates = by_tuple[make_tuple_key(proto, o, p)];
        if (is_known(what) || is_known("missing " + what)) {
            ++listed;
            if (!candidates.empty()) candidates.erase(candidates.begin());
            continue;
        }
        ASSERT_FALSE(candidates.empty()) << "no row of ours for " << what;
        const auto& row = *candidates.front();
        candidates.erase(candidates.begin());
        std::string differ;
        for (const char* c : compared) {
            if (column(ours, row, c) != column(zeek, zrow, c)) {
                differ += fmt::format(" {}: ours {} zeek {};", c, column(ours, row, c),
                                      column(zeek, zrow, c));
            }
        }
        EXPECT_EQ(differ, "") << what;
        same += differ.empty();
    }
    std::cout << fmt::format("{}: {} connections read the same as Zeek's, {} listed as known "
                             "differences\n",
                             name, same, listed);
}

INSTANTIATE_TEST_SUITE_P(Captures, ZeekConnReference, ::testing::ValuesIn(zeek_captures()),
                         [](const auto& p) { return param_name(p.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ZeekConnReference);

} // namespace
} // namespace pairwatch::testing
