// Arithmetic on packet timestamps that cannot overflow: any int64 timestamp is legal input (a
// pcapng interface with a coarse if_tsresol reaches far past 2262), so a difference or a
// conversion saturates instead of wrapping into undefined behaviour.
#pragma once

#include <cstdint>
#include <limits>

namespace pairwatch::util {

[[nodiscard]] constexpr std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(a, b, &r)) {
        return b < 0 ? std::numeric_limits<std::int64_t>::max()
                     : std::numeric_limits<std::int64_t>::min();
    }
    return r;
}

/// seconds * 1e9 + fraction * ns_per_tick, clamped to the int64 range.
[[nodiscard]] constexpr std::int64_t timestamp_ns(std::int64_t seconds, std::int64_t fraction,
                                                  std::int64_t ns_per_tick) {
    std::int64_t s = 0, f = 0, r = 0;
    const bool over = __builtin_mul_overflow(seconds, std::int64_t{1'000'000'000}, &s) ||
                      __builtin_mul_overflow(fraction, ns_per_tick, &f) ||
                      __builtin_add_overflow(s, f, &r);
    if (over) {
        return seconds < 0 ? std::numeric_limits<std::int64_t>::min()
                           : std::numeric_limits<std::int64_t>::max();
    }
    return r;
}

} // namespace pairwatch::util
