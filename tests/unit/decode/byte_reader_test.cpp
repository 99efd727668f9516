#include "pairwatch/decode/byte_reader.h"

#include <gtest/gtest.h>

#include <array>

using pairwatch::decode::ByteReader;

namespace {
std::array<std::byte, 6> sample() {
    return {std::byte{0x12}, std::byte{0x34}, std::byte{0x56},
            std::byte{0x78}, std::byte{0x9a}, std::byte{0xbc}};
}
} // namespace

TEST(ByteReader, ReadsBigEndianAndAdvances) {
    auto bytes = sample();
    ByteReader r(bytes);
    EXPECT_EQ(r.be16(), 0x1234);
    EXPECT_EQ(r.be32(), 0x56789abcU);
    EXPECT_TRUE(r.empty());
}

TEST(ByteReader, ReadsLittleEndian) {
    auto bytes = sample();
    ByteReader r(bytes);
    EXPECT_EQ(r.le16(), 0x3412);
    EXPECT_EQ(r.le32(), 0xbc9a7856U);
}

TEST(ByteReader, FailedReadDoesNotMove) {
    auto bytes = sample();
    ByteReader r(std::span<const std::byte>(bytes).first(3));
    EXPECT_FALSE(r.be32().has_value());
    EXPECT_EQ(r.remaining(), 3U);
    EXPECT_EQ(r.be16(), 0x1234);
    EXPECT_FALSE(r.be16().has_value());
    EXPECT_EQ(r.u8(), 0x56);
    EXPECT_FALSE(r.u8().has_value());
}

TEST(ByteReader, SubLimitsTheChildAndConsumesTheParent) {
    auto bytes = sample();
    ByteReader r(bytes);
    auto child = r.sub(4);
    ASSERT_TRUE(child.has_value());
    EXPECT_EQ(child->remaining(), 4U);
    EXPECT_FALSE(child->skip(5));
    EXPECT_EQ(r.remaining(), 2U);
    EXPECT_FALSE(r.sub(3).has_value());
    EXPECT_EQ(r.remaining(), 2U);
}

TEST(ByteReader, HugeLengthsDoNotWrap) {
    auto bytes = sample();
    ByteReader r(bytes);
    EXPECT_FALSE(r.skip(static_cast<std::size_t>(-1)));
    EXPECT_FALSE(r.sub(static_cast<std::size_t>(-1)).has_value());
    EXPECT_FALSE(r.peek_u8(static_cast<std::size_t>(-1)).has_value());
    EXPECT_FALSE(r.peek_be16(static_cast<std::size_t>(-2)).has_value());
    EXPECT_EQ(r.remaining(), 6U);
}

TEST(ByteReader, PeekDoesNotConsumeAndTruncateDropsTheTail) {
    auto bytes = sample();
    ByteReader r(bytes);
    EXPECT_EQ(r.peek_u8(1), 0x34);
    EXPECT_EQ(r.peek_be16(4), 0x9abc);
    EXPECT_EQ(r.remaining(), 6U);
    r.truncate_to(2);
    EXPECT_EQ(r.remaining(), 2U);
    r.truncate_to(10);
    EXPECT_EQ(r.remaining(), 2U);
}
