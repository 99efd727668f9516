// DecodeError names (decode_error.cpp): the counter names users see, one per value.
#include "pairwatch/decode/decode_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace pairwatch::test {
namespace {

using decode::DecodeError;

TEST(DecodeError, EveryValueHasItsOwnSnakeCaseName) {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < decode::kDecodeErrorCount; ++i) {
        const std::string_view name = decode::to_string(static_cast<DecodeError>(i));
        EXPECT_FALSE(name.empty()) << i;
        EXPECT_NE(name, "unknown") << i;
        EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"),
                  std::string_view::npos)
            << name;
        EXPECT_TRUE(seen.insert(name).second) << name;
    }
    EXPECT_EQ(decode::to_string(DecodeError::kCount), "unknown");
}

TEST(DecodeError, NamesMatchTheEnumerators) {
    EXPECT_EQ(decode::to_string(DecodeError::TruncatedLinkHeader), "truncated_link_header");
    EXPECT_EQ(decode::to_string(DecodeError::TruncatedTcpPorts), "truncated_tcp_ports");
    EXPECT_EQ(decode::to_string(DecodeError::TruncatedAhHeader), "truncated_ah_header");
    EXPECT_EQ(decode::to_string(DecodeError::Ipv4IhlBelowFive), "ipv4_ihl_below_five");
    EXPECT_EQ(decode::to_string(DecodeError::Ipv6BadJumboPayload), "ipv6_bad_jumbo_payload");
    EXPECT_EQ(decode::to_string(DecodeError::TcpDataOffsetBelowFive), "tcp_data_offset_below_five");
    EXPECT_EQ(decode::to_string(DecodeError::FirstFragmentTooShort), "first_fragment_too_short");
    EXPECT_EQ(decode::to_string(DecodeError::PppoeLengthBeyondFrame), "pppoe_length_beyond_frame");
    EXPECT_EQ(decode::to_string(DecodeError::TooManyLayers), "too_many_layers");
}

TEST(DecodeError, TruncationsAreExactlyTheTruncatedNames) {
    for (std::size_t i = 0; i < decode::kDecodeErrorCount; ++i) {
        const auto e = static_cast<DecodeError>(i);
        const std::string_view name = decode::to_string(e);
        EXPECT_EQ(decode::is_truncation(e), name.rfind("truncated_", 0) == 0) << name;
    }
}

} // namespace
} // namespace pairwatch::test
