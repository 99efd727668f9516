// Address blocks (CIDR prefixes) for IPv4 and IPv6, and lists of them: --local-nets now, the
// policy's "where is this service expected" next. Addresses are decode::IpAddress, where IPv4 is
// held IPv4-mapped (::ffff:a.b.c.d), so one 128-bit prefix test serves both families.
#pragma once

#include "pairwatch/decode/packet_info.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pairwatch::services {

struct Cidr {
    decode::IpAddress prefix; // host bits cleared
    std::uint8_t bits = 0;    // over the 128-bit form: an IPv4 /n is 96 + n

    /// As Zeek's `addr in subnet`: an IPv4 block holds IPv4 addresses (and their IPv4-mapped
    /// IPv6 form, which Zeek treats as IPv4 too); ::/0 holds every address of both families.
    [[nodiscard]] bool contains(const decode::IpAddress& a) const;
    /// "10.0.0.0/8", "2001:db8::/32"; an IPv4-mapped block of /96 or longer as IPv4.
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const Cidr&, const Cidr&) = default;
};

/// "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Host bits past the prefix
/// are cleared ("192.168.1.7/24" is 192.168.1.0/24), as Zeek does with a subnet literal.
/// On failure returns nullopt and, when `error` is given, says why in a few words.
[[nodiscard]] std::optional<Cidr> parse_cidr(std::string_view text, std::string* error = nullptr);

/// A set of blocks, tested in turn: the lists are short (a site's nets, or the ~40 blocks of
/// special_purpose_blocks()), and are tested once per ended flow, not per packet.
class CidrList {
public:
    CidrList() = default;
    explicit CidrList(std::vector<Cidr> blocks) : blocks_(std::move(blocks)) {}

    void add(const Cidr& c) { blocks_.push_back(c); }
    [[nodiscard]] bool contains(const decode::IpAddress& a) const;
    [[nodiscard]] bool empty() const { return blocks_.empty(); }
    [[nodiscard]] const std::vector<Cidr>& blocks() const { return blocks_; }

private:
    std::vector<Cidr> blocks_;
};

/// The word that stands for special_purpose_blocks() in a list.
inline constexpr std::string_view kPrivateKeyword = "private";

/// Comma-separated blocks ("10.0.0.0/8,2001:db8::/32"); the word `private` adds
/// special_purpose_blocks(). Throws std::invalid_argument naming the first bad entry.
[[nodiscard]] CidrList parse_cidr_list(std::string_view text);

/// The IANA IPv4 and IPv6 special-purpose blocks (RFC 1918 private space, loopback, link-local,
/// CGNAT, documentation, ULA, link-scoped multicast, their 6to4 forms...): the same set as Zeek's
/// Site::private_address_space, which Zeek 6.0 and later count as local by default.
[[nodiscard]] const std::vector<Cidr>& special_purpose_blocks();

} // namespace pairwatch::services
