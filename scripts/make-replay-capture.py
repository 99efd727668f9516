#!/usr/bin/env python3
"""Writes one classic pcap that holds the given pcap files COPIES times over, for benchmarks on
real traffic (not committed: made in a second). The files follow one another, each moved later in
time than the last by more than the flow table's longest idle timeout, and so do the copies, so
every conversation of every copy is new to the table and to payload inspection, as on a link that
keeps seeing new conversations. pcap and pcapng files with the first file's link type are taken
(pcapng: its first interface's); the others are skipped, and said so on stderr.

    scripts/make-replay-capture.py OUT.pcap COPIES IN.pcap...
"""
import struct
import sys

# More than TCP's 300 s inactivity timeout (and every other timer) between copies.
COPY_GAP_S = 3600

MAGICS = {
    0xA1B2C3D4: ("<", 1_000_000),
    0xD4C3B2A1: (">", 1_000_000),
    0xA1B23C4D: ("<", 1_000_000_000),
    0x4D3CB2A1: (">", 1_000_000_000),
}


def read_pcapng(data):
    """(link type, frames) of a pcapng's first interface, or None."""
    order = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    linktype = None
    per_second = 1_000_000
    frames = []
    at = 0
    while at + 12 <= len(data):
        btype, blen = struct.unpack(order + "II", data[at : at + 8])
        if blen < 12 or at + blen > len(data):
            break
        body = data[at + 8 : at + blen - 4]
        if btype == 1 and linktype is None:  # Interface Description Block
            linktype = struct.unpack(order + "H", body[:2])[0]
            opt = 8
            while opt + 4 <= len(body):
                code, length = struct.unpack(order + "HH", body[opt : opt + 4])
                if code == 0:
                    break
                if code == 9 and length >= 1:  # if_tsresol
                    r = body[opt + 4]
                    per_second = 2 ** (r & 0x7F) if r & 0x80 else 10 ** r
                opt += 4 + (length + 3) // 4 * 4
        elif btype == 6:  # Enhanced Packet Block
            iface, hi, lo, caplen, origlen = struct.unpack(order + "IIIII", body[:20])
            if iface == 0:
                ticks = hi << 32 | lo
                frames.append((ticks * 1_000_000_000 // per_second, origlen, body[20 : 20 + caplen]))
        at += blen
    return None if linktype is None else (linktype, frames)


def read_pcap(path):
    """(link type, [(ts in ns, orig_len, bytes)]) or None when neither pcap nor pcapng."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data)
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in MAGICS:
        return None
    order, per_second = MAGICS[magic]
    linktype = struct.unpack(order + "I", data[20:24])[0] & 0x0FFFFFFF
    frames = []
    at = 24
    while at + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack(order + "IIII", data[at : at + 16])
        at += 16
        if at + caplen > len(data):
            break  # cut off mid-record: keep what came before
        ts_ns = sec * 1_000_000_000 + frac * (1_000_000_000 // per_second)
        frames.append((ts_ns, origlen, data[at : at + caplen]))
        at += caplen
    return linktype, frames


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    out_path, copies, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    linktype = None
    frames = []
    end = 0  # where the next file starts, in ns from the start of a copy
    for path in inputs:
        parsed = read_pcap(path)
        if parsed is None:
            print(f"skipped {path}: not a classic pcap", file=sys.stderr)
            continue
        if linktype is None:
            linktype = parsed[0]
        if parsed[0] != linktype:
            print(f"skipped {path}: link type {parsed[0]}, not {linktype}", file=sys.stderr)
            continue
        file_frames = parsed[1]
        if not file_frames:
            continue
        # Gaps within a file longer than COPY_GAP_S shrink to it (some captures span years; a
        # gap that long only expires flows either way), and a step back in a capture's clock
        # becomes 0: the output's clock runs forward and fits pcap's 32-bit seconds.
        t = end
        previous = file_frames[0][0]
        for ts, origlen, data in file_frames:
            t += min(max(ts - previous, 0), COPY_GAP_S * 1_000_000_000)
            previous = ts
            frames.append((t, origlen, data))
        end = t + COPY_GAP_S * 1_000_000_000
    if not frames:
        sys.exit("no frames")
    start = 0
    span = end
    with open(out_path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, linktype))
        base = 1_700_000_000 * 1_000_000_000
        for copy in range(copies):
            for ts, origlen, data in frames:
                t = base + copy * span + (ts - start)
                out.write(struct.pack("<IIII", t // 1_000_000_000, t % 1_000_000_000, len(data), origlen))
                out.write(data)
    print(f"{out_path}: {copies} copies of {len(frames)} frames", file=sys.stderr)


if __name__ == "__main__":
    main()
