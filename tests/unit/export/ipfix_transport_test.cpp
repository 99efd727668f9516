#include "pairwatch/export/ipfix_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using pairwatch::exporter::open_transport;
using pairwatch::exporter::parse_collector;
using pairwatch::exporter::TransportOptions;

namespace {

/// A loopback socket bound to a free port, closed at the end of the test.
struct LocalSocket {
    explicit LocalSocket(int type) : fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0)) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd, addr(a), sizeof(a)), 0);
        socklen_t len = sizeof(a);
        EXPECT_EQ(::getsockname(fd, addr_mut(a), &len), 0);
        port = ntohs(a.sin_port);
        if (type == SOCK_STREAM) {
            EXPECT_EQ(::listen(fd, 4), 0);
        }
    }
    ~LocalSocket() { close(); }
    LocalSocket(const LocalSocket &) = delete;
    LocalSocket &operator=(const LocalSocket &) = delete;
    void close() {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
    [[nodiscard]] std::string collector(const char *scheme = "") const {
        return std::string(scheme) + "127.0.0.1:" + std::to_string(port);
    }
    static const sockaddr *addr(const sockaddr_in &a) {
        return reinterpret_cast<const sockaddr *>(&a); // NOLINT: the sockets API
    }
    static sockaddr *addr_mut(sockaddr_in &a) {
        return reinterpret_cast<sockaddr *>(&a); // NOLINT: the sockets API
    }
    int fd;
    std::uint16_t port = 0;
};

bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

/// Reads exactly n bytes from a stream socket, waiting at most a few seconds.
std::vector<std::uint8_t> read_exactly(int fd, std::size_t n) {
    std::vector<std::uint8_t> out(n);
    std::size_t got = 0;
    while (got < n && readable(fd, 3000)) {
        const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
        if (r <= 0)
            break;
        got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
}

const std::vector<std::uint8_t> kMessage = {0, 10, 0, 20, 1, 2, 3, 4, 0, 0,
                                            0, 0,  0, 0,  0, 0, 9, 9, 9, 9};

} // namespace

TEST(IpfixTransport, ParsesCollectorAddresses) {
    auto a = parse_collector("127.0.0.1:4739");
    EXPECT_FALSE(a.tcp);
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, "4739");
    EXPECT_EQ(a.text(), "udp://127.0.0.1:4739");
    a = parse_collector("tcp://collector.example:4739");
    EXPECT_TRUE(a.tcp);
    EXPECT_EQ(a.host, "collector.example");
    a = parse_collector("udp://[2001:db8::1]:9995");
    EXPECT_FALSE(a.tcp);
    EXPECT_EQ(a.host, "2001:db8::1");
    EXPECT_EQ(a.port, "9995");
    EXPECT_EQ(a.text(), "udp://[2001:db8::1]:9995");
    for (const char *bad :
         {"127.0.0.1", "127.0.0.1:", ":4739", "host:0", "host:65536", "host:47x",
          "2001:db8::1:4739", "[2001:db8::1]4739", "sctp://host:4739", "[::1:4739"}) {
        EXPECT_THROW((void)parse_collector(bad), std::invalid_argument) << bad;
    }
}

TEST(IpfixTransport, UnresolvableHostIsAStartUpError) {
    EXPECT_THROW((void)open_transport(parse_collector("no-such-host.invalid:4739")),
                 std::runtime_error);
}

TEST(IpfixTransport, UdpSendsEachMessageAsOneDatagram) {
    LocalSocket collector(SOCK_DGRAM);
    auto t = open_transport(parse_collector(collector.collector()));
    EXPECT_TRUE(t->datagrams());
    for (int i = 0; i < 3; ++i)
        t->send(kMessage);
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(readable(collector.fd, 2000));
        std::vector<std::uint8_t> got(2000);
        const ssize_t n = ::recv(collector.fd, got.data(), got.size(), 0);
        ASSERT_EQ(n, static_cast<ssize_t>(kMessage.size()));
        got.resize(static_cast<std::size_t>(n));
        EXPECT_EQ(got, kMessage);
    }
    EXPECT_EQ(t->stats().messages_sent, 3U);
    EXPECT_EQ(t->stats().bytes_sent, 3 * kMessage.size());
    EXPECT_EQ(t->stats().messages_lost, 0U);
}

TEST(IpfixTransport, UdpToNobodyCountsLostMessagesAndGoesOn) {
    std::string target;
    {
        LocalSocket gone(SOCK_DGRAM);
        target = gone.collector();
    } // closed: the port answers ICMP port unreachable
    auto t = open_transport(parse_collector(target));
    for (int i = 0; i < 6; ++i) {
        t->send(kMessage);
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the ICMP error comes back
    }
    // Linux reports the ICMP error on the next send, which then fails: every other message.
    EXPECT_GE(t->stats().send_errors, 1U);
    EXPECT_EQ(t->stats().messages_lost, t->stats().send_errors);
    EXPECT_EQ(t->stats().messages_sent + t->stats().messages_lost, 6U);
}

TEST(IpfixTransport, TcpStreamsMessagesAndReconnectsWithANewStream) {
    LocalSocket collector(SOCK_STREAM);
    TransportOptions options;
    options.backoff = std::chrono::milliseconds(20);
    auto t = open_transport(parse_collector(collector.collector("tcp://")), options);
    EXPECT_FALSE(t->datagrams());
    EXPECT_TRUE(t->take_new_stream());
    EXPECT_FALSE(t->take_new_stream());
    ASSERT_TRUE(readable(collector.fd, 2000));
    int peer = ::accept(collector.fd, nullptr, nullptr);
    ASSERT_GE(peer, 0);
    t->send(kMessage);
    t->send(kMessage);
    std::vector<std::uint8_t> two = kMessage;
    two.insert(two.end(), kMessage.begin(), kMessage.end());
    EXPECT_EQ(read_exactly(peer, two.size()), two);
    EXPECT_EQ(t->stats().connections, 1U);
    EXPECT_EQ(t->stats().messages_sent, 2U);

    // The collector resets the connection: sends fail, are counted, and a new connection
    // (a new stream, which wants templates first) follows after the backoff.
    linger hard{1, 0};
    ::setsockopt(peer, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
    ::close(peer);
    for (int i = 0; i < 100 && t->stats().send_errors == 0; ++i) {
        t->send(kMessage);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(t->stats().send_errors, 1U);
    EXPECT_GE(t->stats().messages_lost, 1U);
    for (int i = 0; i < 100 && !readable(collector.fd, 0); ++i) {
        t->poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    peer = ::accept(collector.fd, nullptr, nullptr);
    ASSERT_GE(peer, 0);
    EXPECT_TRUE(t->take_new_stream());
    for (int i = 0; i < 100 && t->stats().connections < 2; ++i) {
        t->poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(t->stats().connections, 2U);
    t->send(kMessage);
    t->close(std::chrono::milliseconds(2000));
    EXPECT_EQ(read_exactly(peer, kMessage.size()), kMessage);
    ::close(peer);
}

TEST(IpfixTransport, TcpCollectorDownIsCountedNotFatal) {
    std::string target;
    {
        LocalSocket gone(SOCK_STREAM);
        target = gone.collector("tcp://");
    }
    auto t = open_transport(parse_collector(target));
    for (int i = 0; i < 20 && t->stats().send_errors == 0; ++i) {
        t->poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(t->stats().send_errors, 1U); // ECONNREFUSED
    t->send(kMessage);
    EXPECT_EQ(t->stats().messages_lost, 1U);
    EXPECT_EQ(t->stats().connections, 0U);
    t->close(std::chrono::milliseconds(10));
}
