// What the exporter tests share: flows made by running packets through a real flow table, the
// HTTP conversation each format's exact-bytes test writes, and temporary files.
#pragma once

#include "support/flow_packets.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pairwatch::test {

inline constexpr std::int64_t kT0 = 1'700'000'000'123'456'789; // 2023-11-14 22:13:20.123456789
inline constexpr std::int64_t kMs = 1'000'000;

inline const services::ServiceRegistry &default_registry() {
    static const services::ServiceRegistry r;
    return r;
}

/// Runs packets through a table with the program's client rule and returns the ended flows.
inline std::vector<CapturingSink::Ended>
run_flows(const std::vector<decode::PacketInfo> &packets,
          const services::ServiceRegistry &reg = default_registry()) {
    CapturingSink sink;
    flow::FlowTable table(flow::FlowTableOptions{}, client_rule(reg), &sink);
    for (const auto &p : packets)
        table.on_packet(p);
    table.on_end();
    return sink.ended;
}

/// An HTTP conversation 192.0.2.10:50000 -> 198.51.100.7:80: 5 packets from the client (100
/// payload bytes), 3 from the server (1000 payload bytes), closed by FINs at +500 ms, a last
/// ACK at +600 ms. Ends with reason fin; conn_state SF, history ShADdFf.
inline flow::Flow http_flow() {
    constexpr std::uint8_t F = 0x01, S = 0x02, P = 0x08, A = 0x10;
    const Endpoint c{"192.0.2.10", 50000};
    const Endpoint s{"198.51.100.7", 80};
    const auto ended = run_flows({
        tcp_packet(kT0, c, s, S, 1000, 0),
        tcp_packet(kT0 + 100 * kMs, s, c, S | A, 5000, 1001),
        tcp_packet(kT0 + 200 * kMs, c, s, A, 1001, 5001),
        tcp_packet(kT0 + 300 * kMs, c, s, P | A, 1001, 5001, 100),
        tcp_packet(kT0 + 400 * kMs, s, c, P | A, 5001, 1101, 1000),
        tcp_packet(kT0 + 450 * kMs, c, s, F | A, 1101, 6001),
        tcp_packet(kT0 + 500 * kMs, s, c, F | A, 6001, 1102),
        tcp_packet(kT0 + 600 * kMs, c, s, A, 1102, 6002),
    });
    EXPECT_EQ(ended.size(), 1U);
    return ended.at(0).flow;
}

/// A file under the temp directory, removed when the test ends.
class TempPath {
public:
    explicit TempPath(const std::string &tag)
        : path_(std::filesystem::temp_directory_path() /
                ("pairwatch-" + tag + "-" + std::to_string(::getpid()))) {}
    ~TempPath() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    TempPath(const TempPath &) = delete;
    TempPath &operator=(const TempPath &) = delete;
    [[nodiscard]] std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

inline std::string slurp(const std::string &path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace pairwatch::test
