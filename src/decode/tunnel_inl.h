// open_tunnel's body: a template, so the inner decoder inlines at each call.
#pragma once

#include "pairwatch/decode/decode_stats.h"

namespace pairwatch::decode {

template <typename Fn>
void open_tunnel(TunnelKind kind, DecodeContext& c, Fn&& inner) {
    const PacketInfo outer = c.info;
    const int outer_layers = c.layers;
    const std::uint32_t outer_missing = c.missing;
    if (c.info.tunnel_depth == 0) c.info.outer_tunnel = kind;
    ++c.info.tunnel_depth;
    inner();
    const bool opened = c.info.outcome == Outcome::Tcp || c.info.outcome == Outcome::Udp;
    if (opened) return;
    // Broken: the payload failed to decode here or in a tunnel nested inside it. The reason
    // is kept for the tunnel_not_opened counters; the outcome is the outer packet's.
    const bool broken = c.info.outcome == Outcome::Malformed ||
                        c.info.outcome == Outcome::Truncated ||
                        c.info.outcome == Outcome::UnmatchedFragment || c.info.tunnel_undecoded;
    const DecodeError why =
        c.info.tunnel_undecoded ? c.info.tunnel_error : c.info.error;
    c.info = outer;
    c.layers = outer_layers;
    c.missing = outer_missing;
    c.info.tunnel_undecoded = broken;
    if (broken) c.info.tunnel_error = why;
}

} // namespace pairwatch::decode
