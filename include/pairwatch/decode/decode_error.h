// Every way a frame can fail to decode, each with a stable name for counters and the summary.
#pragma once

#include <cstdint>
#include <string_view>

namespace pairwatch::decode {

/// A frame that stops decoding gets exactly one of these. Names are the counter names users see.
/// The Truncated* values mean "ran out of captured bytes": a snaplen cut when the frame was
/// captured short, a malformation when the whole frame was captured.
enum class DecodeError : std::uint8_t {
    TruncatedLinkHeader,
    TruncatedVlanTag,
    TruncatedPppoeHeader,
    TruncatedPppHeader,
    TruncatedMplsLabel,
    TruncatedNflogHeader,
    TruncatedIpv4Header,
    TruncatedIpv6Header,
    TruncatedIpv6Extension,
    TruncatedTcpPorts,
    TruncatedUdpHeader,
    TruncatedTunnelHeader,
    TruncatedAhHeader,
    Ipv4VersionMismatch,
    Ipv4IhlBelowFive,
    Ipv4TotalLengthBelowHeader,
    Ipv4TotalLengthBeyondFrame,
    Ipv6VersionMismatch,
    Ipv6PayloadLengthBeyondFrame,
    Ipv6ExtensionLengthBeyondPayload,
    Ipv6HopByHopNotFirst,
    Ipv6BadJumboPayload,
    Ipv6TooManyExtensions,
    TcpDataOffsetBelowFive,
    TcpHeaderBeyondSegment,
    UdpLengthBelowHeader,
    UdpLengthBeyondDatagram,
    FirstFragmentTooShort,
    NflogBadTlv,
    PppoeLengthBeyondFrame,
    TooManyLayers,
    kCount,
};

inline constexpr std::size_t kDecodeErrorCount = static_cast<std::size_t>(DecodeError::kCount);

/// snake_case name, e.g. "truncated_tcp_ports".
[[nodiscard]] std::string_view to_string(DecodeError e);

/// True for the values that mean the captured bytes ran out before the header did.
[[nodiscard]] constexpr bool is_truncation(DecodeError e) {
    return e <= DecodeError::TruncatedAhHeader;
}

} // namespace pairwatch::decode
