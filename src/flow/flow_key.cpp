#include "pairwatch/flow/flow_key.h"

#include <algorithm>
#include <bit>

namespace pairwatch::flow {

namespace {

__extension__ using U128 = unsigned __int128;

// wyhash's multiply-fold: a 64x64->128 multiply folded to 64 bits mixes every input bit into
// every output bit in one multiplication.
std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
    const U128 r = static_cast<U128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

std::uint64_t load64(const unsigned char* p) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// Eight address bytes as one number that orders as the bytes do.
std::uint64_t load_be64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    return v;
}

/// (a, a_port) <= (b, b_port), addresses compared byte by byte: as std::tie would, in two
/// word compares instead of a byte loop through memcmp, and without a branch (bitwise & and |
/// on the comparisons): which endpoint sorts first is a coin toss from packet to packet.
bool endpoint_not_after(const decode::IpAddress& a, std::uint16_t a_port,
                        const decode::IpAddress& b, std::uint16_t b_port) {
    const std::uint64_t a0 = load_be64(a.bytes.data()), b0 = load_be64(b.bytes.data());
    const std::uint64_t a1 = load_be64(a.bytes.data() + 8), b1 = load_be64(b.bytes.data() + 8);
    const bool low_half = (a1 < b1) | ((a1 == b1) & (a_port <= b_port));
    return (a0 < b0) | ((a0 == b0) & low_half);
}

} // namespace

KeyedPacket make_flow_key(const decode::PacketInfo& packet) {
    KeyedPacket k;
    const bool src_first = endpoint_not_after(packet.src, packet.sport, packet.dst, packet.dport);
    k.from_b = !src_first;
    // Chosen by index, not by a branch (see endpoint_not_after): a mispredicted branch here
    // made make_flow_key 9% of the flow thread at 1M conversations.
    const decode::IpAddress* const addrs[2] = {&packet.src, &packet.dst};
    const std::uint16_t ports[2] = {packet.sport, packet.dport};
    const unsigned first = src_first ? 0 : 1;
    k.key.addr_a = *addrs[first];
    k.key.addr_b = *addrs[first ^ 1];
    k.key.port_a = ports[first];
    k.key.port_b = ports[first ^ 1];
    k.key.proto = packet.ip_proto;
    k.key.shape = static_cast<std::uint8_t>((packet.vlan_count & 0x03) |
                                            (packet.ip_version == 6 ? FlowKey::kIpv6 : 0));
    if (packet.vlan_count > 0) k.key.vlan_outer = packet.vlan[0];
    if (packet.vlan_count > 1) k.key.vlan_inner = packet.vlan[1];
    return k;
}

std::uint64_t hash_flow_key(const FlowKey& key, std::uint64_t seed) {
    constexpr std::uint64_t kP0 = 0xa0761d6478bd642fULL;
    constexpr std::uint64_t kP1 = 0xe7037ed1a0b428dbULL;
    constexpr std::uint64_t kP2 = 0x8ebc6af09c88c6e3ULL;
    // The key's 42 bytes as six words, the last its two bytes zero-extended: loaded from the
    // key itself (copied to a zeroed 48-byte buffer first, the overlapping stores and loads
    // stalled store forwarding).
    const auto* b = reinterpret_cast<const unsigned char*>(&key);
    std::uint16_t tail = 0;
    std::memcpy(&tail, b + 40, sizeof tail);
    static_assert(sizeof(FlowKey) == 40 + sizeof tail);
    std::uint64_t h = seed ^ kP0;
    h = fold_multiply(load64(b) ^ kP1, load64(b + 8) ^ h);
    h = fold_multiply(load64(b + 16) ^ kP1, load64(b + 24) ^ h);
    h = fold_multiply(load64(b + 32) ^ kP1, std::uint64_t{tail} ^ h);
    return fold_multiply(h ^ kP2, sizeof key ^ kP1);
}

std::uint32_t worker_of(const decode::PacketInfo& packet, std::uint64_t seed,
                        std::uint32_t workers) {
    if (workers <= 1 || !packet.has_ports()) return 0;
    constexpr std::uint64_t kWorkerSalt = 0x5bd1e9955bd1e995ULL;
    const std::uint64_t h = hash_flow_key(make_flow_key(packet).key, seed ^ kWorkerSalt);
    // The high half, scaled to [0, workers): no division, and independent of the low bits.
    return static_cast<std::uint32_t>(((h >> 32) * workers) >> 32);
}

} // namespace pairwatch::flow
