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

/// seconds * 1e9 + fraction * ns_per_tick, clamped to the int64 range. The exact value is
/// computed in 128 bits (|seconds * 1e9| < 2^94, |fraction * ns_per_tick| <= 2^126: their sum
/// fits) and clamped once, so a result that fits is exact even when a part alone would not
/// (a negative fraction against a large second count), and one that does not goes to the end
/// of the range on its own side.
[[nodiscard]] constexpr std::int64_t timestamp_ns(std::int64_t seconds, std::int64_t fraction,
                                                  std::int64_t ns_per_tick) {
    __extension__ using Wide = __int128; // GCC and Clang; __extension__ keeps -Wpedantic quiet
    const Wide exact = Wide{seconds} * 1'000'000'000 + Wide{fraction} * Wide{ns_per_tick};
    if (exact > std::numeric_limits<std::int64_t>::max()) {
        return std::numeric_limits<std::int64_t>::max();
    }
    if (exact < std::numeric_limits<std::int64_t>::min()) {
        return std::numeric_limits<std::int64_t>::min();
    }
    return static_cast<std::int64_t>(exact);
}

} // namespace pairwatch::util
