// Builds test frames field by field, so a test states the headers it means instead of a hex
// dump. Each layer appends its header; the previous layer's type field (ethertype, IP protocol,
// PPP protocol) is filled from the layer that follows unless the test set it, and the length
// fields (IPv4 total length, IPv6 payload length, UDP length, PPPoE length, NFLOG TLV length)
// are computed by build() unless the test set them. trailer() bytes count in no length.
#pragma once

#include "pairwatch/capture/raw_frame.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/decode/packet_info.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/dlt.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pairwatch::test {

using Bytes = std::vector<std::byte>;
using Octets = std::vector<std::uint8_t>;
using Mac = std::array<std::uint8_t, 6>;

/// Where a layer started, for tests that truncate a frame layer by layer.
enum class Layer {
    Link,
    Vlan,
    Llc,
    Pppoe,
    Ppp,
    Mpls,
    Ipv4,
    Ipv6,
    Ipv6Ext,
    Ah,
    Tcp,
    Udp,
    Icmp,
    Gre,
    Erspan,
    Vxlan,
    Geneve,
    Teredo,
    Nflog,
    Payload,
};

// ---- Header fields. Defaults give a valid header; designated initializers set the rest. ----

struct Eth {
    Mac dst{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    Mac src{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    std::optional<std::uint16_t> type{}; // from the next layer when unset
};

struct Vlan {
    std::uint16_t id = 100;
    std::uint8_t pcp = 0;
    bool dei = false;
    std::uint16_t tpid = 0x8100; // written into the previous layer's type field
    std::optional<std::uint16_t> type{};
};

struct LlcSnap {
    std::optional<std::uint16_t> type{};
};

struct Pppoe {
    std::uint16_t session = 0x0001;
    std::optional<std::uint16_t> length{};   // covers the PPP protocol field and what follows
    std::optional<std::uint16_t> protocol{}; // PPP protocol
};

struct Ppp {
    bool hdlc = false;       // RFC 1662 address 0xff, control 0x03 in front
    bool compressed = false; // RFC 1661 6.5 protocol field compression: one byte
    std::optional<std::uint16_t> protocol{};
};

struct Mpls {
    std::vector<std::uint32_t> labels{16};
    bool bottom = true; // set S on the last entry
    std::uint8_t ttl = 64;
};

struct Ipv4 {
    std::string_view src = "192.0.2.1";
    std::string_view dst = "198.51.100.2";
    std::optional<std::uint8_t> proto{};
    std::uint16_t id = 0x1234;
    bool df = false;
    bool mf = false;
    std::uint16_t frag_offset = 0; // in 8-byte units
    std::uint8_t ttl = 64;
    Octets options{}; // padded with EOL to a multiple of 4
    std::optional<std::uint8_t> version{};
    std::optional<std::uint8_t> ihl{}; // 32-bit words; from the options when unset
    std::optional<std::uint16_t> total_length{};
};

struct Ipv6 {
    std::string_view src = "2001:db8::1";
    std::string_view dst = "2001:db8::2";
    std::optional<std::uint8_t> next{};
    std::optional<std::uint16_t> payload_length{};
    std::uint8_t hop_limit = 64;
    std::uint32_t flow_label = 0;
    std::optional<std::uint8_t> version{};
};

/// Hop-by-Hop (0), Routing (43), Destination Options (60), Mobility (135)... : next header,
/// length in 8-octet units beyond the first, then `data` padded with Pad1 to a multiple of 8.
struct Ipv6Ext {
    std::uint8_t type = 60;
    std::optional<std::uint8_t> next{};
    Octets data{};
    std::optional<std::uint8_t> len8{};
};

struct Ipv6Frag {
    std::uint16_t offset = 0; // in 8-byte units
    bool more = false;
    std::uint32_t id = 0xcafe0001;
    std::optional<std::uint8_t> next{};
};

struct Ah {
    std::optional<std::uint8_t> next{};
    std::size_t icv_len = 12;
    std::optional<std::uint8_t> len{}; // RFC 4302 2.2: 32-bit words minus 2
    std::uint32_t spi = 0x100;
    std::uint32_t seq = 1;
};

struct Tcp {
    std::uint16_t sport = 40000;
    std::uint16_t dport = 80;
    std::uint32_t seq = 1000;
    std::uint32_t ack = 0;
    std::uint8_t flags = decode::tcp_flag::kSyn;
    std::uint16_t window = 65535;
    Octets options{};                          // padded with EOL to a multiple of 4
    std::optional<std::uint8_t> data_offset{}; // 32-bit words; from the options when unset
    std::uint16_t urgent = 0;
};

struct Udp {
    std::uint16_t sport = 50000;
    std::uint16_t dport = 53;
    std::optional<std::uint16_t> length{};
};

struct Icmp {
    std::uint8_t type = 8;
    std::uint8_t code = 0;
    bool v6 = false; // ICMPv6 (58) instead of ICMP (1)
};

struct Gre {
    bool checksum = false;
    bool key = false;
    bool sequence = false;
    bool ack = false; // version 1 only
    std::uint8_t version = 0;
    std::optional<std::uint16_t> protocol{};
    std::uint32_t key_value = 0x1;
    std::uint32_t seq_value = 0x2;
    std::uint32_t ack_value = 0x3;
    std::vector<Octets> routing{}; // RFC 1701 source route entries; sets R, ends with a null entry
};

struct Vxlan {
    std::uint8_t flags = 0x08;
    std::uint32_t vni = 42;
};

struct Geneve {
    std::uint8_t version = 0;
    Octets options{};                      // padded to 4
    std::optional<std::uint8_t> opt_len{}; // 4-byte words; from the options when unset
    std::optional<std::uint16_t> protocol{};
    std::uint32_t vni = 7;
};

struct Teredo {
    bool auth = false; // RFC 4380 5.1.1 authentication indicator
    std::uint8_t id_len = 0;
    std::uint8_t auth_len = 0;
    bool origin = false; // origin indication
};

struct Erspan3 {
    bool platform = false; // O bit: an 8-byte platform-specific subheader follows
};

struct Nflog {
    std::uint8_t family = 2;                              // AF_INET; Linux AF_INET6 is 10
    std::vector<std::pair<std::uint16_t, Octets>> tlvs{}; // metadata before the payload
    bool payload = true;
    std::optional<std::uint16_t> payload_tlv_length{};
};

class FrameBuilder {
public:
    // ---- Link layers ----
    FrameBuilder& ethernet(const Eth& f = {}) {
        fill(Slot::Ethertype, 0x6558); // transparent Ethernet bridging in GRE or GENEVE
        begin(Layer::Link);
        put(f.dst);
        put(f.src);
        type_field(f.type, Slot::Ethertype);
        return *this;
    }
    FrameBuilder& vlan(const Vlan& f = {}) {
        fill(Slot::Ethertype, f.tpid);
        begin(Layer::Vlan);
        be16(static_cast<std::uint16_t>(f.pcp << 13 | (f.dei ? 0x1000 : 0) | (f.id & 0x0fff)));
        type_field(f.type, Slot::Ethertype);
        return *this;
    }
    /// 802.2 LLC + SNAP after an 802.3 length field (set Eth::type to a length).
    FrameBuilder& llc_snap(const LlcSnap& f = {}) {
        begin(Layer::Llc);
        put(Octets{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00});
        type_field(f.type, Slot::Ethertype);
        return *this;
    }
    FrameBuilder& pppoe(const Pppoe& f = {}) {
        fill(Slot::Ethertype, 0x8864);
        const std::size_t start = begin(Layer::Pppoe);
        u8(0x11); // version 1, type 1
        u8(0x00); // session data
        be16(f.session);
        length_field(f.length, start + 6);
        if (f.protocol) {
            be16(*f.protocol);
        } else {
            pending_ = Pending{at(), Slot::Ppp, 2};
            be16(0);
        }
        return *this;
    }
    FrameBuilder& ppp(const Ppp& f = {}) {
        fill(Slot::Ethertype, 0x880b);
        begin(Layer::Ppp);
        if (f.hdlc) put(Octets{0xff, 0x03});
        const std::size_t width = f.compressed ? 1 : 2;
        if (f.protocol) {
            if (width == 1)
                u8(static_cast<std::uint8_t>(*f.protocol));
            else
                be16(*f.protocol);
        } else {
            pending_ = Pending{at(), Slot::Ppp, width};
            zeros(width);
        }
        return *this;
    }
    FrameBuilder& mpls(const Mpls& f = {}) {
        fill(Slot::Ethertype, 0x8847);
        fill(Slot::Ppp, 0x0281);
        fill(Slot::IpProto, 137);
        begin(Layer::Mpls);
        for (std::size_t i = 0; i < f.labels.size(); ++i) {
            const bool s = f.bottom && i + 1 == f.labels.size();
            be32(f.labels[i] << 12 | (s ? 0x100U : 0U) | f.ttl);
        }
        return *this;
    }
    /// RFC 4385 pseudowire control word: first nibble 0, so an Ethernet frame follows.
    FrameBuilder& mpls_control_word() {
        zeros(4);
        return *this;
    }
    FrameBuilder& sll(std::optional<std::uint16_t> protocol = {}) {
        begin(Layer::Link);
        be16(0); // packet type: to us
        be16(1); // ARPHRD_ETHER
        be16(6); // address length
        put(Octets{0x02, 0, 0, 0, 0, 0x01, 0, 0});
        type_field(protocol, Slot::Ethertype);
        return *this;
    }
    FrameBuilder& sll2(std::optional<std::uint16_t> protocol = {}) {
        begin(Layer::Link);
        type_field(protocol, Slot::Ethertype);
        be16(0); // reserved
        be32(2); // interface index
        be16(1); // ARPHRD_ETHER
        u8(0);   // packet type
        u8(6);   // address length
        put(Octets{0x02, 0, 0, 0, 0, 0x01, 0, 0});
        return *this;
    }
    /// DLT_NULL: the family in the capturing host's byte order.
    FrameBuilder& bsd_null(std::uint32_t family, bool little_endian = true) {
        begin(Layer::Link);
        if (little_endian) {
            for (int shift = 0; shift < 32; shift += 8)
                u8(static_cast<std::uint8_t>(family >> shift));
        } else {
            be32(family);
        }
        return *this;
    }
    /// DLT_LOOP: the family in network byte order.
    FrameBuilder& bsd_loop(std::uint32_t family) {
        begin(Layer::Link);
        be32(family);
        return *this;
    }
    /// DLT_NFLOG: header, metadata TLVs, then (unless f.payload is false) NFULA_PAYLOAD, whose
    /// value is everything added after this call.
    FrameBuilder& nflog(const Nflog& f = {}) {
        begin(Layer::Nflog);
        u8(f.family);
        u8(0);   // version
        be16(0); // resource id (the group)
        for (const auto& [type, value] : f.tlvs) {
            le16(static_cast<std::uint16_t>(4 + value.size()));
            le16(type);
            put(value);
            zeros((4 - value.size() % 4) % 4);
        }
        if (f.payload) {
            const std::size_t start = at();
            if (f.payload_tlv_length) {
                le16(*f.payload_tlv_length);
            } else {
                fixups_.push_back(Fixup{at(), start, true});
                le16(0);
            }
            le16(9); // NFULA_PAYLOAD
        }
        return *this;
    }

    // ---- IP ----
    FrameBuilder& ipv4(const Ipv4& f = {}) {
        fill(Slot::Ethertype, 0x0800);
        fill(Slot::Ppp, 0x0021);
        fill(Slot::IpProto, 4);
        const std::size_t start = begin(Layer::Ipv4);
        Octets options = f.options;
        while (options.size() % 4 != 0) options.push_back(0);
        const auto ihl = f.ihl.value_or(static_cast<std::uint8_t>(5 + options.size() / 4));
        u8(static_cast<std::uint8_t>(f.version.value_or(4) << 4 | (ihl & 0x0f)));
        u8(0); // DSCP/ECN
        length_field(f.total_length, start);
        be16(f.id);
        be16(static_cast<std::uint16_t>((f.df ? 0x4000 : 0) | (f.mf ? 0x2000 : 0) |
                                        (f.frag_offset & 0x1fff)));
        u8(f.ttl);
        type_field(f.proto, Slot::IpProto);
        be16(0); // checksum, computed by build()
        put(v4(f.src));
        put(v4(f.dst));
        put(options);
        checksums_.push_back(start);
        return *this;
    }
    FrameBuilder& ipv6(const Ipv6& f = {}) {
        fill(Slot::Ethertype, 0x86dd);
        fill(Slot::Ppp, 0x0057);
        fill(Slot::IpProto, 41);
        const std::size_t start = begin(Layer::Ipv6);
        be32(std::uint32_t{f.version.value_or(6)} << 28 | (f.flow_label & 0xfffff));
        length_field(f.payload_length, start + 40);
        type_field(f.next, Slot::IpProto);
        u8(f.hop_limit);
        put(v6(f.src));
        put(v6(f.dst));
        return *this;
    }
    FrameBuilder& ipv6_ext(const Ipv6Ext& f) {
        fill(Slot::IpProto, f.type);
        begin(Layer::Ipv6Ext);
        type_field(f.next, Slot::IpProto);
        Octets data = f.data;
        while ((data.size() + 2) % 8 != 0) data.push_back(0); // Pad1
        u8(f.len8.value_or(static_cast<std::uint8_t>((data.size() + 2) / 8 - 1)));
        put(data);
        return *this;
    }
    FrameBuilder& hop_by_hop(Octets options = {}) {
        return ipv6_ext({.type = 0, .data = std::move(options)});
    }
    FrameBuilder& dest_opts(Octets options = {}) {
        return ipv6_ext({.type = 60, .data = std::move(options)});
    }
    FrameBuilder& routing(Octets data = {0, 0, 0, 0, 0, 0}) {
        return ipv6_ext({.type = 43, .data = std::move(data)});
    }
    FrameBuilder& ipv6_fragment(const Ipv6Frag& f = {}) {
        fill(Slot::IpProto, 44);
        begin(Layer::Ipv6Ext);
        type_field(f.next, Slot::IpProto);
        u8(0);
        be16(static_cast<std::uint16_t>(f.offset << 3 | (f.more ? 1 : 0)));
        be32(f.id);
        return *this;
    }
    FrameBuilder& ah(const Ah& f = {}) {
        fill(Slot::IpProto, 51);
        begin(Layer::Ah);
        type_field(f.next, Slot::IpProto);
        u8(f.len.value_or(static_cast<std::uint8_t>((12 + f.icv_len) / 4 - 2)));
        be16(0);
        be32(f.spi);
        be32(f.seq);
        zeros(f.icv_len);
        return *this;
    }

    // ---- Transport ----
    FrameBuilder& tcp(const Tcp& f = {}) {
        fill(Slot::IpProto, 6);
        begin(Layer::Tcp);
        Octets options = f.options;
        while (options.size() % 4 != 0) options.push_back(0);
        be16(f.sport);
        be16(f.dport);
        be32(f.seq);
        be32(f.ack);
        const auto offset =
            f.data_offset.value_or(static_cast<std::uint8_t>(5 + options.size() / 4));
        u8(static_cast<std::uint8_t>(offset << 4));
        u8(f.flags);
        be16(f.window);
        be16(0); // checksum
        be16(f.urgent);
        put(options);
        return *this;
    }
    FrameBuilder& udp(const Udp& f = {}) {
        fill(Slot::IpProto, 17);
        const std::size_t start = begin(Layer::Udp);
        be16(f.sport);
        be16(f.dport);
        length_field(f.length, start);
        be16(0); // checksum
        return *this;
    }
    FrameBuilder& icmp(const Icmp& f = {}) {
        fill(Slot::IpProto, f.v6 ? 58 : 1);
        begin(Layer::Icmp);
        u8(f.type);
        u8(f.code);
        be16(0);
        be32(0x00010001);
        return *this;
    }

    // ---- Tunnels ----
    FrameBuilder& gre(const Gre& f = {}) {
        fill(Slot::IpProto, 47);
        begin(Layer::Gre);
        const bool routing = !f.routing.empty();
        std::uint16_t flags = f.version & 0x7;
        if (f.checksum) flags |= 0x8000;
        if (routing) flags |= 0x4000;
        if (f.key || f.version == 1) flags |= 0x2000;
        if (f.sequence) flags |= 0x1000;
        if (f.ack) flags |= 0x0080;
        be16(flags);
        type_field(f.protocol, Slot::Ethertype);
        if (f.version == 1) {
            be32(f.key_value); // payload length and call id
            if (f.sequence) be32(f.seq_value);
            if (f.ack) be32(f.ack_value);
        } else {
            if (f.checksum || routing) be32(0); // checksum and offset
            if (f.key) be32(f.key_value);
            if (f.sequence) be32(f.seq_value);
            for (const auto& entry : f.routing) {
                be16(0x0800); // address family
                u8(0);        // SRE offset
                u8(static_cast<std::uint8_t>(entry.size()));
                put(entry);
            }
            if (routing) be32(0); // the null entry that ends the list
        }
        return *this;
    }
    /// ERSPAN type II header (GRE protocol 0x88be with S set).
    FrameBuilder& erspan2() {
        fill(Slot::Ethertype, 0x88be);
        begin(Layer::Erspan);
        be32(0x10000001); // version 1, VLAN 0, session 1
        be32(0);
        return *this;
    }
    /// ERSPAN type III header (GRE protocol 0x22eb).
    FrameBuilder& erspan3(const Erspan3& f = {}) {
        fill(Slot::Ethertype, 0x22eb);
        begin(Layer::Erspan);
        be32(0x20000001); // version 2, VLAN 0, session 1
        be32(0x12345678); // timestamp
        be16(0);          // SGT
        u8(0);
        u8(f.platform ? 1 : 0);
        if (f.platform) zeros(8);
        return *this;
    }
    FrameBuilder& vxlan(const Vxlan& f = {}) {
        begin(Layer::Vxlan);
        u8(f.flags);
        zeros(3);
        be32(f.vni << 8);
        return *this;
    }
    FrameBuilder& geneve(const Geneve& f = {}) {
        begin(Layer::Geneve);
        Octets options = f.options;
        while (options.size() % 4 != 0) options.push_back(0);
        const auto opt_len = f.opt_len.value_or(static_cast<std::uint8_t>(options.size() / 4));
        u8(static_cast<std::uint8_t>(f.version << 6 | (opt_len & 0x3f)));
        u8(0);
        type_field(f.protocol, Slot::Ethertype);
        be32(f.vni << 8);
        put(options);
        return *this;
    }
    FrameBuilder& teredo(const Teredo& f = {}) {
        begin(Layer::Teredo);
        if (f.auth) {
            be16(0x0001);
            u8(f.id_len);
            u8(f.auth_len);
            zeros(std::size_t{f.id_len} + f.auth_len);
            put(Octets{1, 2, 3, 4, 5, 6, 7, 8}); // nonce
            u8(0);                               // confirmation
        }
        if (f.origin) {
            be16(0x0000);
            be16(0x1234 ^ 0xffff); // obfuscated port
            be32(0xc0000201 ^ 0xffffffff);
        }
        return *this;
    }

    // ---- Payload and odds ----
    FrameBuilder& arp() {
        fill(Slot::Ethertype, 0x0806);
        begin(Layer::Payload);
        put(Octets{0, 1, 8, 0, 6, 4, 0, 1});
        zeros(20);
        return *this;
    }
    FrameBuilder& payload(std::size_t n, std::uint8_t fill_byte = 0xab) {
        begin(Layer::Payload);
        for (std::size_t i = 0; i < n; ++i) u8(fill_byte);
        return *this;
    }
    FrameBuilder& raw(const Octets& bytes) {
        put(bytes);
        return *this;
    }
    /// Bytes after the datagrams that no length field counts: Ethernet padding, FCS.
    FrameBuilder& trailer(std::size_t n, std::uint8_t fill_byte = 0) {
        trailer_.insert(trailer_.end(), n, std::byte{fill_byte});
        return *this;
    }

    /// Where the `nth` layer of `kind` started, in bytes from the start of the frame.
    [[nodiscard]] std::size_t start(Layer kind, std::size_t nth = 0) const {
        std::size_t seen = 0;
        for (const auto& [k, offset] : starts_) {
            if (k == kind && seen++ == nth) return offset;
        }
        throw std::logic_error("FrameBuilder: no such layer");
    }
    [[nodiscard]] std::size_t size() const { return bytes_.size() + trailer_.size(); }

    [[nodiscard]] Bytes build() const {
        Bytes out = bytes_;
        for (const auto& f : fixups_) {
            const std::size_t value = out.size() - f.from;
            if (value > 0xffff) throw std::logic_error("FrameBuilder: length over 16 bits");
            const auto hi = std::byte{static_cast<std::uint8_t>(value >> 8)};
            const auto lo = std::byte{static_cast<std::uint8_t>(value)};
            out[f.at] = f.little_endian ? lo : hi;
            out[f.at + 1] = f.little_endian ? hi : lo;
        }
        for (std::size_t ip : checksums_) {
            const std::size_t ihl = (std::to_integer<std::size_t>(out[ip]) & 0x0f) * 4;
            if (ihl < 20 || ip + ihl > out.size()) continue;
            std::uint32_t sum = 0;
            for (std::size_t i = 0; i < ihl; i += 2) {
                sum += std::to_integer<std::uint32_t>(out[ip + i]) << 8 |
                       std::to_integer<std::uint32_t>(out[ip + i + 1]);
            }
            while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
            const auto checksum = static_cast<std::uint16_t>(~sum);
            out[ip + 10] = std::byte{static_cast<std::uint8_t>(checksum >> 8)};
            out[ip + 11] = std::byte{static_cast<std::uint8_t>(checksum)};
        }
        out.insert(out.end(), trailer_.begin(), trailer_.end());
        return out;
    }

    static std::array<std::uint8_t, 4> v4(std::string_view text) {
        std::array<std::uint8_t, 4> a{};
        if (inet_pton(AF_INET, std::string(text).c_str(), a.data()) != 1) {
            throw std::invalid_argument("FrameBuilder: bad IPv4 address");
        }
        return a;
    }
    static std::array<std::uint8_t, 16> v6(std::string_view text) {
        std::array<std::uint8_t, 16> a{};
        if (inet_pton(AF_INET6, std::string(text).c_str(), a.data()) != 1) {
            throw std::invalid_argument("FrameBuilder: bad IPv6 address");
        }
        return a;
    }

private:
    enum class Slot { Ethertype, IpProto, Ppp };
    struct Pending {
        std::size_t at;
        Slot slot;
        std::size_t width;
    };
    struct Fixup {
        std::size_t at;
        std::size_t from; // the length is the frame's end minus this offset
        bool little_endian;
    };

    std::size_t at() const { return bytes_.size(); }
    std::size_t begin(Layer kind) {
        pending_.reset(); // a type field left unfilled stays 0
        starts_.emplace_back(kind, at());
        return at();
    }
    /// Writes `code` into the previous layer's open type field if it is of this kind.
    void fill(Slot slot, std::uint16_t code) {
        if (!pending_ || pending_->slot != slot) return;
        if (pending_->width == 1) {
            bytes_[pending_->at] = std::byte{static_cast<std::uint8_t>(code)};
        } else {
            bytes_[pending_->at] = std::byte{static_cast<std::uint8_t>(code >> 8)};
            bytes_[pending_->at + 1] = std::byte{static_cast<std::uint8_t>(code)};
        }
        pending_.reset();
    }
    void type_field(std::optional<std::uint16_t> value, Slot slot) {
        const std::size_t width = slot == Slot::IpProto ? 1 : 2;
        const std::size_t offset = at();
        if (width == 1)
            u8(static_cast<std::uint8_t>(value.value_or(0)));
        else
            be16(value.value_or(0));
        if (!value) pending_ = Pending{offset, slot, width};
    }
    void type_field(std::optional<std::uint8_t> value, Slot slot) {
        type_field(value ? std::optional<std::uint16_t>{*value} : std::nullopt, slot);
    }
    void length_field(std::optional<std::uint16_t> value, std::size_t from) {
        if (!value) fixups_.push_back(Fixup{at(), from, false});
        be16(value.value_or(0));
    }

    void u8(std::uint8_t v) { bytes_.push_back(std::byte{v}); }
    void be16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
    }
    void le16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v));
        u8(static_cast<std::uint8_t>(v >> 8));
    }
    void be32(std::uint32_t v) {
        be16(static_cast<std::uint16_t>(v >> 16));
        be16(static_cast<std::uint16_t>(v));
    }
    void zeros(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) u8(0);
    }
    template <typename Range> void put(const Range& r) {
        for (auto b : r) u8(static_cast<std::uint8_t>(b));
    }

    Bytes bytes_;
    Bytes trailer_;
    std::optional<Pending> pending_;
    std::vector<Fixup> fixups_;
    std::vector<std::size_t> checksums_;
    std::vector<std::pair<Layer, std::size_t>> starts_;
};

// ---- Decoding helpers ----

/// A RawFrame over `bytes`; wire_len 0 means "as captured" (wire_len == caplen).
inline capture::RawFrame raw_frame(std::span<const std::byte> bytes, std::size_t wire_len = 0,
                                   std::int64_t ts_ns = 1'700'000'000'000'000'000,
                                   std::uint64_t frame_no = 1) {
    return capture::RawFrame{ts_ns, frame_no,
                             static_cast<std::uint32_t>(wire_len == 0 ? bytes.size() : wire_len),
                             bytes};
}

/// The first `caplen` bytes of `frame`, as a capture with that snaplen would hold them.
inline std::span<const std::byte> first(const Bytes& frame, std::size_t caplen) {
    return std::span<const std::byte>(frame).first(caplen);
}

/// Decodes one frame with a fresh decoder.
inline decode::PacketInfo decode_one(int dlt, std::span<const std::byte> bytes,
                                     std::size_t wire_len = 0) {
    decode::Decoder decoder(dlt);
    decode::PacketInfo info;
    decoder.decode(raw_frame(bytes, wire_len), info);
    return info;
}

/// Decodes `frame` cut to every length 0..size-1, each cut twice: captured whole, the frame
/// being only that long (wire_len == caplen), and cut by a snaplen (wire_len == frame.size()).
/// Calls check(cut, snaplen, info) for each; one decoder, so the counts must add up after.
template <typename Check> void for_each_cut(int dlt, const Bytes& frame, Check&& check) {
    decode::Decoder decoder(dlt);
    std::uint64_t frames = 0;
    for (bool snaplen : {false, true}) {
        for (std::size_t cut = 0; cut < frame.size(); ++cut) {
            decode::PacketInfo info;
            decoder.decode(raw_frame(first(frame, cut), snaplen ? frame.size() : cut), info);
            ++frames;
            check(cut, snaplen, info);
        }
    }
    if (decoder.stats().frames != frames || !decoder.stats().adds_up()) {
        throw std::logic_error("for_each_cut: decode stats do not add up");
    }
}

/// The frame stopped with `error`: Truncated with snap_cut when a snaplen cut it and the error
/// is a Truncated* one, Malformed otherwise.
inline ::testing::AssertionResult stopped_with(const decode::PacketInfo& info, bool snaplen,
                                               decode::DecodeError error) {
    const auto want = snaplen && decode::is_truncation(error) ? decode::Outcome::Truncated
                                                              : decode::Outcome::Malformed;
    if (info.outcome != want || info.error != error ||
        (want == decode::Outcome::Truncated && !info.snap_cut)) {
        return ::testing::AssertionFailure()
               << "got " << decode::to_string(info.outcome) << "/" << decode::to_string(info.error)
               << " snap_cut=" << info.snap_cut << ", want " << decode::to_string(want) << "/"
               << decode::to_string(error);
    }
    return ::testing::AssertionSuccess();
}

/// The frame gave this socket pair with this outcome.
inline ::testing::AssertionResult has_pair(const decode::PacketInfo& info, decode::Outcome outcome,
                                           std::string_view src, std::uint16_t sport,
                                           std::string_view dst, std::uint16_t dport) {
    const std::string got_src = decode::to_string(info.src);
    const std::string got_dst = decode::to_string(info.dst);
    const auto endpoint = [](std::string_view a, std::uint16_t port) {
        const bool v6 = a.find(':') != std::string_view::npos;
        return (v6 ? "[" : "") + std::string(a) + (v6 ? "]:" : ":") + std::to_string(port);
    };
    if (info.outcome != outcome || got_src != src || got_dst != dst || info.sport != sport ||
        info.dport != dport) {
        return ::testing::AssertionFailure()
               << "got " << decode::to_string(info.outcome) << " " << endpoint(got_src, info.sport)
               << " > " << endpoint(got_dst, info.dport) << " (error "
               << decode::to_string(info.error) << "), want " << decode::to_string(outcome) << " "
               << endpoint(src, sport) << " > " << endpoint(dst, dport);
    }
    return ::testing::AssertionSuccess();
}

} // namespace pairwatch::test
