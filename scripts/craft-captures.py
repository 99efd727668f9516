#!/usr/bin/python3
"""Writes pairwatch's crafted captures: deterministic edge cases, one small file per theme.

    /usr/bin/python3 scripts/craft-captures.py            writes captures/crafted-*.pcap[ng]
    /usr/bin/python3 scripts/craft-captures.py --check    also runs build/release/pairwatch on
                                                          each file and compares its --packets
                                                          output with what each frame should give

Every frame is built byte by byte here (scapy for a few non-IP frames), with fixed timestamps and
addresses from the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/32. Nothing
is sent anywhere: the frames only go into files. The same input always gives the same files.

Each frame carries what a correct decoder makes of it (`expect`), per the RFCs cited beside it:
a --packets line (without frame number and timestamp), or the outcome it is counted under
(other_ip, non_ip, unmatched_fragment, truncated:REASON, malformed:REASON). They are written to
captures/crafted-frames.tsv, so a reviewer can read a golden diff frame by frame; --check reports
each frame where pairwatch disagrees.
"""

import argparse
import ipaddress
import logging
import os
import socket
import struct
import subprocess
import sys

logging.getLogger("scapy").setLevel(logging.ERROR)
try:
    from scapy.all import ARP, LLC, SNAP, Dot11, ICMP, IPv6, ICMPv6EchoRequest
except ImportError:
    sys.exit("craft-captures.py needs scapy: apt-get install python3-scapy "
             "(and run it with /usr/bin/python3)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "captures")

T0 = 1_700_000_000 * 10**9  # 2023-11-14 22:13:20 UTC, in ns

# Documentation addresses (RFC 5737, RFC 3849).
A4, B4 = "192.0.2.10", "198.51.100.20"          # client, server
TA4, TB4 = "192.0.2.1", "198.51.100.1"          # tunnel endpoints
IA4, IB4 = "192.0.2.100", "198.51.100.200"      # inside a tunnel
A6, B6 = "2001:db8::10", "2001:db8:1::20"
TA6, TB6 = "2001:db8:ffff::1", "2001:db8:ffff::2"
IA6, IB6 = "2001:db8:a::1", "2001:db8:b::2"
MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:14"

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 1, 2, 4, 8, 16, 32, 64, 128

ETH_IPV4, ETH_IPV6, ETH_ARP = 0x0800, 0x86DD, 0x0806
ETH_VLAN, ETH_QINQ, ETH_QINQ_OLD = 0x8100, 0x88A8, 0x9100
ETH_MPLS, ETH_PPPOE_DISC, ETH_PPPOE_SESS = 0x8847, 0x8863, 0x8864
ETH_TEB, ETH_PPP, ETH_ERSPAN2 = 0x6558, 0x880B, 0x88BE

P_HOPOPT, P_ICMP, P_IPIP, P_TCP, P_UDP, P_IPV6 = 0, 1, 4, 6, 17, 41
P_ROUTING, P_FRAGMENT, P_GRE, P_ESP, P_AH, P_ICMPV6 = 43, 44, 47, 50, 51, 58
P_NONE, P_DSTOPTS, P_MOBILITY = 59, 60, 135


# --- byte builders -----------------------------------------------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def is_v6(addr):
    return ":" in addr


def addr_bytes(addr):
    return socket.inet_pton(socket.AF_INET6 if is_v6(addr) else socket.AF_INET, addr)


def pseudo_header(src, dst, proto, length):
    if is_v6(src):
        return addr_bytes(src) + addr_bytes(dst) + struct.pack("!IxxxB", length, proto)
    return addr_bytes(src) + addr_bytes(dst) + struct.pack("!xBH", proto, length)


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def eth(ethertype, payload, src=MAC_A, dst=MAC_B):
    return mac(dst) + mac(src) + struct.pack("!H", ethertype) + payload


def tag(tci, ethertype):
    """An 802.1Q/802.1ad tag body: TCI, then the next ethertype."""
    return struct.pack("!HH", tci, ethertype)


def ip4(src, dst, proto, payload, *, ident=0x4242, ttl=64, df=False, mf=False, offset8=0,
        options=b"", total=None, ihl=None, version=4, tos=0):
    assert len(options) % 4 == 0
    ihl_words = (20 + len(options)) // 4 if ihl is None else ihl
    total_len = 20 + len(options) + len(payload) if total is None else total
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | offset8
    header = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl_words, tos, total_len, ident, flags,
                         ttl, proto, 0, addr_bytes(src), addr_bytes(dst)) + options
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ip6(src, dst, nh, payload, *, plen=None, version=6, hlim=64):
    length = len(payload) if plen is None else plen
    return (struct.pack("!IHBB", version << 28, length, nh, hlim) + addr_bytes(src) +
            addr_bytes(dst) + payload)


def ip(src, dst, proto, payload, **kw):
    return ip6(src, dst, proto, payload, **kw) if is_v6(src) else ip4(src, dst, proto, payload, **kw)


def tcp(src, dst, sport, dport, flags=SYN, payload=b"", *, seq=1000, ack=0, window=64240,
        options=b"", doff=None, urg=0, reserved=0):
    assert len(options) % 4 == 0
    words = (20 + len(options)) // 4 if doff is None else doff
    if flags & ACK and not ack:
        ack = 5000
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, words << 4 | reserved, flags,
                         window, 0, urg) + options
    segment = header + payload
    c = checksum(pseudo_header(src, dst, P_TCP, len(segment)) + segment)
    return segment[:16] + struct.pack("!H", c) + segment[18:]


def udp(src, dst, sport, dport, payload=b"", *, length=None):
    ulen = 8 + len(payload) if length is None else length
    datagram = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = checksum(pseudo_header(src, dst, P_UDP, len(datagram)) + datagram) or 0xFFFF
    return datagram[:6] + struct.pack("!H", c) + datagram[8:]


def tcp_ip(src, dst, sport, dport, flags=SYN, payload=b"", **kw):
    """A whole IPv4 or IPv6 packet carrying one TCP segment."""
    return ip(src, dst, P_TCP, tcp(src, dst, sport, dport, flags, payload, **kw))


def udp_ip(src, dst, sport, dport, payload=b""):
    return ip(src, dst, P_UDP, udp(src, dst, sport, dport, payload))


def pad_options(opts, header_fixed=2):
    """IPv6 option area padded (Pad1/PadN) so that the header is a multiple of 8 bytes."""
    n = (-(header_fixed + len(opts))) % 8
    if n == 1:
        return opts + b"\x00"
    if n:
        return opts + bytes([1, n - 2]) + b"\0" * (n - 2)
    return opts


def opts_header(nh, opts=b""):
    """Hop-by-Hop or Destination Options header (RFC 8200 4.3, 4.6)."""
    body = pad_options(opts)
    return bytes([nh, (2 + len(body)) // 8 - 1]) + body


def routing0(nh, addresses, segleft):
    """Type 0 routing header (RFC 2460, deprecated by RFC 5095 but still on the wire)."""
    body = bytes([0, segleft]) + b"\0" * 4 + b"".join(addr_bytes(a) for a in addresses)
    return bytes([nh, 2 * len(addresses)]) + body


def srh(nh, segments, segleft):
    """Segment Routing Header, routing type 4 (RFC 8754)."""
    body = bytes([4, segleft, len(segments) - 1, 0]) + b"\0\0" + b"".join(
        addr_bytes(a) for a in segments)
    return bytes([nh, 2 * len(segments)]) + body


def frag6(nh, offset8, more, ident):
    return struct.pack("!BBHI", nh, 0, offset8 << 3 | (1 if more else 0), ident)


def ah(nh, icv=b"\xaa" * 12, spi=0x1000, seq=1):
    """IP Authentication Header (RFC 4302): length in 4-octet units minus 2."""
    body = struct.pack("!II", spi, seq) + icv
    return bytes([nh, (4 + len(body)) // 4 - 2]) + b"\0\0" + body


def gre(proto, payload, *, checksum_present=False, key=None, seq=None, version=0):
    flags = version
    extra = b""
    if checksum_present:
        flags |= 0x8000
    if key is not None:
        flags |= 0x2000
    if seq is not None:
        flags |= 0x1000
    if checksum_present:
        extra += b"\0\0\0\0"
    if key is not None:
        extra += struct.pack("!I", key)
    if seq is not None:
        extra += struct.pack("!I", seq)
    header = struct.pack("!HH", flags, proto) + extra
    if checksum_present:
        c = checksum(header + payload)
        header = header[:4] + struct.pack("!H", c) + header[6:]
    return header + payload


def mpls(labels, payload):
    """A label stack (RFC 3032); the last entry gets the bottom-of-stack bit."""
    out = b""
    for i, label in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", label << 12 | bos << 8 | 64)
    return out + payload


def vxlan(vni, frame):
    return struct.pack("!II", 0x08000000, vni << 8) + frame


def geneve(proto, payload, options=b"", vni=0x123):
    assert len(options) % 4 == 0
    return struct.pack("!BBHI", len(options) // 4, 0, proto, vni << 8) + options + payload


def pppoe_session(ppp_proto, payload, session=0x0011):
    body = struct.pack("!H", ppp_proto) + payload
    return struct.pack("!BBHH", 0x11, 0x00, session, len(body)) + body


def payload_bytes(n, seed=0):
    return bytes((seed + i) & 0xFF for i in range(n))


def fmt_addr(addr):
    a = ipaddress.ip_address(addr)
    if a.version == 6:
        if a.ipv4_mapped:
            return "[::ffff:%s]" % a.ipv4_mapped  # inet_ntop's spelling
        return "[%s]" % a.compressed
    return str(a)


def flags_text(flags):
    letters = "".join(c for bit, c in ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"),
                                       (ACK, "."), (URG, "U"), (ECE, "E"), (CWR, "W"))
                      if flags & bit)
    return "[%s]" % (letters or "none")


def L(proto, src, sport, dst, dport, flags=None, length=0, frag=False):
    """The --packets line a frame should give, without frame number and timestamp."""
    if proto == "TCP" and not frag:
        f = flags_text(flags) if isinstance(flags, int) else flags
    else:
        f = "-"
    text = "%s %s:%d > %s:%d %s %d" % (proto, fmt_addr(src), sport, fmt_addr(dst), dport, f,
                                       length)
    return text + (" frag" if frag else "")


# --- files -------------------------------------------------------------------------------------

class Capture:
    """One crafted capture: frames with their expected decode, written as pcap or pcapng."""

    def __init__(self, name, linktype, *, nano=False, big_endian=False, snaplen=262144,
                 why=""):
        self.name, self.linktype, self.nano = name, linktype, nano
        self.big_endian, self.snaplen, self.why = big_endian, snaplen, why
        self.frames = []  # (ts_ns, data, wirelen, expect, note)

    def add(self, data, expect, note, *, wirelen=None, ts_ns=None):
        if ts_ns is None:
            ts_ns = T0 + len(self.frames) * 1_000_000
        self.frames.append((ts_ns, bytes(data), len(data) if wirelen is None else wirelen,
                            expect, note))

    def pcap_bytes(self):
        e = ">" if self.big_endian else "<"
        magic = 0xA1B23C4D if self.nano else 0xA1B2C3D4
        out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, self.snaplen, self.linktype)]
        for ts, data, wirelen, _, _ in self.frames:
            sec, frac = divmod(ts, 10**9)
            if not self.nano:
                frac //= 1000
            out.append(struct.pack(e + "IIII", sec, frac, len(data), wirelen) + data)
        return b"".join(out)

    def write(self, data=None):
        with open(os.path.join(OUT, self.name), "wb") as f:
            f.write(self.pcap_bytes() if data is None else data)


def pcapng_option(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def pcapng_block(block_type, body):
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def pcapng_bytes(capture, interfaces, frame_interface):
    """interfaces: list of (linktype, name, tsresol); frame_interface[i]: interface of frame i."""
    shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + pcapng_option(
        4, b"pairwatch craft-captures.py") + pcapng_option(0, b"")
    out = [pcapng_block(0x0A0D0D0A, shb)]
    for linktype, name, tsresol in interfaces:
        opts = pcapng_option(2, name.encode())
        if tsresol is not None:
            opts += pcapng_option(9, bytes([tsresol]))
        opts += pcapng_option(0, b"")
        out.append(pcapng_block(1, struct.pack("<HHI", linktype, 0, 262144) + opts))
    for (ts, data, wirelen, _, _), ifc in zip(capture.frames, frame_interface):
        tsresol = interfaces[ifc][2]
        units = 10 ** (tsresol if tsresol is not None else 6)
        ticks = ts * units // 10**9
        body = struct.pack("<IIIII", ifc, ticks >> 32, ticks & 0xFFFFFFFF, len(data), wirelen)
        body += data + b"\0" * (-len(data) % 4)
        out.append(pcapng_block(6, body))
    return b"".join(out)


# --- the captures ------------------------------------------------------------------------------

def vlan_qinq():
    c = Capture("crafted-vlan-qinq.pcap", 1, why="802.1Q, 802.1ad QinQ, 0x9100 and LLC/SNAP "
                "framing around IPv4/IPv6 TCP and UDP")
    c.add(eth(ETH_VLAN, tag(10, ETH_IPV4) + tcp_ip(A4, B4, 40001, 80, SYN)),
          L("TCP", A4, 40001, B4, 80, SYN, 0), "802.1Q VLAN 10, IPv4 TCP SYN")
    c.add(eth(ETH_VLAN, tag(10, ETH_IPV4) + tcp_ip(B4, A4, 80, 40001, SYN | ACK), MAC_B, MAC_A),
          L("TCP", B4, 80, A4, 40001, SYN | ACK, 0), "802.1Q VLAN 10, the SYN-ACK")
    q = payload_bytes(12)
    c.add(eth(ETH_QINQ, tag(100, ETH_VLAN) + tag(200, ETH_IPV4) + udp_ip(A4, B4, 40003, 53, q)),
          L("UDP", A4, 40003, B4, 53, length=12), "802.1ad S-tag 100 + C-tag 200 (QinQ), UDP")
    c.add(eth(ETH_QINQ, tag(100, ETH_VLAN) + tag(200, ETH_IPV4) +
              udp_ip(B4, A4, 53, 40003, payload_bytes(28)), MAC_B, MAC_A),
          L("UDP", B4, 53, A4, 40003, length=28), "QinQ, the reply")
    c.add(eth(ETH_QINQ_OLD, tag(300, ETH_VLAN) + tag(400, ETH_IPV6) +
              tcp_ip(A6, B6, 40005, 443, SYN)),
          L("TCP", A6, 40005, B6, 443, SYN, 0), "pre-standard 0x9100 outer tag + 802.1Q, IPv6 TCP")
    c.add(eth(ETH_VLAN, tag(5 << 13 | 1 << 12 | 30, ETH_IPV4) + tcp_ip(A4, B4, 40006, 22, SYN)),
          L("TCP", A4, 40006, B4, 22, SYN, 0), "802.1Q PCP 5, DEI 1, VID 30: only 12 bits are the VID")
    c.add(eth(ETH_VLAN, tag(6 << 13, ETH_IPV6) + udp_ip(A6, B6, 40007, 123, payload_bytes(48))),
          L("UDP", A6, 40007, B6, 123, length=48), "priority-tagged frame (VID 0), IPv6 UDP")
    c.add(eth(ETH_QINQ, tag(101, ETH_VLAN) + tag(201, ETH_VLAN) + tag(301, ETH_IPV4) +
              udp_ip(A4, B4, 40008, 161, payload_bytes(20))),
          L("UDP", A4, 40008, B4, 161, length=20), "three tags (88a8, 8100, 8100)")
    llc_ip = tcp_ip(A4, B4, 40009, 25, SYN)
    llc = b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", ETH_IPV4) + llc_ip
    c.add(eth(len(llc), llc), L("TCP", A4, 40009, B4, 25, SYN, 0),
          "802.3 length field + LLC/SNAP carrying IPv4 (RFC 1042)")
    llc_ip = udp_ip(A4, B4, 40010, 69, payload_bytes(10))
    llc = b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", ETH_IPV4) + llc_ip
    c.add(eth(ETH_VLAN, tag(20, len(llc)) + llc), L("UDP", A4, 40010, B4, 69, length=10),
          "802.1Q VLAN 20, then an 802.3 length + LLC/SNAP IPv4 UDP")
    arp = bytes(ARP(op=1, hwsrc=MAC_A, psrc=A4, pdst=B4))
    c.add(eth(ETH_VLAN, tag(10, ETH_ARP) + arp, dst="ff:ff:ff:ff:ff:ff"), "non_ip",
          "802.1Q VLAN 10, ARP request")
    stp = b"\x42\x42\x03" + b"\0" * 35
    c.add(eth(ETH_VLAN, tag(10, len(stp)) + stp, dst="01:80:c2:00:00:00"), "non_ip",
          "802.1Q VLAN 10, plain LLC (STP BPDU)")
    return [c]


def ipv6_ext():
    c = Capture("crafted-ipv6-ext.pcap", 1, why="IPv6 extension header chains (HBH, routing "
                "0 and 4, destination options, AH, ESP, mobility, fragment, atomic fragment, "
                "jumbogram) in front of TCP and UDP")

    def v6(nh, chain, note, expect):
        c.add(eth(ETH_IPV6, ip6(A6, B6, nh, chain)), expect, note)

    v6(P_HOPOPT, opts_header(P_TCP) + tcp(A6, B6, 41001, 80, SYN),
       "Hop-by-Hop (PadN) -> TCP", L("TCP", A6, 41001, B6, 80, SYN, 0))
    v6(P_HOPOPT, opts_header(P_ROUTING) + routing0(P_UDP, [B6], 0) +
       udp(A6, B6, 41002, 53, payload_bytes(20)),
       "Hop-by-Hop -> routing type 0 (segments left 0) -> UDP",
       L("UDP", A6, 41002, B6, 53, length=20))
    v6(P_DSTOPTS, opts_header(P_TCP) + tcp(A6, B6, 41003, 443, SYN),
       "Destination Options -> TCP", L("TCP", A6, 41003, B6, 443, SYN, 0))
    v6(P_HOPOPT, opts_header(P_DSTOPTS) + opts_header(P_ROUTING) + routing0(P_FRAGMENT, [B6], 0) +
       frag6(P_UDP, 0, False, 0x77) + udp(A6, B6, 41004, 514, payload_bytes(30)),
       "HBH -> DestOpts -> Routing -> atomic Fragment (offset 0, M 0) -> UDP: a whole datagram "
       "(RFC 8200 4.5, RFC 6946)", L("UDP", A6, 41004, B6, 514, length=30))
    v6(P_AH, ah(P_TCP) + tcp(A6, B6, 41005, 22, SYN), "AH (RFC 4302) -> TCP",
       L("TCP", A6, 41005, B6, 22, SYN, 0))
    v6(P_DSTOPTS, opts_header(P_AH) + ah(P_UDP) + udp(A6, B6, 41006, 500, payload_bytes(16)),
       "DestOpts -> AH -> UDP", L("UDP", A6, 41006, B6, 500, length=16))
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_AH, ah(P_TCP) + tcp(A4, B4, 41007, 179, SYN))),
          L("TCP", A4, 41007, B4, 179, SYN, 0), "IPv4 -> AH -> TCP")
    v6(P_ESP, struct.pack("!II", 0x2000, 1) + payload_bytes(40), "ESP: encrypted, no ports",
       "other_ip")
    v6(P_DSTOPTS, opts_header(P_NONE), "DestOpts -> No Next Header (59)", "other_ip")
    mobility = bytes([P_NONE, 0, 0, 0]) + b"\0\0" + b"\0\0"  # MH type 0 (BRR), 8 bytes
    v6(P_MOBILITY, mobility, "Mobility header (RFC 6275), payload proto 59", "other_ip")
    # A fragmented UDP datagram behind HBH + routing (the unfragmentable part, repeated in each
    # fragment, RFC 8200 4.5). UDP length 108: 40 bytes in the first fragment, 68 in the last.
    dgram = udp(A6, B6, 41011, 4500, payload_bytes(100))
    unfrag = opts_header(P_ROUTING) + routing0(P_FRAGMENT, [B6], 0)
    v6(P_HOPOPT, unfrag + frag6(P_UDP, 0, True, 0x1111) + dgram[:40],
       "HBH -> Routing -> Fragment (first, M 1) -> UDP header",
       L("UDP", A6, 41011, B6, 4500, length=32))
    v6(P_HOPOPT, unfrag + frag6(P_UDP, 5, False, 0x1111) + dgram[40:],
       "HBH -> Routing -> Fragment (offset 40, last)",
       L("UDP", A6, 41011, B6, 4500, length=68, frag=True))
    v6(P_HOPOPT, opts_header(P_DSTOPTS) + opts_header(P_ROUTING) + routing0(P_DSTOPTS, [B6], 0) +
       opts_header(P_TCP) + tcp(A6, B6, 41013, 80, SYN),
       "RFC 8200 4.1 order: HBH, DestOpts, Routing, DestOpts -> TCP",
       L("TCP", A6, 41013, B6, 80, SYN, 0))
    chain = opts_header(P_TCP) + tcp(A6, B6, 41014, 80, SYN)
    for _ in range(5):
        chain = opts_header(P_DSTOPTS) + chain
    v6(P_DSTOPTS, chain, "six Destination Options headers in a row (legal, odd) -> TCP",
       L("TCP", A6, 41014, B6, 80, SYN, 0))
    # Routing headers with segments left > 0: the header's destination is the next hop, not
    # the final destination. The key here is the packet as seen on this link, as tshark shows it.
    waypoint = "2001:db8:2::1"
    c.add(eth(ETH_IPV6, ip6(A6, waypoint, P_ROUTING, routing0(P_TCP, [B6], 1) +
                            tcp(A6, B6, 41015, 80, SYN))),
          L("TCP", A6, 41015, waypoint, 80, SYN, 0),
          "routing type 0 with segments left 1: dst is the waypoint (as tshark keys it)")
    c.add(eth(ETH_IPV6, ip6(A6, waypoint, P_ROUTING, srh(P_TCP, [B6, waypoint], 1) +
                            tcp(A6, B6, 41016, 80, SYN))),
          L("TCP", A6, 41016, waypoint, 80, SYN, 0),
          "segment routing header (type 4) with segments left 1")
    # RFC 2675 jumbogram: payload length 0, a Jumbo Payload option with the real length
    # (HBH + TCP + data = 70000), cut by a 128-byte snaplen.
    jumbo_opt = b"\xc2\x04" + struct.pack("!I", 70000)
    hbh = opts_header(P_TCP, jumbo_opt)
    seg = tcp(A6, B6, 41017, 80, ACK, b"", seq=1)  # header only; data added as length below
    data_len = 70000 - len(hbh) - len(seg)
    full = eth(ETH_IPV6, ip6(A6, B6, P_HOPOPT, hbh + seg, plen=0)) + payload_bytes(64)
    c.add(full[:128], L("TCP", A6, 41017, B6, 80, ACK, data_len),
          "RFC 2675 jumbogram (payload length 0, jumbo 70000) cut by a 128-byte snaplen",
          wirelen=14 + 40 + 70000)
    return [c]


def fragments():
    c = Capture("crafted-fragments.pcap", 1, why="IPv4 and IPv6 fragments of UDP, TCP, ICMP: "
                "in order, out of order, duplicated, tiny first fragment")

    def frag4(src, dst, proto, transport, ident, pieces, order=None, expect=None, notes=None):
        """pieces: fragment sizes in bytes (multiples of 8 except the last); order: the order
        the fragments are sent in, which `expect` and `notes` follow."""
        offsets, at = [], 0
        for size in pieces:
            offsets.append((at, size))
            at += size
        frames = []
        for i, (off, size) in enumerate(offsets):
            more = i < len(offsets) - 1
            frames.append(eth(ETH_IPV4, ip4(src, dst, proto, transport[off:off + size],
                                            ident=ident, mf=more, offset8=off // 8)))
        for k, i in enumerate(order or range(len(frames))):
            c.add(frames[i], expect[k], notes[k])  # expectations in the order sent

    def frag6s(src, dst, nh, transport, ident, pieces, order=None, expect=None, notes=None):
        at, frames = 0, []
        for i, size in enumerate(pieces):
            more = i < len(pieces) - 1
            frames.append(eth(ETH_IPV6, ip6(src, dst, P_FRAGMENT,
                                            frag6(nh, at // 8, more, ident) +
                                            transport[at:at + size])))
            at += size
        for k, i in enumerate(order or range(len(frames))):
            c.add(frames[i], expect[k], notes[k])  # expectations in the order sent

    # IPv4 UDP, in order: UDP length 608 split 256 + 256 + 96.
    u = udp(A4, B4, 42001, 5001, payload_bytes(600))
    frag4(A4, B4, P_UDP, u, 0x1001, [256, 256, 96],
          expect=[L("UDP", A4, 42001, B4, 5001, length=248),
                  L("UDP", A4, 42001, B4, 5001, length=256, frag=True),
                  L("UDP", A4, 42001, B4, 5001, length=96, frag=True)],
          notes=["IPv4 UDP first fragment (UDP header + 248 bytes)",
                 "IPv4 UDP middle fragment", "IPv4 UDP last fragment"])
    # IPv4 TCP, in order: 520-byte segment split 256 + 256 + 8.
    t = tcp(A4, B4, 42002, 80, PSH | ACK, payload_bytes(500))
    frag4(A4, B4, P_TCP, t, 0x1002, [256, 256, 8],
          expect=[L("TCP", A4, 42002, B4, 80, PSH | ACK, 236),
                  L("TCP", A4, 42002, B4, 80, length=256, frag=True),
                  L("TCP", A4, 42002, B4, 80, length=8, frag=True)],
          notes=["IPv4 TCP first fragment", "IPv4 TCP middle fragment",
                 "IPv4 TCP last fragment"])
    # IPv4 UDP, reversed (last, middle, first): the later fragments arrive before the one with
    # the ports, so without reassembly buffering they cannot be attributed.
    u = udp(A4, B4, 42003, 5003, payload_bytes(600))
    frag4(A4, B4, P_UDP, u, 0x1003, [256, 256, 96], order=[2, 1, 0],
          expect=["unmatched_fragment", "unmatched_fragment",
                  L("UDP", A4, 42003, B4, 5003, length=248)],
          notes=["IPv4 UDP last fragment, sent first", "IPv4 UDP middle fragment, second",
                 "IPv4 UDP first fragment, sent last"])
    # IPv6 UDP, in order.
    u = udp(A6, B6, 42004, 5004, payload_bytes(600))
    frag6s(A6, B6, P_UDP, u, 0x2004, [256, 256, 96],
           expect=[L("UDP", A6, 42004, B6, 5004, length=248),
                   L("UDP", A6, 42004, B6, 5004, length=256, frag=True),
                   L("UDP", A6, 42004, B6, 5004, length=96, frag=True)],
           notes=["IPv6 UDP first fragment", "IPv6 UDP middle fragment",
                  "IPv6 UDP last fragment"])
    # IPv6 TCP, a later fragment before the first: middle, first, last.
    t = tcp(A6, B6, 42005, 443, PSH | ACK, payload_bytes(500))
    frag6s(A6, B6, P_TCP, t, 0x2005, [256, 256, 8], order=[1, 0, 2],
           expect=["unmatched_fragment", L("TCP", A6, 42005, B6, 443, PSH | ACK, 236),
                   L("TCP", A6, 42005, B6, 443, length=8, frag=True)],
           notes=["IPv6 TCP middle fragment, before the first", "IPv6 TCP first fragment",
                  "IPv6 TCP last fragment"])
    # ICMP echo, fragmented: no ports in any fragment.
    icmp = bytes(ICMP(type=8, id=7, seq=1) / payload_bytes(300))
    frag4(A4, B4, P_ICMP, icmp, 0x1006, [160, 148],
          expect=["other_ip", "other_ip"],
          notes=["IPv4 ICMP echo, first fragment", "IPv4 ICMP echo, last fragment"])
    icmp6 = bytes(IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=7, seq=1, data=payload_bytes(300)))[40:]
    frag6s(A6, B6, P_ICMPV6, icmp6, 0x2007, [160, 148],
           expect=["other_ip", "other_ip"],
           notes=["ICMPv6 echo, first fragment", "ICMPv6 echo, last fragment"])
    # A retransmitted first fragment, then the rest.
    u = udp(A4, B4, 42008, 5008, payload_bytes(300))
    frag4(A4, B4, P_UDP, u, 0x1008, [160, 148], order=[0, 0, 1],
          expect=[L("UDP", A4, 42008, B4, 5008, length=152),
                  L("UDP", A4, 42008, B4, 5008, length=152),
                  L("UDP", A4, 42008, B4, 5008, length=148, frag=True)],
          notes=["IPv4 UDP first fragment", "the same first fragment again (duplicate)",
                 "IPv4 UDP last fragment"])
    # RFC 1858 tiny fragment: the first fragment holds only 8 bytes of the TCP header (ports
    # and sequence number, no flags); the rest follows at offset 8. Legal for RFC 791, the
    # classic filter-evasion shape for RFC 1858/3128; the flags are not in the first fragment.
    t = tcp(A4, B4, 42009, 22, SYN)
    frag4(A4, B4, P_TCP, t, 0x1009, [8, 12],
          expect=["malformed:first_fragment_too_short", "unmatched_fragment"],
          notes=["IPv4 TCP tiny first fragment (8 bytes: ports, seq; RFC 1858)",
                 "its second fragment with the flags"])
    return [c]


def tunnels():
    c = Capture("crafted-tunnels.pcap", 1, why="every tunnel pairwatch opens: GRE (IP, "
                "Ethernet, key/seq/checksum, PPTP, ERSPAN), VXLAN, GENEVE, IP-in-IP, Teredo, "
                "MPLS, MPLS-in-UDP, PPPoE; the innermost socket pair counts")
    inner4 = lambda sp, dp, fl=SYN: tcp_ip(IA4, IB4, sp, dp, fl)  # noqa: E731
    inner4u = lambda sp, dp, n: udp_ip(IA4, IB4, sp, dp, payload_bytes(n))  # noqa: E731
    inner6 = lambda sp, dp, fl=SYN: tcp_ip(IA6, IB6, sp, dp, fl)  # noqa: E731
    inner6u = lambda sp, dp, n: udp_ip(IA6, IB6, sp, dp, payload_bytes(n))  # noqa: E731

    def outer4(proto, payload):
        return eth(ETH_IPV4, ip4(TA4, TB4, proto, payload))

    def outer_udp4(sport, dport, payload):
        return eth(ETH_IPV4, udp_ip(TA4, TB4, sport, dport, payload))

    inner_eth = lambda pkt, t=ETH_IPV4: eth(t, pkt, "02:00:00:00:01:01", "02:00:00:00:01:02")  # noqa

    c.add(outer4(P_GRE, gre(ETH_IPV4, inner4(43001, 80))), L("TCP", IA4, 43001, IB4, 80, SYN),
          "IPv4 / GRE (0x0800) / IPv4 TCP")
    c.add(outer4(P_GRE, gre(ETH_IPV6, inner6u(43002, 53, 20))),
          L("UDP", IA6, 43002, IB6, 53, length=20), "IPv4 / GRE (0x86dd) / IPv6 UDP")
    c.add(outer4(P_GRE, gre(ETH_TEB, inner_eth(inner4u(43003, 5060, 40)))),
          L("UDP", IA4, 43003, IB4, 5060, length=40),
          "IPv4 / GRE (0x6558 transparent Ethernet bridging) / Ethernet / IPv4 UDP")
    c.add(outer4(P_GRE, gre(ETH_IPV4, inner4(43004, 22), checksum_present=True, key=0x1234,
                            seq=7)),
          L("TCP", IA4, 43004, IB4, 22, SYN), "GRE with checksum, key and sequence (RFC 2890)")
    c.add(eth(ETH_IPV6, ip6(TA6, TB6, P_GRE, gre(ETH_IPV4, inner4(43005, 443)))),
          L("TCP", IA4, 43005, IB4, 443, SYN), "IPv6 / GRE / IPv4 TCP")
    ppp_payload = inner4(43006, 80)
    # K and S flags, version 1; key = payload length + call id; sequence number.
    pptp = struct.pack("!HHHHI", 0x3001, ETH_PPP, len(ppp_payload) + 4, 0x0042, 9)
    c.add(outer4(P_GRE, pptp + b"\xff\x03\x00\x21" + ppp_payload),
          L("TCP", IA4, 43006, IB4, 80, SYN), "PPTP enhanced GRE (version 1, RFC 2637) / PPP / IPv4")
    c.add(outer_udp4(50000, 4789, vxlan(5000, inner_eth(inner4(43007, 80)))),
          L("TCP", IA4, 43007, IB4, 80, SYN), "VXLAN (UDP 4789, RFC 7348) / Ethernet / IPv4 TCP")
    c.add(outer_udp4(50001, 4789, vxlan(5000, inner_eth(tag(99, ETH_IPV6) +
                                                        inner6u(43008, 53, 24), ETH_VLAN))),
          L("UDP", IA6, 43008, IB6, 53, length=24),
          "VXLAN / Ethernet / 802.1Q 99 / IPv6 UDP (an inner tag)")
    options = (struct.pack("!HBB", 0x0102, 0x01, 1) + b"\x11\x22\x33\x44" +   # class, type, len 1
               struct.pack("!HBB", 0xFFFF, 0x80, 2) + payload_bytes(8))      # critical, len 2
    c.add(outer_udp4(50002, 6081, geneve(ETH_TEB, inner_eth(inner4u(43009, 123, 48)), options)),
          L("UDP", IA4, 43009, IB4, 123, length=48),
          "GENEVE (UDP 6081, RFC 8926) with two options (20 bytes) / Ethernet / IPv4 UDP")
    c.add(eth(ETH_IPV6, udp_ip(TA6, TB6, 50003, 6081, geneve(ETH_IPV4, inner4(43010, 25)))),
          L("TCP", IA4, 43010, IB4, 25, SYN), "IPv6 / GENEVE (protocol 0x0800) / IPv4 TCP")
    c.add(outer4(P_IPIP, inner4(43011, 80)), L("TCP", IA4, 43011, IB4, 80, SYN),
          "IPv4-in-IPv4 (RFC 2003)")
    c.add(outer4(P_IPV6, inner6(43012, 80)), L("TCP", IA6, 43012, IB6, 80, SYN),
          "IPv6-in-IPv4 (6in4, RFC 4213)")
    c.add(eth(ETH_IPV6, ip6(TA6, TB6, P_IPIP, inner4u(43013, 53, 30))),
          L("UDP", IA4, 43013, IB4, 53, length=30), "IPv4-in-IPv6 (RFC 2473)")
    c.add(eth(ETH_IPV6, ip6(TA6, TB6, P_IPV6, inner6u(43014, 53, 30))),
          L("UDP", IA6, 43014, IB6, 53, length=30), "IPv6-in-IPv6 (RFC 2473)")
    c.add(outer_udp4(50004, 3544, inner6u(43015, 5353, 12)),
          L("UDP", IA6, 43015, IB6, 5353, length=12), "Teredo (UDP 3544, RFC 4380), bare IPv6")
    origin = struct.pack("!HH4s", 0x0000, 0xFFFF ^ 50005, bytes(b ^ 0xFF for b in addr_bytes(TA4)))
    c.add(outer_udp4(3544, 50005, origin + inner6(43016, 80, SYN | ACK)),
          L("TCP", IA6, 43016, IB6, 80, SYN | ACK), "Teredo with origin indication")
    auth = struct.pack("!HBB", 0x0001, 0, 0) + payload_bytes(8) + b"\x00"  # no id, no auth value
    c.add(outer_udp4(3544, 50006, auth + origin + inner6(43017, 80)),
          L("TCP", IA6, 43017, IB6, 80, SYN),
          "Teredo with authentication indicator and origin indication")
    bubble = ip6(IA6, IB6, P_NONE, b"")
    c.add(outer_udp4(50007, 3544, bubble), L("UDP", TA4, 50007, TB4, 3544, length=40),
          "Teredo bubble (IPv6, no next header): the outer UDP packet stands")
    c.add(eth(ETH_MPLS, mpls([100, 200], inner4(43019, 80))), L("TCP", IA4, 43019, IB4, 80, SYN),
          "MPLS two-label stack (RFC 3032) / IPv4 TCP")
    c.add(eth(ETH_MPLS, mpls([300], inner6u(43020, 53, 10))),
          L("UDP", IA6, 43020, IB6, 53, length=10), "MPLS one label / IPv6 UDP")
    c.add(eth(ETH_MPLS, mpls([400], b"\0\0\0\x01" + inner_eth(inner4(43021, 80)))),
          L("TCP", IA4, 43021, IB4, 80, SYN),
          "MPLS / pseudowire control word (sequence 1) / Ethernet / IPv4 (RFC 4448)")
    c.add(outer_udp4(50008, 6635, mpls([500], inner4(43022, 80))),
          L("TCP", IA4, 43022, IB4, 80, SYN), "MPLS-in-UDP (UDP 6635, RFC 7510) / IPv4 TCP")
    c.add(eth(ETH_PPPOE_SESS, pppoe_session(0x0021, inner4(43023, 80))),
          L("TCP", IA4, 43023, IB4, 80, SYN), "PPPoE session (RFC 2516) / PPP IPv4 / TCP")
    c.add(eth(ETH_PPPOE_SESS, pppoe_session(0x0057, inner6u(43024, 53, 16))),
          L("UDP", IA6, 43024, IB6, 53, length=16), "PPPoE session / PPP IPv6 / UDP")
    padi = struct.pack("!BBHH", 0x11, 0x09, 0, 4) + struct.pack("!HH", 0x0101, 0)
    c.add(eth(ETH_PPPOE_DISC, padi, dst="ff:ff:ff:ff:ff:ff"), "non_ip", "PPPoE discovery PADI")
    lcp = b"\x01\x01\x00\x04"
    c.add(eth(ETH_PPPOE_SESS, pppoe_session(0xC021, lcp)), "non_ip", "PPPoE session, LCP")
    icmp = bytes(ICMP(type=8, id=1, seq=1) / payload_bytes(8))
    c.add(outer4(P_GRE, gre(ETH_IPV4, ip4(IA4, IB4, P_ICMP, icmp))), "other_ip",
          "GRE / IPv4 ICMP: no ports inside, the outer GRE packet counts as other IP")
    arp = bytes(ARP(op=1, hwsrc="02:00:00:00:01:01", psrc=IA4, pdst=IB4))
    vx = vxlan(5000, inner_eth(arp, ETH_ARP))
    c.add(outer_udp4(50009, 4789, vx), L("UDP", TA4, 50009, TB4, 4789, length=len(vx)),
          "VXLAN carrying ARP: the outer UDP packet stands")
    erspan = struct.pack("!HHI", 0x1000 | 0x0064, 0x0000, 0x00000007)  # ver 1, VLAN 100, index
    c.add(outer4(P_GRE, gre(ETH_ERSPAN2, erspan + inner_eth(inner4u(43029, 514, 20)), seq=3)),
          L("UDP", IA4, 43029, IB4, 514, length=20), "ERSPAN type II (GRE 0x88be) / Ethernet")
    deep = vxlan(6000, inner_eth(inner6(43030, 8443), ETH_IPV6))
    deep = udp_ip(IA4, IB4, 50010, 4789, deep)
    deep = ip4(TA4, TB4, P_GRE, gre(ETH_IPV4, deep))
    c.add(eth(ETH_VLAN, tag(10, ETH_QINQ_OLD) + tag(20, ETH_MPLS) + mpls([1, 2], deep)),
          L("TCP", IA6, 43030, IB6, 8443, SYN),
          "VLAN / VLAN / MPLS x2 / IPv4 / GRE / IPv4 / UDP / VXLAN / Ethernet / IPv6 TCP (deep, legal)")
    return [c]


def snaplen():
    c = Capture("crafted-snaplen.pcap", 1, snaplen=96,
                why="frames whose captured length is below the wire length, cut inside every "
                "header that matters: the ports survive a cut after them, lengths come from "
                "the headers")
    opts = b"\x02\x04\x05\xb4\x01\x03\x03\x07\x04\x02\x01\x01"  # MSS, NOP, WS, SACKOK, NOP NOP
    full4 = eth(ETH_IPV4, tcp_ip(A4, B4, 44001, 80, PSH | ACK, payload_bytes(100), options=opts))
    data_line4 = L("TCP", A4, 44001, B4, 80, PSH | ACK, 100)
    cuts4 = [
        (10, "truncated:truncated_link_header", "cut inside the Ethernet header"),
        (14 + 10, "truncated:truncated_ipv4_header", "cut inside the IPv4 header"),
        (14 + 20 + 2, "truncated:truncated_tcp_ports", "cut inside the TCP ports"),
        # Ports captured, nothing more: flags and the data offset are unknown.
        (14 + 20 + 4, L("TCP", A4, 44001, B4, 80, "-", 100),
         "cut just after the ports (flags and data offset not captured)"),
        # The data offset byte is captured (so the payload length is known), the flags not.
        (14 + 20 + 13, L("TCP", A4, 44001, B4, 80, "-", 100),
         "cut after the data offset, before the flags"),
        (14 + 20 + 14, data_line4, "cut after the flags, inside the window field"),
        (14 + 20 + 26, data_line4, "cut inside the TCP options"),
        (14 + 20 + 32 + 10, data_line4, "cut inside the payload"),
    ]
    for caplen, expect, note in cuts4:
        c.add(full4[:caplen], expect, "IPv4 TCP, 166 bytes on the wire: " + note,
              wirelen=len(full4))
    full6 = eth(ETH_IPV6, udp_ip(A6, B6, 44002, 53, payload_bytes(200)))
    line6 = L("UDP", A6, 44002, B6, 53, length=200)
    for caplen, expect, note in [
            (14 + 30, "truncated:truncated_ipv6_header", "cut inside the IPv6 header"),
            (14 + 40 + 3, "truncated:truncated_udp_header", "cut inside the source port"),
            (14 + 40 + 6, line6, "cut inside the UDP length field (ports captured)"),
            (14 + 40 + 8, line6, "cut just after the UDP header"),
            (96, line6, "cut inside the payload")]:
        c.add(full6[:caplen], expect, "IPv6 UDP, 262 bytes on the wire: " + note,
              wirelen=len(full6))
    # tcpdump's old default snaplen 68 on IPv6: 14 bytes of TCP, the flags are in, the window
    # is not.
    full6t = eth(ETH_IPV6, tcp_ip(A6, B6, 44003, 443, PSH | ACK, payload_bytes(100),
                                  options=opts))
    c.add(full6t[:68], L("TCP", A6, 44003, B6, 443, PSH | ACK, 100),
          "IPv6 TCP cut at 68 bytes (tcpdump's old default snaplen): 14 bytes of TCP",
          wirelen=len(full6t))
    vl = eth(ETH_VLAN, tag(10, ETH_IPV4) + tcp_ip(A4, B4, 44004, 80, SYN))
    c.add(vl[:16], "truncated:truncated_vlan_tag", "cut inside an 802.1Q tag", wirelen=len(vl))
    ext = eth(ETH_IPV6, ip6(A6, B6, P_DSTOPTS, opts_header(P_TCP, b"\x1e\x0a" + b"\0" * 10) +
                             tcp(A6, B6, 44005, 80, SYN)))
    c.add(ext[:14 + 40 + 6], "truncated:truncated_ipv6_extension",
          "cut inside a Destination Options header", wirelen=len(ext))
    opt4 = eth(ETH_IPV4, ip4(A4, B4, P_TCP, tcp(A4, B4, 44006, 80, SYN),
                             options=b"\x94\x04\x00\x00" + b"\x01" * 8))
    c.add(opt4[:14 + 26], "truncated:truncated_ipv4_header", "cut inside IPv4 options",
          wirelen=len(opt4))
    g = eth(ETH_IPV4, ip4(TA4, TB4, P_GRE, gre(ETH_IPV4, tcp_ip(IA4, IB4, 44007, 80, SYN))))
    c.add(g[:14 + 20 + 4 + 10], "other_ip",
          "GRE cut inside the inner IPv4 header: the outer packet stands (other IP)",
          wirelen=len(g))
    vx_payload = vxlan(5000, eth(ETH_IPV4, tcp_ip(IA4, IB4, 44008, 80, SYN)))
    v = eth(ETH_IPV4, udp_ip(TA4, TB4, 50000, 4789, vx_payload))
    c.add(v[:14 + 20 + 8 + 8 + 14 + 20 + 2], L("UDP", TA4, 50000, TB4, 4789, length=len(vx_payload)),
          "VXLAN cut inside the inner TCP ports: the outer UDP packet stands", wirelen=len(v))
    bad = bytearray(full4)
    bad[14 + 2:14 + 4] = struct.pack("!H", 1000)
    c.add(bytes(bad[:60]), "malformed:ipv4_total_length_beyond_frame",
          "cut frame whose IPv4 total length (1000) exceeds even the wire length (166)",
          wirelen=len(full4))
    c.add(b"", "truncated:truncated_link_header", "nothing captured of a 60-byte frame",
          wirelen=60)
    return [c]


def malformed():
    c = Capture("crafted-malformed.pcap", 1, why="frames that contradict themselves, each "
                "captured whole: every named malformation is counted, none crashes, and a "
                "30-deep encapsulation stops at the layer cap")

    def patched(frame, at, value_bytes):
        b = bytearray(frame)
        b[at:at + len(value_bytes)] = value_bytes
        return bytes(b)

    base = eth(ETH_IPV4, tcp_ip(A4, B4, 45001, 80, SYN))
    c.add(patched(base, 14, b"\x44"), "malformed:ipv4_ihl_below_five", "IPv4 IHL 4")
    c.add(patched(base, 16, struct.pack("!H", 16)), "malformed:ipv4_total_length_below_header",
          "IPv4 total length 16 (< 20)")
    c.add(patched(base, 16, struct.pack("!H", 1000)), "malformed:ipv4_total_length_beyond_frame",
          "IPv4 total length 1000, frame holds 40")
    c.add(patched(base, 14, b"\x65"), "malformed:ipv4_version_mismatch",
          "ethertype IPv4, version nibble 6")
    c.add(patched(base, 14, b"\x4f"), "malformed:truncated_ipv4_header",
          "IPv4 IHL 15 (60 bytes) in a 40-byte packet, captured whole")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_TCP, tcp(A4, B4, 45006, 80, SYN, doff=3))),
          "malformed:tcp_data_offset_below_five", "TCP data offset 3")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_TCP, tcp(A4, B4, 45007, 80, SYN, doff=15))),
          "malformed:tcp_header_beyond_segment", "TCP data offset 15 (60 bytes), segment 20")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_UDP, udp(A4, B4, 45008, 53, payload_bytes(20), length=4))),
          "malformed:udp_length_below_header", "UDP length 4")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_UDP, udp(A4, B4, 45009, 53, payload_bytes(20), length=0))),
          "malformed:udp_length_below_header", "UDP length 0 in an IPv4 datagram (not a jumbogram)")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_UDP, udp(A4, B4, 45010, 53, payload_bytes(20),
                                               length=500))),
          "malformed:udp_length_beyond_datagram", "UDP length 500, datagram 28")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_UDP, udp(A4, B4, 45011, 53, payload_bytes(20), length=12))),
          L("UDP", A4, 45011, B4, 53, length=4),
          "UDP length 12 in a 28-byte datagram: valid, the 16 bytes after it are not UDP payload "
          "(RFC 768)")
    v6 = eth(ETH_IPV6, udp_ip(A6, B6, 45012, 53, payload_bytes(20)))
    c.add(patched(v6, 14 + 4, struct.pack("!H", 500)), "malformed:ipv6_payload_length_beyond_frame",
          "IPv6 payload length 500, frame holds 28")
    c.add(patched(v6, 14, b"\x46"), "malformed:ipv6_version_mismatch",
          "ethertype IPv6, version nibble 4")
    c.add(eth(ETH_IPV6, ip6(A6, B6, P_DSTOPTS, opts_header(P_HOPOPT) + opts_header(P_TCP) +
                             tcp(A6, B6, 45014, 80, SYN))),
          "malformed:ipv6_hop_by_hop_not_first", "Destination Options, then Hop-by-Hop (RFC 8200 4.3)")
    c.add(eth(ETH_IPV6, ip6(A6, B6, P_DSTOPTS, bytes([P_TCP, 10]) + b"\x01\x04\0\0\0\0" +
                             payload_bytes(8))),
          "malformed:ipv6_extension_length_beyond_payload",
          "Destination Options claiming 88 bytes in a 16-byte payload")
    chain = opts_header(P_TCP) + tcp(A6, B6, 45016, 80, SYN)
    for _ in range(16):
        chain = opts_header(P_DSTOPTS) + chain
    c.add(eth(ETH_IPV6, ip6(A6, B6, P_DSTOPTS, chain)), "malformed:ipv6_too_many_extensions",
          "17 Destination Options headers")
    c.add(eth(ETH_IPV6, ip6(A6, B6, P_HOPOPT, opts_header(P_TCP) + tcp(A6, B6, 45017, 80, SYN),
                            plen=0)),
          "malformed:ipv6_bad_jumbo_payload", "IPv6 payload length 0, Hop-by-Hop without a jumbo option")
    hbh = opts_header(P_TCP, b"\xc2\x04" + struct.pack("!I", 1000))
    c.add(eth(ETH_IPV6, ip6(A6, B6, P_HOPOPT, hbh + tcp(A6, B6, 45018, 80, SYN), plen=0)),
          "malformed:ipv6_bad_jumbo_payload", "Jumbo Payload option of 1000 (must be > 65535, RFC 2675)")
    c.add(eth(ETH_IPV6, ip6(A6, B6, P_FRAGMENT, b"\x06\x00\x00\x00")),
          "malformed:truncated_ipv6_extension", "a 4-byte fragment header, captured whole")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_AH, bytes([P_TCP, 10, 0, 0]) + payload_bytes(8))),
          "malformed:truncated_ah_header", "AH claiming 48 bytes, 12 present")
    c.add(eth(ETH_PPPOE_SESS, patched(pppoe_session(0x0021, tcp_ip(IA4, IB4, 45021, 80, SYN)),
                                      4, struct.pack("!H", 900))),
          "malformed:pppoe_length_beyond_frame", "PPPoE length 900 in a 48-byte frame")
    c.add(eth(ETH_IPV4, ip4(TA4, TB4, P_GRE, b"\x00\x00")), "other_ip",
          "GRE header of 2 bytes: the tunnel does not open, the outer IPv4 packet stands")
    c.add(mac(MAC_B) + mac(MAC_A)[:4], "malformed:truncated_link_header",
          "a 10-byte Ethernet frame, captured whole")
    c.add(b"", "malformed:truncated_link_header", "an empty frame (caplen 0, wire length 0)")
    # 30-deep nesting; kMaxLayers is 24, so each of these must stop with too_many_layers.
    inner = tcp_ip(A4, B4, 45030, 80, SYN)
    body = tag(30, ETH_IPV4) + inner
    for i in range(29):
        body = tag(29 - i, ETH_VLAN) + body
    c.add(eth(ETH_VLAN, body), "malformed:too_many_layers", "30 stacked 802.1Q tags")
    c.add(eth(ETH_MPLS, mpls(list(range(16, 46)), tcp_ip(A4, B4, 45031, 80, SYN))),
          "malformed:too_many_layers", "30 MPLS labels")
    pkt = tcp_ip(A4, B4, 45032, 80, SYN)
    for _ in range(30):
        pkt = ip4(TA4, TB4, P_IPIP, pkt)
    c.add(eth(ETH_IPV4, pkt), "malformed:too_many_layers", "30 nested IPv4-in-IPv4 headers")
    pkt = tcp_ip(A4, B4, 45033, 80, SYN)
    for _ in range(9):
        pkt = ip4(TA4, TB4, P_IPIP, pkt)
    pkt = mpls(list(range(16, 26)), pkt)
    body = tag(10, ETH_MPLS) + pkt
    for i in range(9):
        body = tag(9 - i, ETH_VLAN) + body
    c.add(eth(ETH_VLAN, body), "malformed:too_many_layers",
          "10 VLAN tags / 10 MPLS labels / 10 IPv4 headers nested")
    return [c]


def tcp_udp_edge():
    c = Capture("crafted-tcp-udp-edge.pcap", 1, why="odd but valid TCP/UDP: IPv4 options, "
                "every TCP flag combination worth naming, port 0, Ethernet padding, IPv4 total "
                "length 0 (TSO), an IPv4-mapped IPv6 source")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_TCP, tcp(A4, B4, 46001, 80, SYN),
                            options=b"\x94\x04\x00\x00")),
          L("TCP", A4, 46001, B4, 80, SYN, 0), "IPv4 with a Router Alert option (IHL 6)")
    c.add(eth(ETH_IPV4, ip4(A4, B4, P_UDP, udp(A4, B4, 46002, 53, payload_bytes(8)),
                            options=b"\x01" * 39 + b"\x00")),
          L("UDP", A4, 46002, B4, 53, length=8), "IPv4 IHL 15: 40 bytes of NOP options")
    for port, flags, note in [(46003, 0, "no flags (null scan)"),
                              (46004, FIN | PSH | URG, "FIN PSH URG (Xmas scan)"),
                              (46005, 0xFF, "all eight flags"),
                              (46006, SYN | ECE | CWR, "SYN ECE CWR (ECN setup, RFC 3168)"),
                              (46007, SYN | FIN, "SYN and FIN together")]:
        c.add(eth(ETH_IPV4, tcp_ip(A4, B4, port, 80, flags)), L("TCP", A4, port, B4, 80, flags, 0),
              "TCP " + note)
    c.add(eth(ETH_IPV4, tcp_ip(A4, B4, 46008, 80, SYN, reserved=1)),
          L("TCP", A4, 46008, B4, 80, SYN, 0), "TCP SYN with the AE (ex-NS) bit set")
    c.add(eth(ETH_IPV4, tcp_ip(A4, B4, 0, 0, SYN)), L("TCP", A4, 0, B4, 0, SYN, 0), "TCP ports 0")
    c.add(eth(ETH_IPV4, udp_ip(A4, B4, 0, 0, b"")), L("UDP", A4, 0, B4, 0, length=0),
          "UDP ports 0, no payload")
    short = eth(ETH_IPV4, udp_ip(A4, B4, 46010, 9, b"hi"))
    c.add(short + b"\0" * (60 - len(short)), L("UDP", A4, 46010, B4, 9, length=2),
          "UDP with 2 bytes of payload in a frame padded to 60 bytes")
    short = eth(ETH_IPV4, tcp_ip(A4, B4, 46011, 80, ACK))
    c.add(short + b"\xee" * 6, L("TCP", A4, 46011, B4, 80, ACK, 0),
          "a bare TCP ACK padded to 60 bytes with non-zero padding")
    tso = bytearray(eth(ETH_IPV4, tcp_ip(A4, B4, 46012, 80, PSH | ACK, payload_bytes(100))))
    tso[16:18] = b"\0\0"
    c.add(bytes(tso), L("TCP", A4, 46012, B4, 80, PSH | ACK, 100),
          "IPv4 total length 0 (as TSO/GSO send it): the frame gives the length")
    c.add(eth(ETH_IPV4, tcp_ip(A4, B4, 46013, 80, URG | ACK | PSH, b"!", urg=1)),
          L("TCP", A4, 46013, B4, 80, URG | ACK | PSH, 1), "TCP urgent data")
    long_opts = b"\x02\x04\x05\xb4" + b"\x01" * 35 + b"\x00"
    c.add(eth(ETH_IPV4, tcp_ip(A4, B4, 46014, 80, PSH | ACK, payload_bytes(10),
                                options=long_opts)),
          L("TCP", A4, 46014, B4, 80, PSH | ACK, 10), "TCP with 40 bytes of options")
    c.add(eth(ETH_IPV4, udp_ip("0.0.0.0", "255.255.255.255", 68, 67, payload_bytes(240)),
              dst="ff:ff:ff:ff:ff:ff"),
          L("UDP", "0.0.0.0", 68, "255.255.255.255", 67, length=240), "a DHCP discover broadcast")
    c.add(eth(ETH_IPV6, tcp_ip("fe80::1", "fe80::2", 46016, 22, SYN)),
          L("TCP", "fe80::1", 46016, "fe80::2", 22, SYN, 0), "IPv6 link-local TCP")
    mapped = "::ffff:192.0.2.10"
    c.add(eth(ETH_IPV6, tcp_ip(mapped, B6, 46017, 80, SYN)),
          L("TCP", mapped, 46017, B6, 80, SYN, 0),
          "IPv6 packet with an IPv4-mapped source (RFC 4291 2.5.5.2): still an IPv6 address")
    return [c]


def linktypes():
    caps = []
    v4t = lambda p: tcp_ip(A4, B4, p, 80, SYN)  # noqa: E731
    v6u = lambda p: udp_ip(A6, B6, p, 53, payload_bytes(10))  # noqa: E731
    l4t = lambda p: L("TCP", A4, p, B4, 80, SYN, 0)  # noqa: E731
    l6u = lambda p: L("UDP", A6, p, B6, 53, length=10)  # noqa: E731

    c = Capture("crafted-linktypes-raw.pcap", 101, why="DLT_RAW (LINKTYPE_RAW 101): IPv4 and "
                "IPv6 from the first byte")
    c.add(v4t(47001), l4t(47001), "raw IPv4 TCP")
    c.add(v6u(47002), l6u(47002), "raw IPv6 UDP")
    c.add(b"\x50" + v4t(47003)[1:], "malformed:ipv4_version_mismatch", "version nibble 5")
    caps.append(c)

    c = Capture("crafted-linktypes-ipv4.pcap", 228, why="LINKTYPE_IPV4 (228): raw IPv4 only")
    c.add(v4t(47011), l4t(47011), "IPv4 TCP")
    c.add(udp_ip(A4, B4, 47012, 123, payload_bytes(48)), L("UDP", A4, 47012, B4, 123, length=48),
          "IPv4 UDP")
    c.add(v6u(47013), "malformed:ipv4_version_mismatch",
          "an IPv6 packet on a link type that is IPv4 only")
    caps.append(c)

    c = Capture("crafted-linktypes-ipv6.pcap", 229, why="LINKTYPE_IPV6 (229): raw IPv6 only")
    c.add(tcp_ip(A6, B6, 47021, 443, SYN), L("TCP", A6, 47021, B6, 443, SYN, 0), "IPv6 TCP")
    c.add(v6u(47022), l6u(47022), "IPv6 UDP")
    c.add(v4t(47023), "malformed:ipv6_version_mismatch",
          "an IPv4 packet on a link type that is IPv6 only")
    caps.append(c)

    for order, name in (("<", "le"), (">", "be")):
        c = Capture("crafted-linktypes-null-%s.pcap" % name, 0, big_endian=order == ">",
                    why="DLT_NULL (0) written on a %s-endian host: the family is in that host's "
                    "byte order" % ("little" if order == "<" else "big"))
        c.add(struct.pack(order + "I", 2) + v4t(47031), l4t(47031), "AF_INET (2)")
        c.add(struct.pack(order + "I", 24) + v6u(47032), l6u(47032), "AF_INET6 NetBSD/OpenBSD (24)")
        c.add(struct.pack(order + "I", 28) + v6u(47033), l6u(47033), "AF_INET6 FreeBSD (28)")
        c.add(struct.pack(order + "I", 30) + v6u(47034), l6u(47034), "AF_INET6 Darwin (30)")
        c.add(struct.pack(order + "I", 7) + payload_bytes(20), "non_ip", "AF 7: not IP")
        caps.append(c)

    c = Capture("crafted-linktypes-loop.pcap", 108, why="DLT_LOOP (108): OpenBSD loopback, the "
                "family in network byte order")
    c.add(struct.pack(">I", 2) + v4t(47041), l4t(47041), "AF_INET (2)")
    c.add(struct.pack(">I", 24) + v6u(47042), l6u(47042), "AF_INET6 (24)")
    c.add(struct.pack(">I", 28) + v6u(47043), l6u(47043), "AF_INET6 (28)")
    c.add(struct.pack(">I", 30) + v6u(47044), l6u(47044), "AF_INET6 (30)")
    caps.append(c)

    c = Capture("crafted-linktypes-ppp.pcap", 9, why="DLT_PPP (9): with and without "
                "address/control, with protocol field compression (RFC 1661 6.5, RFC 1662)")
    c.add(b"\xff\x03\x00\x21" + v4t(47051), l4t(47051), "FF 03, protocol 0x0021 IPv4")
    c.add(b"\x00\x21" + v4t(47052), l4t(47052), "no address/control, protocol 0x0021")
    c.add(b"\x21" + v4t(47053), l4t(47053), "protocol field compressed to 0x21")
    c.add(b"\xff\x03\x00\x57" + v6u(47054), l6u(47054), "FF 03, protocol 0x0057 IPv6")
    c.add(b"\x57" + v6u(47055), l6u(47055), "compressed 0x57 IPv6, no address/control")
    c.add(b"\xff\x03\x21" + v4t(47056), l4t(47056), "FF 03, then compressed 0x21")
    c.add(b"\xff\x03\x02\x81" + mpls([77], v4t(47057)), l4t(47057), "PPP MPLS unicast (0x0281)")
    c.add(b"\xff\x03\xc0\x21\x01\x01\x00\x04", "non_ip", "LCP (0xc021)")
    c.add(b"\xff\x03\x80\x21\x01\x01\x00\x04", "non_ip", "IPCP (0x8021)")
    caps.append(c)

    c = Capture("crafted-linktypes-ppp-hdlc.pcap", 50, why="DLT_PPP_SERIAL (LINKTYPE_PPP_HDLC "
                "50): PPP in HDLC-like framing, or Cisco HDLC framing (first byte 0x0f/0x8f)")
    c.add(b"\xff\x03\x00\x21" + v4t(47061), l4t(47061), "RFC 1662 framing, IPv4")
    c.add(b"\x0f\x00\x08\x00" + v4t(47062), l4t(47062),
          "Cisco HDLC (0x0f, 0x00, ethertype 0x0800), as LINKTYPE_PPP_HDLC allows")
    c.add(b"\x8f\x00\x86\xdd" + v6u(47063), l6u(47063), "Cisco HDLC broadcast (0x8f), IPv6")
    caps.append(c)

    def sll(pkttype, hatype, addr, proto, payload):
        return (struct.pack("!HHH", pkttype, hatype, len(addr)) + addr.ljust(8, b"\0") +
                struct.pack("!H", proto) + payload)

    def sll2(pkttype, hatype, addr, proto, payload, ifindex=2):
        return (struct.pack("!HHIHBB", proto, 0, ifindex, hatype, pkttype, len(addr)) +
                addr.ljust(8, b"\0") + payload)

    for name, dlt, build in (("sll", 113, sll), ("sll2", 276, sll2)):
        c = Capture("crafted-linktypes-%s.pcap" % name, dlt,
                    why="DLT_LINUX_%s (%d): Linux cooked capture, as `-i any` gives it"
                    % (name.upper(), dlt))
        c.add(build(0, 1, mac(MAC_A), ETH_IPV4, v4t(47071)), l4t(47071), "to us, IPv4 TCP")
        c.add(build(4, 1, mac(MAC_B), ETH_IPV6, v6u(47072)), l6u(47072), "outgoing, IPv6 UDP")
        c.add(build(0, 772, b"", ETH_IPV4, v4t(47073)), l4t(47073),
              "loopback (ARPHRD_LOOPBACK, no address), IPv4")
        c.add(build(1, 1, mac(MAC_A), ETH_ARP, bytes(ARP(op=1, psrc=A4, pdst=B4))), "non_ip",
              "broadcast ARP")
        c.add(build(0, 1, mac(MAC_A), 0x0004, b"\x42\x42\x03" + b"\0" * 35), "non_ip",
              "protocol 0x0004: 802.2 LLC frame")
        c.add(build(0, 1, mac(MAC_A), ETH_VLAN, tag(42, ETH_IPV4) +
                    udp_ip(A4, B4, 47076, 514, payload_bytes(20))),
              L("UDP", A4, 47076, B4, 514, length=20), "802.1Q tag kept in the packet, IPv4 UDP")
        c.add(build(3, 778, b"", ETH_IPV6, v6u(47077)), l6u(47077),
              "ARPHRD_IPGRE-style tunnel device, no address, IPv6")
        caps.append(c)

    def tlv(t, value):
        return struct.pack("<HH", 4 + len(value), t) + value + b"\0" * (-len(value) % 4)

    c = Capture("crafted-linktypes-nflog.pcap", 239, why="DLT_NFLOG (239): Linux NFLOG, TLVs in "
                "host order, the packet in NFULA_PAYLOAD")
    hdr = lambda fam: struct.pack("!BBH", fam, 0, 5)  # noqa: E731
    pkt_hdr = tlv(1, struct.pack("!HBB", ETH_IPV4, 1, 0))
    c.add(hdr(2) + pkt_hdr + tlv(10, b"pwcap\0") + tlv(9, v4t(47081)), l4t(47081),
          "AF_INET: packet header, prefix, payload IPv4 TCP")
    c.add(hdr(10) + tlv(1, struct.pack("!HBB", ETH_IPV6, 3, 0)) + tlv(9, v6u(47082)),
          l6u(47082), "AF_INET6 (10): IPv6 UDP")
    c.add(hdr(2) + pkt_hdr + tlv(10, b"no payload\0"), "non_ip", "no NFULA_PAYLOAD")
    c.add(hdr(2) + struct.pack("<HH", 2, 1) + b"\0" * 8, "malformed:nflog_bad_tlv",
          "a TLV length of 2 (< 4)")
    c.add(hdr(2) + struct.pack("<HH", 200, 10) + b"short", "malformed:truncated_nflog_header",
          "a TLV running past the end of the frame")
    caps.append(c)

    c = Capture("crafted-linktypes-unsupported-ieee80211.pcap", 105,
                why="IEEE 802.11 (105), a link type pairwatch does not decode: it must refuse "
                "the file with one clear error and exit 1")
    dot11 = bytes(Dot11(type=2, subtype=0, addr1=MAC_B, addr2=MAC_A, addr3=MAC_B) /
                  LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=ETH_IPV4)) + v4t(47091)
    c.add(dot11, "error", "802.11 data frame, LLC/SNAP, IPv4 TCP")
    caps.append(c)
    return caps


def timestamps():
    caps = []
    c = Capture("crafted-nanosecond.pcap", 1, nano=True, why="nanosecond pcap (magic a1b23c4d): "
                "timestamps print with 9 decimals, sub-microsecond gaps survive")
    seqs = [(A4, B4, 48001, 80, SYN, b""), (B4, A4, 80, 48001, SYN | ACK, b""),
            (A4, B4, 48001, 80, ACK, b""), (A4, B4, 48001, 80, PSH | ACK, payload_bytes(20)),
            (B4, A4, 80, 48001, FIN | ACK, b""), (A4, B4, 48001, 80, FIN | ACK, b"")]
    ts = [T0 + 123456789, T0 + 123456790, T0 + 123457001, T0 + 123999999, T0 + 124000000,
          T0 + 999999999]
    for (s, d, sp, dp, fl, pl), t in zip(seqs, ts):
        c.add(eth(ETH_IPV4, tcp_ip(s, d, sp, dp, fl, pl)), L("TCP", s, sp, d, dp, fl, len(pl)),
              "handshake, data and close, ns apart", ts_ns=t)
    caps.append(c)

    c = Capture("crafted-pcapng-tsresol9.pcapng", 1, why="pcapng whose interface has "
                "if_tsresol=9 (ns), and an EPB cut by the snaplen")
    for i, t in enumerate([T0 + 1, T0 + 2, T0 + 1_000_000_001]):
        c.add(eth(ETH_IPV6, tcp_ip(A6, B6, 48011 + i, 443, SYN)),
              L("TCP", A6, 48011 + i, B6, 443, SYN, 0), "IPv6 TCP SYN, ns timestamp", ts_ns=t)
    full = eth(ETH_IPV6, udp_ip(A6, B6, 48014, 53, payload_bytes(100)))
    c.add(full[:70], L("UDP", A6, 48014, B6, 53, length=100), "EPB with caplen 70 < length 162",
          wirelen=len(full), ts_ns=T0 + 1_000_000_002)
    c.data = pcapng_bytes(c, [(1, "pw0", 9)], [0] * len(c.frames))
    caps.append(c)

    c = Capture("crafted-pcapng-two-idb.pcapng", 1, why="pcapng with two Ethernet interfaces, "
                "if_tsresol 6 (default) and 9: each packet keeps its own interface's precision")
    interfaces = [(1, "pw-us", None), (1, "pw-ns", 9)]
    which = []
    for i in range(4):
        ifc = i % 2
        t = T0 + 10_000 * i + (123 if ifc else 0)
        c.add(eth(ETH_IPV4, tcp_ip(A4, B4, 48021 + i, 80, SYN)),
              L("TCP", A4, 48021 + i, B4, 80, SYN, 0),
              "interface %d (%s)" % (ifc, interfaces[ifc][1]), ts_ns=t)
        which.append(ifc)
    c.data = pcapng_bytes(c, interfaces, which)
    caps.append(c)

    c = Capture("crafted-cut-mid-record.pcap", 1, why="a pcap file cut off in the middle of its "
                "third record: the two whole records count, and pairwatch says the file was cut")
    for i in range(3):
        c.add(eth(ETH_IPV4, tcp_ip(A4, B4, 48031 + i, 80, SYN)),
              L("TCP", A4, 48031 + i, B4, 80, SYN, 0) if i < 2 else "cut", "TCP SYN")
    whole = c.pcap_bytes()
    c.data = whole[:len(whole) - 30]
    caps.append(c)
    return caps


def all_captures():
    caps = []
    for build in (vlan_qinq, ipv6_ext, fragments, tunnels, snaplen, malformed, tcp_udp_edge,
                  linktypes, timestamps):
        caps.extend(build())
    return caps


# --- checking pairwatch against the expectations -----------------------------------------------

def run_pairwatch(binary, path):
    r = subprocess.run([binary, "-r", path, "--packets"], capture_output=True, text=True,
                       cwd=ROOT)
    lines, counters = {}, {}
    head, _, tail = r.stdout.partition("\n\n")
    for line in head.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            lines[int(parts[0])] = parts[2]
    for line in tail.splitlines():
        f = line.split()
        if len(f) == 2 and f[1].isdigit():
            counters[f[0]] = int(f[1])
    return r.returncode, lines, counters, r.stderr.strip()


def check(caps, binary):
    problems = 0
    for c in caps:
        rc, lines, counters, err = run_pairwatch(binary, os.path.join("captures", c.name))
        if c.frames[0][3] == "error":
            ok = rc == 1 and err and not lines
            print("%-48s %s" % (c.name, "ok (refused: %s)" % err if ok else
                                "WRONG: exit %d, stderr %r" % (rc, err)))
            problems += not ok
            continue
        bad = []
        want_outcomes, want_errors = {}, {}
        for i, (_, _, _, expect, note) in enumerate(c.frames, 1):
            got = lines.get(i)
            if expect == "cut":
                continue
            if expect[0] in "TU":
                if got != expect:
                    bad.append("  frame %d (%s)\n    want: %s\n    got:  %s" % (i, note, expect, got))
                continue
            kind, _, reason = expect.partition(":")
            want_outcomes[kind] = want_outcomes.get(kind, 0) + 1
            if reason:
                want_errors[reason] = want_errors.get(reason, 0) + 1
            if got is not None:
                bad.append("  frame %d (%s)\n    want: no line (%s)\n    got:  %s"
                           % (i, note, expect, got))
        for kind in ("other_ip", "non_ip", "unmatched_fragment", "truncated", "malformed"):
            if counters.get(kind, 0) != want_outcomes.get(kind, 0):
                bad.append("  counter %s: want %d, got %d" % (kind, want_outcomes.get(kind, 0),
                                                            counters.get(kind, 0)))
        for reason in set(want_errors) | {k for k in counters if k not in (
                "tcp", "udp", "other_ip", "non_ip", "unmatched_fragment", "truncated",
                "malformed", "ipv4", "ipv6", "vlan_tagged", "fragments", "fragments_matched",
                "fragment_entries_evicted", "snaplen_cut", "tunnelled", "tunnel_not_opened")
                and not k.startswith("tunnel_")}:
            if counters.get(reason, 0) != want_errors.get(reason, 0):
                bad.append("  reason %s: want %d, got %d" % (reason, want_errors.get(reason, 0),
                                                           counters.get(reason, 0)))
        if rc != 0:
            bad.append("  exit status %d: %s" % (rc, err))
        print("%-48s %s" % (c.name, "ok" if not bad else "%d difference(s)" % len(bad)))
        for b in bad:
            print(b)
        problems += bool(bad)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", nargs="?", const="build/release/pairwatch", metavar="BINARY",
                    help="compare BINARY's --packets output with the expectations")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    caps = all_captures()
    with open(os.path.join(OUT, "crafted-frames.tsv"), "w") as index:
        index.write("# Written by scripts/craft-captures.py: what each crafted frame is and what "
                    "a correct decoder makes of it.\n# file\tframe\texpect\twhat\n")
        for c in caps:
            c.write(getattr(c, "data", None))
            for i, (_, _, _, expect, note) in enumerate(c.frames, 1):
                index.write("%s\t%d\t%s\t%s\n" % (c.name, i, expect, note))
            print("wrote captures/%s (%d frames, %d bytes)" % (
                c.name, len(c.frames), os.path.getsize(os.path.join(OUT, c.name))),
                file=sys.stderr)
    if args.check:
        binary = os.path.join(ROOT, args.check) if not os.path.isabs(args.check) else args.check
        sys.exit(1 if check(caps, binary) else 0)


if __name__ == "__main__":
    main()
