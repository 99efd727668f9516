#include "pairwatch/flow/flow.h"

namespace pairwatch::flow {

std::string_view to_string(DirReason r) {
    switch (r) {
    case DirReason::Syn: return "syn";
    case DirReason::SynAck: return "synack";
    case DirReason::Port: return "port";
    case DirReason::First: return "first";
    }
    return "first";
}

std::string_view to_string(EndReason r) {
    switch (r) {
    case EndReason::None: return "open";
    case EndReason::Fin: return "fin";
    case EndReason::Rst: return "rst";
    case EndReason::Idle: return "idle";
    case EndReason::Evicted: return "evicted";
    case EndReason::CaptureEnd: return "capture-end";
    case EndReason::Reused: return "reused";
    }
    return "open";
}

std::string flow_uid(const Flow& flow, std::uint64_t seed) {
    // Zeek-style: 'C' and base62. The key and start time identify a flow; the seed keeps
    // uids from two runs with different seeds apart.
    std::uint64_t h = hash_flow_key(flow.key, seed ^ static_cast<std::uint64_t>(flow.first_ns));
    static constexpr char kDigits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string uid = "C";
    for (int i = 0; i < 11; ++i) {
        uid += kDigits[h % 62];
        h /= 62;
    }
    return uid;
}

} // namespace pairwatch::flow
