// A 48-bit counter in six bytes: 256 TB of bytes or 281 trillion packets per direction is more
// than any conversation reaches, and the two bytes saved per counter keep a flow at 136 bytes.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

namespace pairwatch::flow {

class Counter48 {
public:
    static constexpr std::uint64_t kMax = (std::uint64_t{1} << 48) - 1;

    [[nodiscard]] std::uint64_t get() const {
        std::uint64_t v = 0;
        std::memcpy(&v, bytes_.data(), 6); // little-endian hosts: the low six bytes
        return v;
    }
    void add(std::uint64_t n) {
        std::uint64_t v = get() + n;
        if (v > kMax) v = kMax; // saturate rather than wrap
        std::memcpy(bytes_.data(), &v, 6);
    }
    operator std::uint64_t() const { return get(); } // NOLINT(google-explicit-constructor)

private:
    std::array<std::uint8_t, 6> bytes_{};
};
static_assert(sizeof(Counter48) == 6);

} // namespace pairwatch::flow
