#include "pairwatch/services/cidr.h"

#include "support/flow_packets.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using pairwatch::services::Cidr;
using pairwatch::services::CidrList;
using pairwatch::services::parse_cidr;
using pairwatch::services::parse_cidr_list;
using pairwatch::services::special_purpose_blocks;
using pairwatch::test::ip;

namespace {

Cidr cidr(const char* text) {
    std::string why;
    const auto c = parse_cidr(text, &why);
    EXPECT_TRUE(c.has_value()) << text << ": " << why;
    return c.value_or(Cidr{});
}

std::string parse_error(const char* text) {
    std::string why;
    EXPECT_FALSE(parse_cidr(text, &why).has_value()) << text;
    return why;
}

} // namespace

TEST(Cidr, Ipv4BlockHoldsItsAddressesOnly) {
    const Cidr c = cidr("192.168.1.0/24");
    EXPECT_EQ(c.bits, 96 + 24);
    EXPECT_EQ(c.to_string(), "192.168.1.0/24");
    EXPECT_TRUE(c.contains(ip("192.168.1.0")));
    EXPECT_TRUE(c.contains(ip("192.168.1.255")));
    EXPECT_FALSE(c.contains(ip("192.168.2.0")));
    EXPECT_FALSE(c.contains(ip("192.168.0.255")));
    EXPECT_FALSE(c.contains(ip("2001:db8::1")));
}

TEST(Cidr, HostBitsAreCleared) {
    // As Zeek reads 192.168.1.7/24: the block, not an error.
    const Cidr c = cidr("192.168.1.7/24");
    EXPECT_EQ(c, cidr("192.168.1.0/24"));
    EXPECT_EQ(c.to_string(), "192.168.1.0/24");
    EXPECT_EQ(cidr("2001:db8::ffff/32").to_string(), "2001:db8::/32");
    // A prefix that ends inside a byte keeps only its bits of that byte.
    EXPECT_EQ(cidr("10.255.0.0/9").to_string(), "10.128.0.0/9");
    EXPECT_TRUE(cidr("10.128.0.0/9").contains(ip("10.255.255.255")));
    EXPECT_FALSE(cidr("10.128.0.0/9").contains(ip("10.127.255.255")));
}

TEST(Cidr, Ipv4SlashZeroHoldsEveryIpv4AddressAndNoIpv6) {
    const Cidr c = cidr("0.0.0.0/0");
    EXPECT_EQ(c.bits, 96);
    EXPECT_EQ(c.to_string(), "0.0.0.0/0");
    EXPECT_TRUE(c.contains(ip("0.0.0.0")));
    EXPECT_TRUE(c.contains(ip("255.255.255.255")));
    EXPECT_FALSE(c.contains(ip("::")));
    EXPECT_FALSE(c.contains(ip("2001:db8::1")));
}

TEST(Cidr, Ipv6SlashZeroHoldsEveryAddressOfBothFamilies) {
    // Zeek's [::]/0 holds IPv4 addresses too: it keeps them IPv4-mapped, as we do.
    const Cidr c = cidr("::/0");
    EXPECT_EQ(c.bits, 0);
    EXPECT_EQ(c.to_string(), "::/0");
    EXPECT_TRUE(c.contains(ip("2001:db8::1")));
    EXPECT_TRUE(c.contains(ip("10.0.0.1")));
}

TEST(Cidr, Slash32AndSlash128AreOneAddress) {
    const Cidr v4 = cidr("10.1.2.3/32");
    EXPECT_TRUE(v4.contains(ip("10.1.2.3")));
    EXPECT_FALSE(v4.contains(ip("10.1.2.2")));
    EXPECT_FALSE(v4.contains(ip("10.1.2.4")));
    EXPECT_EQ(v4, cidr("10.1.2.3")); // a bare address is the same
    const Cidr v6 = cidr("2001:db8::1/128");
    EXPECT_EQ(v6.bits, 128);
    EXPECT_TRUE(v6.contains(ip("2001:db8::1")));
    EXPECT_FALSE(v6.contains(ip("2001:db8::")));
    EXPECT_FALSE(v6.contains(ip("2001:db8::2")));
    EXPECT_EQ(v6, cidr("2001:db8::1"));
}

TEST(Cidr, Ipv4MappedAddressesAreIpv4) {
    // An IPv6 header carrying ::ffff:10.0.0.1 is in 10.0.0.0/8, as Zeek sees it.
    EXPECT_TRUE(cidr("10.0.0.0/8").contains(ip("::ffff:10.0.0.1")));
    // And a block written in the mapped form is the IPv4 block.
    const Cidr mapped = cidr("::ffff:10.0.0.0/104");
    EXPECT_EQ(mapped, cidr("10.0.0.0/8"));
    EXPECT_EQ(mapped.to_string(), "10.0.0.0/8");
    EXPECT_TRUE(mapped.contains(ip("10.9.9.9")));
    // A mapped block shorter than /96 reaches past IPv4: it stays IPv6 text.
    EXPECT_EQ(cidr("::ffff:0:0/95").to_string(), "::fffe:0:0/95");
}

TEST(Cidr, Ipv6PrefixBoundaries) {
    const Cidr c = cidr("fe80::/10");
    EXPECT_TRUE(c.contains(ip("fe80::1")));
    EXPECT_TRUE(c.contains(ip("febf:ffff::1")));
    EXPECT_FALSE(c.contains(ip("fec0::1")));
    EXPECT_FALSE(c.contains(ip("fe7f::1")));
}

TEST(Cidr, BadTextIsRefusedWithAReason) {
    EXPECT_EQ(parse_error("10.0.0.0/33"), "the prefix length must be a number from 0 to 32");
    EXPECT_EQ(parse_error("2001:db8::/129"), "the prefix length must be a number from 0 to 128");
    EXPECT_EQ(parse_error("10.0.0.0/"), "the prefix length must be a number from 0 to 32");
    EXPECT_EQ(parse_error("10.0.0.0/-1"), "the prefix length must be a number from 0 to 32");
    EXPECT_EQ(parse_error("10.0.0.0/+8"), "the prefix length must be a number from 0 to 32");
    EXPECT_EQ(parse_error("10.0.0.0/8x"), "the prefix length must be a number from 0 to 32");
    EXPECT_EQ(parse_error("10.0.0.0/8/8"), "the prefix length must be a number from 0 to 32");
    EXPECT_EQ(parse_error("10.0.0/8"), "not an IPv4 address");
    EXPECT_EQ(parse_error("256.0.0.0/8"), "not an IPv4 address");
    EXPECT_EQ(parse_error("lan/8"), "not an IPv4 address");
    EXPECT_EQ(parse_error(""), "not an IPv4 address");
    EXPECT_EQ(parse_error("2001:db8:::/32"), "not an IPv6 address");
    EXPECT_EQ(parse_error("fe80::1%eth0/64"), "not an IPv6 address");
    EXPECT_FALSE(parse_cidr("10.0.0.0/33").has_value()); // no error text wanted: fine too
}

TEST(CidrList, ParsesBothFamiliesAndTrimsSpaces) {
    const CidrList list = parse_cidr_list("10.0.0.0/8, 2001:db8::/32 ,192.168.1.1");
    ASSERT_EQ(list.blocks().size(), 3U);
    EXPECT_EQ(list.blocks()[0].to_string(), "10.0.0.0/8");
    EXPECT_EQ(list.blocks()[1].to_string(), "2001:db8::/32");
    EXPECT_EQ(list.blocks()[2].to_string(), "192.168.1.1/32");
    EXPECT_TRUE(list.contains(ip("10.200.0.1")));
    EXPECT_TRUE(list.contains(ip("2001:db8:1::1")));
    EXPECT_TRUE(list.contains(ip("192.168.1.1")));
    EXPECT_FALSE(list.contains(ip("192.168.1.2")));
    EXPECT_FALSE(list.contains(ip("2001:db9::1")));
    EXPECT_FALSE(CidrList{}.contains(ip("10.0.0.1")));
    EXPECT_TRUE(CidrList{}.empty());
}

TEST(CidrList, ErrorsNameTheBadEntry) {
    try {
        (void)parse_cidr_list("10.0.0.0/8,10.0.0.0/40,fc00::/7");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "'10.0.0.0/40': the prefix length must be a number from 0 to 32");
    }
    try {
        (void)parse_cidr_list("10.0.0.0/8,,fc00::/7");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "an empty entry (two commas, or one at an end)");
    }
    EXPECT_THROW((void)parse_cidr_list(""), std::invalid_argument);
    EXPECT_THROW((void)parse_cidr_list("10.0.0.0/8,"), std::invalid_argument);
    EXPECT_THROW((void)parse_cidr_list("privat"), std::invalid_argument);
}

TEST(CidrList, PrivateIsZeeksPrivateAddressSpace) {
    const CidrList list = parse_cidr_list("private,198.51.0.0/16");
    EXPECT_EQ(list.blocks().size(), special_purpose_blocks().size() + 1);
    // Every block of Zeek's Site::private_address_space: 16 IPv4 blocks, each with its 6to4
    // twin, and 10 IPv6 blocks.
    EXPECT_EQ(special_purpose_blocks().size(), 16U * 2 + 10U);
    for (const char* local : {"10.1.2.3",
                              "172.31.255.255",
                              "192.168.0.1",
                              "100.64.0.1",
                              "127.0.0.1",
                              "169.254.1.1",
                              "0.0.0.0",
                              "255.255.255.255",
                              "224.0.0.251",
                              "239.255.255.250",
                              "192.0.2.1",
                              "fe80::1",
                              "fd00::1",
                              "::1",
                              "::",
                              "2001:db8::1",
                              "2001:0:4137:9e50::1",
                              "2002:c0a8:101::1",
                              "fec0::1",
                              "64:ff9b:1::1"}) {
        EXPECT_TRUE(list.contains(ip(local))) << local;
    }
    for (const char* remote : {"8.8.8.8", "172.32.0.1", "224.0.1.1", "238.0.0.1", "100.128.0.1",
                               "2606:4700::1111", "ff02::fb", "2002:808:808::1", "64:ff9b::1"}) {
        EXPECT_FALSE(list.contains(ip(remote))) << remote;
    }
    EXPECT_TRUE(list.contains(ip("198.51.7.7"))); // the block given after the word
}
