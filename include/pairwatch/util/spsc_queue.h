// A bounded single-producer single-consumer queue: the only hand-off between the capture thread
// and the thread that decodes. Lock-free on the fast path; a full or empty side sleeps on a
// futex (std::atomic::wait) instead of spinning.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace pairwatch::util {

template <typename T, std::size_t Capacity> class SpscQueue {
    static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0, "power of two");

public:
    /// Producer: waits while full. Never call after close().
    void push(T value) {
        const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
        for (;;) {
            const std::uint64_t head = head_.load(std::memory_order_acquire);
            if (tail - head < Capacity) break;
            head_.wait(head, std::memory_order_acquire);
        }
        slots_[tail & (Capacity - 1)] = std::move(value);
        tail_.store(tail + 1, std::memory_order_release);
        signal();
    }

    /// Producer: no more values; the consumer drains what is queued, then gets nullopt.
    void close() {
        closed_.store(true, std::memory_order_release);
        signal();
    }

    /// Consumer: waits while empty; nullopt once closed and drained.
    std::optional<T> pop() {
        const std::uint64_t head = head_.load(std::memory_order_relaxed);
        for (;;) {
            const std::uint32_t seen = events_.load(std::memory_order_acquire);
            if (tail_.load(std::memory_order_acquire) != head) break;
            if (closed_.load(std::memory_order_acquire)) {
                if (tail_.load(std::memory_order_acquire) != head) break;
                return std::nullopt;
            }
            events_.wait(seen, std::memory_order_acquire);
        }
        T value = std::move(slots_[head & (Capacity - 1)]);
        head_.store(head + 1, std::memory_order_release);
        head_.notify_one();
        return value;
    }

    /// Consumer: a value if one is ready, without waiting.
    std::optional<T> try_pop() {
        const std::uint64_t head = head_.load(std::memory_order_relaxed);
        if (tail_.load(std::memory_order_acquire) == head) return std::nullopt;
        T value = std::move(slots_[head & (Capacity - 1)]);
        head_.store(head + 1, std::memory_order_release);
        head_.notify_one();
        return value;
    }

private:
    void signal() {
        events_.fetch_add(1, std::memory_order_acq_rel);
        events_.notify_one();
    }

    std::array<T, Capacity> slots_{};
    alignas(64) std::atomic<std::uint64_t> head_{0};
    alignas(64) std::atomic<std::uint64_t> tail_{0};
    alignas(64) std::atomic<std::uint32_t> events_{0};
    std::atomic<bool> closed_{false};
};

} // namespace pairwatch::util
