#include "pairwatch/watch/inventory_file.h"

#include "support/flow_packets.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>

namespace pairwatch::test {
namespace {

std::string temp_file(const std::string& text) {
    char name[] = "/tmp/pairwatch-inventory-XXXXXX";
    const int fd = ::mkstemp(name);
    EXPECT_GE(fd, 0);
    ::close(fd);
    std::ofstream(name) << text;
    return name;
}

TEST(InventoryFile, WrittenSortedAndReadBackAsABaseline) {
    services::ServiceRegistry registry;
    watch::ServerInventory inventory;
    flow::FlowTable table({}, client_rule(registry), &inventory);
    table.on_packet(udp_packet(1 * kSecond, {"2001:db8::2", 50000}, {"2001:db8::1", 53}, 30, true));
    table.on_packet(udp_packet(2 * kSecond, {"2001:db8::1", 53}, {"2001:db8::2", 50000}, 90, true));
    table.on_packet(udp_packet(3 * kSecond, {"10.0.0.2", 50000}, {"10.0.0.1", 123}, 48));
    table.on_packet(udp_packet(4 * kSecond, {"10.0.0.1", 123}, {"10.0.0.2", 50000}, 48));
    table.on_end();
    const std::string json = watch::inventory_to_json(inventory, registry);
    EXPECT_EQ(json,
              "{\"servers\":[\n"
              "{\"host\":\"10.0.0.1\",\"proto\":\"udp\",\"port\":123,\"service\":\"ntp\",\"category\":"
              "\"well-known\",\"first_ts\":4.000000,\"last_ts\":4.000000,\"clients\":1,\"clients_capped\":"
              "false,\"first_clients\":[\"10.0.0.2\"],\"flows\":1,\"packets\":2,\"bytes_to\":76,"
              "\"bytes_from\":76},\n"
              "{\"host\":\"2001:db8::1\",\"proto\":\"udp\",\"port\":53,\"service\":\"dns\",\"category\":"
              "\"well-known\",\"first_ts\":2.000000,\"last_ts\":2.000000,\"clients\":1,\"clients_capped\":"
              "false,\"first_clients\":[\"2001:db8::2\"],\"flows\":1,\"packets\":2,\"bytes_to\":78,"
              "\"bytes_from\":138}\n"
              "]}\n");
    const std::string path = temp_file(json);
    const auto baseline = watch::read_baseline(path);
    std::remove(path.c_str());
    EXPECT_EQ(baseline.size(), 2U);
    EXPECT_TRUE(baseline.contains(watch::ServerKey{ip("10.0.0.1"), 123, decode::kIpProtoUdp, 4}));
    EXPECT_TRUE(baseline.contains(watch::ServerKey{ip("2001:db8::1"), 53, decode::kIpProtoUdp, 6}));
}

TEST(InventoryFile, ABadBaselineSaysWhatIsWrong) {
    const auto error_of = [](const std::string& text) {
        const std::string path = temp_file(text);
        std::string what;
        try {
            (void)watch::read_baseline(path);
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
        std::remove(path.c_str());
        return what.substr(what.find(':') + 1);
    };
    EXPECT_EQ(error_of("{\"servers\": 3}"), " no \"servers\" list; make one with --learn FILE");
    EXPECT_EQ(error_of("{\"servers\": [{\"host\": \"10.0.0.1\", \"proto\": \"tcp\"}]}"),
              " server 1: needs \"host\", \"proto\" and \"port\"");
    EXPECT_EQ(error_of("{\"servers\": [{\"host\": \"10.0.0.0/8\", \"proto\": \"tcp\", \"port\": 1}]}"),
              " server 1: \"host\" is not an address");
    EXPECT_EQ(error_of("{\"servers\": [{\"host\": \"10.0.0.1\", \"proto\": \"sctp\", \"port\": 1}]}"),
              " server 1: \"proto\" is neither tcp nor udp");
    EXPECT_NE(error_of("not json").find("not JSON"), std::string::npos);
}

} // namespace
} // namespace pairwatch::test
