#include "pairwatch/services/cidr.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <fmt/format.h>
#include <stdexcept>

namespace pairwatch::services {

namespace {

/// Clears every bit past the first `bits` of `a`.
decode::IpAddress masked(decode::IpAddress a, unsigned bits) {
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned first_bit = i * 8;
        if (bits >= first_bit + 8) continue;
        const unsigned keep = bits > first_bit ? bits - first_bit : 0; // 0..7 bits of this byte
        a.bytes[i] &= static_cast<std::uint8_t>(0xff00U >> keep);
    }
    return a;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

} // namespace

bool Cidr::contains(const decode::IpAddress& a) const {
    return masked(a, bits) == prefix;
}

std::string Cidr::to_string() const {
    if (prefix.is_v4() && bits >= 96)
        return fmt::format("{}/{}", decode::to_string(prefix, 4), bits - 96);
    return fmt::format("{}/{}", decode::to_string(prefix, 6), bits);
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
    auto fail = [error](std::string why) -> std::optional<Cidr> {
        if (error != nullptr) *error = std::move(why);
        return std::nullopt;
    };
    const std::size_t slash = text.find('/');
    const std::string addr_text(text.substr(0, slash));
    decode::IpAddress addr;
    unsigned max_bits = 0;
    unsigned offset = 0; // where the family's bits start in the 128-bit form
    if (addr_text.find(':') != std::string::npos) {
        if (inet_pton(AF_INET6, addr_text.c_str(), addr.bytes.data()) != 1) {
            return fail("not an IPv6 address");
        }
        max_bits = 128;
    } else {
        std::array<std::uint8_t, 4> v4{};
        // inet_pton takes only the four-part dotted quad, so "10.1" or "010.0.0.1" are refused
        // rather than read the way inet_aton would.
        if (inet_pton(AF_INET, addr_text.c_str(), v4.data()) != 1) {
            return fail("not an IPv4 address");
        }
        addr = decode::IpAddress::from_v4(std::uint32_t{v4[0]} << 24 | std::uint32_t{v4[1]} << 16 |
                                          std::uint32_t{v4[2]} << 8 | v4[3]);
        max_bits = 32;
        offset = 96;
    }
    unsigned bits = max_bits;
    if (slash != std::string_view::npos) {
        const std::string_view len = text.substr(slash + 1);
        const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
        if (len.empty() || ec != std::errc{} || end != len.data() + len.size() || bits > max_bits) {
            return fail(fmt::format("the prefix length must be a number from 0 to {}", max_bits));
        }
    }
    Cidr c;
    c.bits = static_cast<std::uint8_t>(offset + bits);
    c.prefix = masked(addr, c.bits);
    return c;
}

bool CidrList::contains(const decode::IpAddress& a) const {
    for (const Cidr& c : blocks_) {
        if (c.contains(a)) return true;
    }
    return false;
}

CidrList parse_cidr_list(std::string_view text) {
    CidrList list;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view entry = trim(text.substr(start, comma - start));
        start = comma + 1;
        if (entry == kPrivateKeyword) {
            for (const Cidr& c : special_purpose_blocks()) list.add(c);
            continue;
        }
        std::string why;
        const auto cidr = parse_cidr(entry, &why);
        if (!cidr) {
            throw std::invalid_argument(
                entry.empty() ? std::string("an empty entry (two commas, or one at an end)")
                              : fmt::format("'{}': {}", entry, why));
        }
        list.add(*cidr);
    }
    return list;
}

const std::vector<Cidr>& special_purpose_blocks() {
    // IANA's IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890) and the link-scoped
    // multicast blocks, each IPv4 block also in its 6to4 form (RFC 3056: 2002:AABB:CCDD::/16+n):
    // the set current Zeek's Site::private_address_space holds (its 8.x site.zeek), so
    // `--local-nets private` gives local_orig/local_resp as a default Zeek does; the reference
    // conn.logs in ../shared/captures (224.0.0.251 local, ff02::fb not) check it.
    static const std::vector<Cidr> blocks = [] {
        constexpr std::array kText = {
            "0.0.0.0/8",
            "2002::/24", // "this network" (RFC 791)
            "10.0.0.0/8",
            "2002:a00::/24", // private use (RFC 1918)
            "100.64.0.0/10",
            "2002:6440::/26", // shared address space, CGNAT (RFC 6598)
            "127.0.0.0/8",
            "2002:7f00::/24", // loopback (RFC 1122)
            "169.254.0.0/16",
            "2002:a9fe::/32", // link local (RFC 3927)
            "172.16.0.0/12",
            "2002:ac10::/28", // private use (RFC 1918)
            "192.0.0.0/24",
            "2002:c000::/40", // IETF protocol assignments (RFC 6890)
            "192.0.2.0/24",
            "2002:c000:200::/40", // documentation, TEST-NET-1 (RFC 5737)
            "192.168.0.0/16",
            "2002:c0a8::/32", // private use (RFC 1918)
            "198.18.0.0/15",
            "2002:c612::/31", // benchmarking (RFC 2544)
            "198.51.100.0/24",
            "2002:c633:6400::/40", // documentation, TEST-NET-2 (RFC 5737)
            "203.0.113.0/24",
            "2002:cb00:7100::/40", // documentation, TEST-NET-3 (RFC 5737)
            "224.0.0.0/24",
            "2002:e000::/40", // local network control multicast (RFC 5771)
            "239.0.0.0/8",
            "2002:ef00::/24", // administratively scoped multicast (RFC 2365)
            "240.0.0.0/4",
            "2002:f000::/20", // reserved (RFC 1112)
            "255.255.255.255/32",
            "2002:ffff:ffff::/48", // limited broadcast (RFC 919, 8190)
            "::/128",              // unspecified (RFC 4291)
            "::1/128",             // loopback (RFC 4291)
            "64:ff9b:1::/48",      // local-use IPv4/IPv6 translation (RFC 8215)
            "100::/64",            // discard-only (RFC 6666)
            "2001::/23",           // IETF protocol assignments, Teredo included (RFC 2928)
            "2001:2::/48",         // benchmarking (RFC 5180)
            "2001:db8::/32",       // documentation (RFC 3849)
            "fc00::/7",            // unique local (RFC 4193)
            "fe80::/10",           // link-local unicast (RFC 4291)
            "fec0::/10",           // site-local, deprecated (RFC 3879)
        };
        std::vector<Cidr> out;
        for (const char* t : kText) out.push_back(parse_cidr(t).value());
        return out;
    }();
    return blocks;
}

} // namespace pairwatch::services
