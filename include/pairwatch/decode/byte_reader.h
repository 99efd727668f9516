// A bounds-checked cursor over captured bytes: the only way any decoder reads a packet.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace pairwatch::decode {

/// Every read checks the bound first and fails without moving; sub() hands out a child limited
/// to a length field so a header can never read into the next one.
class ByteReader {
public:
    ByteReader() = default;
    explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}

    [[nodiscard]] std::size_t remaining() const { return bytes_.size(); }
    [[nodiscard]] bool empty() const { return bytes_.empty(); }
    [[nodiscard]] bool has(std::size_t n) const { return n <= bytes_.size(); }
    [[nodiscard]] std::span<const std::byte> rest() const { return bytes_; }

    [[nodiscard]] std::optional<std::uint8_t> u8() {
        if (!has(1)) return std::nullopt;
        auto v = std::to_integer<std::uint8_t>(bytes_[0]);
        bytes_ = bytes_.subspan(1);
        return v;
    }
    [[nodiscard]] std::optional<std::uint16_t> be16() { return load<std::uint16_t>(); }
    [[nodiscard]] std::optional<std::uint32_t> be32() { return load<std::uint32_t>(); }
    [[nodiscard]] std::optional<std::uint16_t> le16() { return load<std::uint16_t, true>(); }
    [[nodiscard]] std::optional<std::uint32_t> le32() { return load<std::uint32_t, true>(); }

    /// Reads without consuming: for dispatch on a field that the next decoder reads again.
    [[nodiscard]] std::optional<std::uint8_t> peek_u8(std::size_t at = 0) const {
        if (!has(at + 1) || at + 1 == 0) return std::nullopt;
        return std::to_integer<std::uint8_t>(bytes_[at]);
    }
    [[nodiscard]] std::optional<std::uint16_t> peek_be16(std::size_t at = 0) const {
        ByteReader copy = *this;
        if (!copy.skip(at)) return std::nullopt;
        return copy.be16();
    }

    [[nodiscard]] std::optional<std::span<const std::byte>> bytes(std::size_t n) {
        if (!has(n)) return std::nullopt;
        auto out = bytes_.first(n);
        bytes_ = bytes_.subspan(n);
        return out;
    }
    template <std::size_t N> [[nodiscard]] bool copy_to(std::byte (&out)[N]) {
        auto b = bytes(N);
        if (!b) return false;
        std::memcpy(out, b->data(), N);
        return true;
    }
    [[nodiscard]] bool skip(std::size_t n) {
        if (!has(n)) return false;
        bytes_ = bytes_.subspan(n);
        return true;
    }
    /// A child reader over the next `len` bytes, consuming them; nullopt when fewer remain.
    [[nodiscard]] std::optional<ByteReader> sub(std::size_t len) {
        auto b = bytes(len);
        if (!b) return std::nullopt;
        return ByteReader(*b);
    }
    /// Drops bytes past `len` (Ethernet padding after an IP datagram); a no-op when shorter.
    void truncate_to(std::size_t len) {
        if (len < bytes_.size()) bytes_ = bytes_.first(len);
    }

private:
    template <typename T, bool Little = false> std::optional<T> load() {
        if (!has(sizeof(T))) return std::nullopt;
        T v;
        std::memcpy(&v, bytes_.data(), sizeof(T));
        bytes_ = bytes_.subspan(sizeof(T));
        if constexpr (Little != (std::endian::native == std::endian::little)) {
            v = byteswap(v);
        }
        return v;
    }
    template <typename T> static T byteswap(T v) {
        if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
        else return static_cast<T>(__builtin_bswap32(v));
    }

    std::span<const std::byte> bytes_;
};

} // namespace pairwatch::decode
