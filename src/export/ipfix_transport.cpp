#include "pairwatch/export/ipfix_transport.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <thread>

namespace pairwatch::exporter {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kLogEvery = std::chrono::seconds(60);

/// Owns a socket descriptor.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = o.fd_;
            o.fd_ = -1;
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct ResolvedAddress {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = 0;
};

std::vector<ResolvedAddress> resolve(const CollectorAddress& a) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = a.tcp ? SOCK_STREAM : SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(a.host.c_str(), a.port.c_str(), &hints, &found);
    if (rc != 0) {
        throw std::runtime_error(
            fmt::format("--ipfix {}: cannot resolve {}: {}", a.text(), a.host, ::gai_strerror(rc)));
    }
    std::vector<ResolvedAddress> out;
    for (const addrinfo* i = found; i != nullptr; i = i->ai_next) {
        if (i->ai_addrlen > sizeof(sockaddr_storage)) continue;
        ResolvedAddress r;
        std::memcpy(&r.addr, i->ai_addr, i->ai_addrlen);
        r.len = i->ai_addrlen;
        r.family = i->ai_family;
        out.push_back(r);
    }
    ::freeaddrinfo(found);
    if (out.empty()) {
        throw std::runtime_error(
            fmt::format("--ipfix {}: {} has no usable address", a.text(), a.host));
    }
    return out;
}

const sockaddr* as_sockaddr(const sockaddr_storage& s) {
    // The one cast the sockets API demands: sockaddr_storage is made to be viewed this way.
    return reinterpret_cast<const sockaddr*>(
        &s); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

/// The first failure is logged at once; later ones at most once a minute, as a count.
class FailureLog {
public:
    explicit FailureLog(std::string who) : who_(std::move(who)) {}

    void failed(std::string_view what, int err) {
        const auto now = Clock::now();
        if (logged_ && now - last_log_ < kLogEvery) {
            ++unlogged_;
            return;
        }
        if (!logged_) {
            spdlog::warn("ipfix {}: {} failed: {}; the messages are counted as lost and the "
                         "capture goes on (further failures: at most one line a minute)",
                         who_, what, std::strerror(err));
        } else {
            spdlog::warn("ipfix {}: {} more failures in the last minute; latest: {} failed: {}",
                         who_, unlogged_ + 1, what, std::strerror(err));
        }
        logged_ = true;
        failing_ = true;
        last_log_ = now;
        unlogged_ = 0;
    }
    void recovered(std::string_view what) {
        if (!failing_) return;
        failing_ = false;
        spdlog::info("ipfix {}: {}", who_, what);
    }

private:
    std::string who_;
    bool logged_ = false;
    bool failing_ = false;
    Clock::time_point last_log_{};
    std::uint64_t unlogged_ = 0;
};

class UdpTransport final : public MessageTransport {
public:
    UdpTransport(const CollectorAddress& address, TransportOptions options)
        : text_(address.text()), options_(options), log_(text_) {
        int last_err = 0;
        // connect() on UDP only fixes the destination (and lets ICMP errors come back as
        // ECONNREFUSED); the first address a socket can be made for wins.
        for (const ResolvedAddress& r : resolve(address)) {
            UniqueFd fd(::socket(r.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
            if (!fd.valid() || ::connect(fd.get(), as_sockaddr(r.addr), r.len) != 0) {
                last_err = errno;
                continue;
            }
            fd_ = std::move(fd);
            break;
        }
        if (!fd_.valid()) {
            throw std::runtime_error(fmt::format("--ipfix {}: cannot open a socket: {}", text_,
                                                 std::strerror(last_err)));
        }
        burst_start_ = Clock::now();
    }

    void send(std::span<const std::uint8_t> message) override {
        pace();
        const ssize_t n = ::send(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(message.size())) {
            ++stats_.messages_sent;
            stats_.bytes_sent += message.size();
            return;
        }
        // ECONNREFUSED here is an ICMP port unreachable for an earlier datagram: nobody
        // listens (yet). The datagram in hand is not sent.
        ++stats_.messages_lost;
        ++stats_.send_errors;
        log_.failed("send", n < 0 ? errno : EMSGSIZE);
    }
    [[nodiscard]] std::string describe() const override { return text_; }
    [[nodiscard]] bool datagrams() const override { return true; }

private:
    void pace() {
        if (++in_burst_ < options_.udp_burst) return;
        const auto elapsed = Clock::now() - burst_start_;
        if (elapsed < std::chrono::milliseconds(1)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1) - elapsed);
        }
        in_burst_ = 0;
        burst_start_ = Clock::now();
    }

    std::string text_;
    TransportOptions options_;
    FailureLog log_;
    UniqueFd fd_;
    int in_burst_ = 0;
    Clock::time_point burst_start_;
};

class TcpTransport final : public MessageTransport {
public:
    TcpTransport(const CollectorAddress& address, TransportOptions options)
        : text_(address.text()), options_(options), log_(text_), addresses_(resolve(address)),
          backoff_(options.backoff) {
        start_connect();
    }

    void send(std::span<const std::uint8_t> message) override {
        advance(false);
        if (!fd_.valid() || queued_bytes() + message.size() > options_.max_queued_bytes) {
            ++stats_.messages_lost;
            return;
        }
        if (queue_head_ > 0 && queue_head_ >= queue_.size() / 2) {
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_));
            queue_head_ = 0;
        }
        // Whole messages only: a message that does not fit is dropped entire, so the stream
        // stays framed.
        queue_.insert(queue_.end(), message.begin(), message.end());
        message_ends_.push_back(sent_total_ + queued_bytes());
        if (connected_) drain();
    }
    bool take_new_stream() override { return std::exchange(new_stream_, false); }
    void poll() override { advance(true); }
    void close(std::chrono::milliseconds timeout) override {
        const auto until = Clock::now() + timeout;
        while (fd_.valid() && queued_bytes() > 0 && Clock::now() < until) {
            advance(false);
            if (!fd_.valid() || queued_bytes() == 0) break;
            pollfd p{fd_.get(), POLLOUT, 0};
            ::poll(&p, 1, 50);
        }
        drop_queue();
        if (fd_.valid()) ::shutdown(fd_.get(), SHUT_WR); // a clean end of stream
        fd_.reset();
    }
    [[nodiscard]] std::string describe() const override { return text_; }
    [[nodiscard]] bool datagrams() const override { return false; }

private:
    [[nodiscard]] std::size_t queued_bytes() const { return queue_.size() - queue_head_; }

    void start_connect() {
        const ResolvedAddress& r = addresses_[next_address_];
        next_address_ = (next_address_ + 1) % addresses_.size();
        UniqueFd fd(::socket(r.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd.valid()) return fail("socket", errno);
        fd_ = std::move(fd);
        connected_ = false;
        new_stream_ = true; // RFC 7011 10.4.2: templates first on every connection
        if (::connect(fd_.get(), as_sockaddr(r.addr), r.len) == 0) return on_connected();
        if (errno != EINPROGRESS) return fail("connect", errno);
    }

    void on_connected() {
        connected_ = true;
        ++stats_.connections;
        backoff_ = options_.backoff;
        log_.recovered("connected");
    }

    // Moves the connection along: a connect that completed, a retry when its time has come
    // (only when `may_connect`), the queue.
    void advance(bool may_connect) {
        if (!fd_.valid()) {
            if (may_connect && Clock::now() >= retry_at_) start_connect();
            if (!fd_.valid()) return;
        }
        if (!connected_) {
            pollfd p{fd_.get(), POLLOUT, 0};
            if (::poll(&p, 1, 0) <= 0) return; // still connecting
            int err = 0;
            socklen_t len = sizeof(err);
            ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) return fail("connect", err);
            on_connected();
        }
        drain();
    }

    void drain() {
        while (queued_bytes() > 0) {
            const ssize_t n = ::send(fd_.get(), queue_.data() + queue_head_, queued_bytes(),
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
                return fail("send", errno);
            }
            queue_head_ += static_cast<std::size_t>(n);
            sent_total_ += static_cast<std::size_t>(n);
            while (!message_ends_.empty() && message_ends_.front() <= sent_total_) {
                stats_.bytes_sent += message_ends_.front() - counted_until_;
                counted_until_ = message_ends_.front();
                message_ends_.pop_front();
                ++stats_.messages_sent;
            }
        }
        queue_.clear();
        queue_head_ = 0;
    }

    void drop_queue() {
        stats_.messages_lost += message_ends_.size();
        message_ends_.clear();
        queue_.clear();
        queue_head_ = 0;
        counted_until_ = sent_total_;
    }

    void fail(std::string_view what, int err) {
        ++stats_.send_errors;
        log_.failed(what, err);
        // What was queued for this connection cannot continue on the next one mid-message.
        drop_queue();
        fd_.reset();
        connected_ = false;
        retry_at_ = Clock::now() + backoff_;
        backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    }

    std::string text_;
    TransportOptions options_;
    FailureLog log_;
    std::vector<ResolvedAddress> addresses_;
    std::size_t next_address_ = 0;
    UniqueFd fd_;
    bool connected_ = false;
    bool new_stream_ = false;
    std::chrono::milliseconds backoff_;
    Clock::time_point retry_at_{};
    std::vector<std::uint8_t> queue_;
    std::size_t queue_head_ = 0;
    std::uint64_t sent_total_ = 0;    // bytes the kernel took on this transport
    std::uint64_t counted_until_ = 0; // sent_total_ at the end of the last whole message
    std::deque<std::uint64_t> message_ends_;
};

} // namespace

std::string CollectorAddress::text() const {
    const bool v6 = host.find(':') != std::string::npos;
    return fmt::format("{}://{}{}{}:{}", tcp ? "tcp" : "udp", v6 ? "[" : "", host, v6 ? "]" : "",
                       port);
}

CollectorAddress parse_collector(std::string_view text) {
    CollectorAddress a;
    std::string_view rest = text;
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
        const std::string_view name = rest.substr(0, scheme);
        if (name == "tcp") {
            a.tcp = true;
        } else if (name != "udp") {
            throw std::invalid_argument(
                fmt::format("'{}': the transport is udp:// (the default) or tcp://", text));
        }
        rest.remove_prefix(scheme + 3);
    }
    std::string_view port;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos || rest.substr(close + 1, 1) != ":") {
            throw std::invalid_argument(fmt::format("'{}': expected [IPV6]:PORT", text));
        }
        a.host = std::string(rest.substr(1, close - 1));
        port = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) {
            throw std::invalid_argument(fmt::format("'{}': expected HOST:PORT (IPFIX's port is "
                                                    "4739)",
                                                    text));
        }
        a.host = std::string(rest.substr(0, colon));
        if (a.host.find(':') != std::string::npos) {
            throw std::invalid_argument(
                fmt::format("'{}': put an IPv6 address in brackets: [2001:db8::1]:4739", text));
        }
        port = rest.substr(colon + 1);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (a.host.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
        throw std::invalid_argument(
            fmt::format("'{}': expected HOST:PORT with a port from 1 to 65535", text));
    }
    a.port = std::string(port);
    return a;
}

std::unique_ptr<MessageTransport> open_transport(const CollectorAddress& address,
                                                 TransportOptions options) {
    if (address.tcp) return std::make_unique<TcpTransport>(address, options);
    return std::make_unique<UdpTransport>(address, options);
}

} // namespace pairwatch::exporter
