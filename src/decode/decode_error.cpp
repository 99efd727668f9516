#include "pairwatch/decode/decode_error.h"

#include <array>

namespace pairwatch::decode {

namespace {
constexpr std::array<std::string_view, kDecodeErrorCount> kNames = {
    "truncated_link_header",
    "truncated_vlan_tag",
    "truncated_pppoe_header",
    "truncated_ppp_header",
    "truncated_mpls_label",
    "truncated_nflog_header",
    "truncated_ipv4_header",
    "truncated_ipv6_header",
    "truncated_ipv6_extension",
    "truncated_tcp_ports",
    "truncated_udp_header",
    "truncated_tunnel_header",
    "truncated_ah_header",
    "ipv4_version_mismatch",
    "ipv4_ihl_below_five",
    "ipv4_total_length_below_header",
    "ipv4_total_length_beyond_frame",
    "ipv6_version_mismatch",
    "ipv6_payload_length_beyond_frame",
    "ipv6_extension_length_beyond_payload",
    "ipv6_hop_by_hop_not_first",
    "ipv6_bad_jumbo_payload",
    "ipv6_too_many_extensions",
    "tcp_data_offset_below_five",
    "tcp_header_beyond_segment",
    "udp_length_below_header",
    "udp_length_beyond_datagram",
    "first_fragment_too_short",
    "nflog_bad_tlv",
    "pppoe_length_beyond_frame",
    "too_many_layers",
};
} // namespace

std::string_view to_string(DecodeError e) {
    auto i = static_cast<std::size_t>(e);
    return i < kNames.size() ? kNames[i] : "unknown";
}

} // namespace pairwatch::decode
