#!/usr/bin/env python3
"""Writes a large synthetic Ethernet pcap for benchmarks (not committed: it is big and made in
seconds). Conversations are interleaved so that FLOWS are open at once, as on a busy link:
TCP ones run SYN, SYN-ACK, ACK, data both ways, FIN both ways; UDP ones are a query and an
answer. Deterministic: the same arguments give the same bytes.

    scripts/make-bench-capture.py OUT.pcap [--packets N] [--flows F]
"""
import argparse
import random
import struct

ETH = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"


def checksum_free_ipv4(src, dst, proto, payload_len):
    total = 20 + payload_len
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, proto, 0, src, dst)


def tcp(sport, dport, seq, ack, flags, data_len):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + b"x" * data_len


def udp(sport, dport, data_len):
    return struct.pack("!HHHH", sport, dport, 8 + data_len, 0) + b"q" * data_len


def conversation(i, rng):
    client = struct.pack("!I", 0x0A000000 | (i % 60000 + 2))
    server = struct.pack("!I", 0xC0A80000 | rng.randrange(1, 250))
    sport = 1024 + (i * 7919) % 64000
    if rng.random() < 0.8:
        dport = rng.choice([80, 443, 22, 8080, 25, 3306])
        c, s = 1000, 5000
        steps = [(0, 0x02, 0), (1, 0x12, 0), (0, 0x10, 0), (0, 0x18, 300), (1, 0x18, 1200),
                 (1, 0x18, 1400), (0, 0x10, 0), (0, 0x11, 0), (1, 0x11, 0), (0, 0x10, 0)]
        out = []
        for side, flags, n in steps:
            if side == 0:
                seg = tcp(sport, dport, c, s, flags, n)
                out.append(checksum_free_ipv4(client, server, 6, len(seg)) + seg)
                c += n + (1 if flags & 0x03 else 0)
            else:
                seg = tcp(dport, sport, s, c, flags, n)
                out.append(checksum_free_ipv4(server, client, 6, len(seg)) + seg)
                s += n + (1 if flags & 0x03 else 0)
        return out
    q = udp(sport, 53, 40)
    a = udp(53, sport, 120)
    return [checksum_free_ipv4(client, server, 17, len(q)) + q,
            checksum_free_ipv4(server, client, 17, len(a)) + a]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--packets", type=int, default=2_000_000)
    ap.add_argument("--flows", type=int, default=20_000, help="conversations open at once")
    args = ap.parse_args()
    rng = random.Random(7)
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        active = []  # [packets left to send]
        next_id = 0
        ts = 1_700_000_000_000_000  # microseconds
        written = 0
        while written < args.packets:
            while len(active) < args.flows:
                active.append(conversation(next_id, rng))
                next_id += 1
            k = rng.randrange(len(active))
            pkt = ETH + active[k].pop(0)
            if not active[k]:
                active[k] = active[-1]
                active.pop()
            ts += rng.randrange(1, 20)
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(pkt), len(pkt)))
            f.write(pkt)
            written += 1


if __name__ == "__main__":
    main()
