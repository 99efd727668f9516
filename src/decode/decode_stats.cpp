#include "pairwatch/decode/decode_stats.h"

#include <numeric>

namespace pairwatch::decode {

void DecodeStats::record(const PacketInfo& info) {
    ++frames;
    ++outcomes[static_cast<std::size_t>(info.outcome)];
    if (info.outcome == Outcome::Truncated || info.outcome == Outcome::Malformed) {
        ++errors[static_cast<std::size_t>(info.error)];
        if (info.outcome == Outcome::Truncated) ++snap_cut;
        return;
    }
    if (info.snap_cut) ++snap_cut;
    if (info.ip_version == 4) ++ipv4;
    if (info.ip_version == 6) ++ipv6;
    if (info.vlan_count > 0) ++vlan_tagged;
    if (info.fragment) ++fragments;
    if (info.tunnel_depth > 0) {
        ++tunnelled;
        ++tunnels[static_cast<std::size_t>(info.outer_tunnel)];
    }
    if (info.tunnel_undecoded) {
        ++tunnel_not_opened;
        if (info.tunnel_error != DecodeError::kCount) {
            ++tunnel_errors[static_cast<std::size_t>(info.tunnel_error)];
        }
    }
}

void DecodeStats::merge(const DecodeStats& o) {
    frames += o.frames;
    for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i] += o.outcomes[i];
    for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
    for (std::size_t i = 0; i < tunnels.size(); ++i) tunnels[i] += o.tunnels[i];
    for (std::size_t i = 0; i < tunnel_errors.size(); ++i) tunnel_errors[i] += o.tunnel_errors[i];
    ipv4 += o.ipv4;
    ipv6 += o.ipv6;
    vlan_tagged += o.vlan_tagged;
    fragments += o.fragments;
    snap_cut += o.snap_cut;
    tunnelled += o.tunnelled;
    tunnel_not_opened += o.tunnel_not_opened;
}

bool DecodeStats::adds_up() const {
    return std::accumulate(outcomes.begin(), outcomes.end(), std::uint64_t{0}) == frames;
}

} // namespace pairwatch::decode
