// Getting IPFIX messages to a collector: UDP (one message per datagram, RFC 7011 10.3) or TCP
// (a stream of messages, RFC 7011 10.4) with reconnection. A collector that is down or refuses
// costs counted, logged (at most once a minute) messages; it never stops the capture.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pairwatch::exporter {

struct CollectorAddress {
    bool tcp = false;
    std::string host; // a name, an IPv4 address or an IPv6 address (without brackets)
    std::string port;

    /// "udp://127.0.0.1:4739", "tcp://[::1]:4739": how logs name the collector.
    [[nodiscard]] std::string text() const;
};

/// Parses "HOST:PORT", "[IPV6]:PORT", with an optional "udp://" or "tcp://" in front.
/// Throws std::invalid_argument saying what is wrong.
[[nodiscard]] CollectorAddress parse_collector(std::string_view text);

struct TransportStats {
    std::uint64_t messages_sent = 0; // handed to the kernel whole
    std::uint64_t bytes_sent = 0;
    std::uint64_t messages_lost = 0; // not sent: a send error, no connection, a full queue
    std::uint64_t send_errors = 0;   // failed sends and connections
    std::uint64_t connections = 0;   // TCP connections established
};

struct TransportOptions {
    /// UDP: messages sent back to back before the sender waits for the next millisecond, so a
    /// replay does not outrun a collector's socket buffer. At 32 a stock nfcapd (default buffer)
    /// lost 6% of 400,000 records on this project's VM; at 8 none (sleeps make it ~4,800
    /// messages, ~130,000 records, a second at most).
    int udp_burst = 8;
    /// TCP: the first reconnection waits this long, doubling up to max_backoff.
    std::chrono::milliseconds backoff{1000};
    std::chrono::milliseconds max_backoff{30000};
    /// TCP: bytes queued while the collector is slow or connecting; beyond it, messages are lost.
    std::size_t max_queued_bytes = 4 * 1024 * 1024;
};

class MessageTransport {
public:
    virtual ~MessageTransport() = default;
    /// Sends one whole IPFIX message or queues it; never blocks for long, never starts a new
    /// connection (poll() does), so the caller knows which stream a message lands on.
    virtual void send(std::span<const std::uint8_t> message) = 0;
    /// True once for each new connection attempt (TCP): its stream must start with templates.
    virtual bool take_new_stream() { return false; }
    /// Called now and then: retries connections, drains the queue.
    virtual void poll() {}
    /// UDP: each message stands alone and may be lost, so templates are re-sent now and then
    /// (RFC 7011 10.3.6); TCP: once per connection.
    [[nodiscard]] virtual bool datagrams() const = 0;
    /// End of the run: waits up to `timeout` for queued messages to leave.
    virtual void close(std::chrono::milliseconds /*timeout*/) {}
    [[nodiscard]] const TransportStats& stats() const { return stats_; }
    [[nodiscard]] virtual std::string describe() const = 0;

protected:
    TransportStats stats_;
};

/// Resolves the collector (getaddrinfo: names, IPv4, IPv6) and opens the socket. Throws
/// std::runtime_error when the name does not resolve or no socket can be made; a collector
/// that does not answer is no error here.
[[nodiscard]] std::unique_ptr<MessageTransport> open_transport(const CollectorAddress& address,
                                                               TransportOptions options = {});

} // namespace pairwatch::exporter
