// Wakes a thread blocked in poll(): an eventfd that any thread may signal without a lock.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>

namespace pairwatch::util {

class Waker {
public:
    Waker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    ~Waker() { ::close(fd_); }
    Waker(const Waker&) = delete;
    Waker& operator=(const Waker&) = delete;

    /// Async-signal-safe and lock-free: one write of a counter.
    void notify() const {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(fd_, &one, sizeof one);
    }
    /// Clears pending notifications (the poller calls it before acting on them).
    void drain() const {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(fd_, &count, sizeof count);
    }
    [[nodiscard]] int fd() const { return fd_; }

private:
    int fd_;
};

} // namespace pairwatch::util
