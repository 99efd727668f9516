#include "pairwatch/report/decode_summary.h"

#include <fmt/format.h>

namespace pairwatch::report {

std::string format_decode_counters(const decode::DecodeStats& s,
                                   const decode::FragmentTableStats& fragments) {
    using decode::Outcome;
    fmt::memory_buffer out;
    auto line = [&](std::string_view name, std::uint64_t value) {
        fmt::format_to(std::back_inserter(out), "  {:<38} {:>12}\n", name, value);
    };
    fmt::format_to(std::back_inserter(out), "decode: {} frames read\n", s.frames);
    for (std::size_t i = 0; i < decode::kOutcomeCount; ++i) {
        line(decode::to_string(static_cast<Outcome>(i)), s.outcomes[i]);
    }
    fmt::format_to(std::back_inserter(out), "layers:\n");
    line("ipv4", s.ipv4);
    line("ipv6", s.ipv6);
    line("vlan_tagged", s.vlan_tagged);
    line("fragments", s.fragments);
    line("fragments_matched", fragments.matched);
    line("fragment_entries_evicted", fragments.evicted);
    line("snaplen_cut", s.snap_cut);
    line("tunnelled", s.tunnelled);
    for (std::size_t i = 1; i < s.tunnels.size(); ++i) {
        if (s.tunnels[i] == 0) continue;
        line(fmt::format("tunnel_{}", decode::to_string(static_cast<decode::TunnelKind>(i))),
             s.tunnels[i]);
    }
    line("tunnel_not_opened", s.tunnel_not_opened);
    bool any_error = false;
    for (std::size_t i = 0; i < decode::kDecodeErrorCount; ++i) {
        if (s.errors[i] == 0) continue;
        if (!any_error) fmt::format_to(std::back_inserter(out), "truncated or malformed, by reason:\n");
        any_error = true;
        line(decode::to_string(static_cast<decode::DecodeError>(i)), s.errors[i]);
    }
    bool any_tunnel_error = false;
    for (std::size_t i = 0; i < decode::kDecodeErrorCount; ++i) {
        if (s.tunnel_errors[i] == 0) continue;
        if (!any_tunnel_error) {
            fmt::format_to(std::back_inserter(out), "tunnel payloads not decoded (outer packet kept), by reason:\n");
        }
        any_tunnel_error = true;
        line(decode::to_string(static_cast<decode::DecodeError>(i)), s.tunnel_errors[i]);
    }
    return fmt::to_string(out);
}

std::string format_capture_counters(const capture::CaptureCounters& c) {
    return fmt::format("capture: {} received, {} dropped by the kernel, {} dropped by the "
                       "interface\n",
                       c.received, c.dropped_by_kernel, c.dropped_by_interface);
}

} // namespace pairwatch::report
