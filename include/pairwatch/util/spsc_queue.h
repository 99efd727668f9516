// A bounded single-producer single-consumer queue: the only hand-off between the capture thread
// and the thread that decodes. Lock-free on the fast path; a full or empty side sleeps on a
// futex (std::atomic::wait) instead of spinning.
#pragma once

#include <algorithm>
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
        // seq_cst against pop()'s store of wake_at_ and load of tail_: one of the two sides
        // sees the other's store, so a consumer never sleeps past the value that wakes it.
        tail_.store(tail + 1, std::memory_order_seq_cst);
        if (tail + 1 - head_.load(std::memory_order_acquire) >=
            wake_at_.load(std::memory_order_seq_cst)) {
            signal();
        }
    }

    /// Producer: no more values; the consumer drains what is queued, then gets nullopt.
    void close() {
        closed_.store(true, std::memory_order_release);
        signal();
    }

    /// Consumer: waits while empty; nullopt once closed and drained. Once it has to wait, it
    /// sleeps until `wake_at` values are queued (or the queue closes): a consumer that would
    /// otherwise be woken for every value (each wake-up a system call on both sides, and an
    /// interrupt to another core on a VM) takes them in runs.
    std::optional<T> pop(std::size_t wake_at = 1) {
        const std::uint64_t head = head_.load(std::memory_order_relaxed);
        if (tail_.load(std::memory_order_acquire) == head) {
            wake_at_.store(std::min<std::uint64_t>(std::max<std::size_t>(wake_at, 1), Capacity),
                           std::memory_order_seq_cst);
            for (;;) {
                const std::uint32_t seen = events_.load(std::memory_order_acquire);
                const std::uint64_t queued = tail_.load(std::memory_order_seq_cst) - head;
                if (queued >= wake_at_.load(std::memory_order_relaxed)) break;
                if (closed_.load(std::memory_order_acquire)) {
                    if (tail_.load(std::memory_order_acquire) != head) break;
                    wake_at_.store(1, std::memory_order_relaxed);
                    return std::nullopt;
                }
                events_.wait(seen, std::memory_order_acquire);
            }
            wake_at_.store(1, std::memory_order_relaxed);
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
    std::atomic<std::uint64_t> wake_at_{1}; // the producer signals once this many are queued
    std::atomic<bool> closed_{false};
};

} // namespace pairwatch::util
