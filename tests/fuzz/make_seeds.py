#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the captures in ../shared/captures.

    tests/fuzz/make_seeds.py [CAPTURES_DIR]      (default: ../shared/captures beside the repo)

corpus/fuzz_decode_frame/: single frames, prefixed with their DLT (2 bytes, big-endian), one per
distinct protocol stack of each capture (tshark's frame.protocols) up to a few per capture,
plus the same frames moved to the link types no capture has (SLL2, LOOP, PPP_SERIAL, IPV4/6).
corpus/fuzz_pcap_file/: each capture's first few records re-written by this script (never a
copy of the file), and crafted variants: other byte order, nanosecond magic, pcapng with
if_tsresol, cut records, a file cut mid-record, mixed link types, other link types.

Deterministic: running it again gives the same files. Only the Python standard library and
tshark (for the protocol stacks) are needed.
"""
import hashlib
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# libpcap DLT values (pcap/dlt.h on Linux); files store LINKTYPE_ values, equal except RAW.
DLT_NULL, DLT_EN10MB, DLT_PPP, DLT_RAW, DLT_PPP_SERIAL = 0, 1, 9, 12, 50
DLT_LOOP, DLT_LINUX_SLL, DLT_IPV4, DLT_IPV6 = 108, 113, 228, 229
DLT_NFLOG, DLT_LINUX_SLL2 = 239, 276
LINKTYPE_RAW = 101
SUPPORTED = {DLT_NULL, DLT_EN10MB, DLT_PPP, DLT_RAW, DLT_PPP_SERIAL, DLT_LOOP, DLT_LINUX_SLL,
             DLT_IPV4, DLT_IPV6, DLT_NFLOG, DLT_LINUX_SLL2}

FRAMES_PER_CAPTURE = 5    # distinct protocol stacks kept per capture
RECORDS_PER_FILE = 3      # records in each re-written capture head
MAX_FRAME = 16384         # longer frames are skipped as decode seeds (the wire length says more)
MAX_RECORD = 4096         # capture-file seeds cut longer records there (a snaplen cut)
SEPARATOR = b"PWFR"       # fuzz_decode_frame's frame separator


def dlt_of_linktype(linktype):
    return DLT_RAW if linktype == LINKTYPE_RAW else linktype


def linktype_of_dlt(dlt):
    return LINKTYPE_RAW if dlt == DLT_RAW else dlt


class Record:
    def __init__(self, linktype, ts_sec, ts_frac, caplen, length, data):
        self.linktype, self.ts_sec, self.ts_frac = linktype, ts_sec, ts_frac
        self.caplen, self.length, self.data = caplen, length, data


def read_pcap(raw):
    magic = raw[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
             b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}[magic]
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(order + "I", raw[20:24])[0] & 0x0fffffff
    at, records = 24, []
    while at + 16 <= len(raw):
        sec, frac, caplen, length = struct.unpack(order + "IIII", raw[at:at + 16])
        data = raw[at + 16:at + 16 + caplen]
        if len(data) < caplen:
            break
        records.append(Record(linktype, sec, frac * (1 if nano else 1000), caplen, length, data))
        at += 16 + caplen
    return records


def read_pcapng(raw):
    at, order, ifaces, records = 0, "<", [], []
    while at + 12 <= len(raw):
        btype = struct.unpack(order + "I", raw[at:at + 4])[0]
        if btype == 0x0A0D0D0A:
            order = "<" if raw[at + 8:at + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(order + "I", raw[at + 4:at + 8])[0]
        if blen < 12 or at + blen > len(raw):
            break
        body = raw[at + 8:at + blen - 4]
        if btype == 1:  # IDB: keep linktype and ts resolution
            linktype = struct.unpack(order + "H", body[:2])[0]
            resol = 6
            opt = 8
            while opt + 4 <= len(body):
                code, olen = struct.unpack(order + "HH", body[opt:opt + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    resol = body[opt + 4]
                opt += 4 + ((olen + 3) & ~3)
            ifaces.append((linktype, resol))
        elif btype == 6 and ifaces:  # EPB
            iface, hi, lo, caplen, length = struct.unpack(order + "IIIII", body[:20])
            linktype, resol = ifaces[iface]
            t = hi << 32 | lo
            per_sec = 10 ** resol if resol < 0x80 else 2 ** (resol & 0x7f)
            ns = (t % per_sec) * 1_000_000_000 // per_sec
            records.append(Record(linktype, t // per_sec, ns, caplen, length,
                                  body[20:20 + caplen]))
        elif btype == 3 and ifaces:  # SPB
            length = struct.unpack(order + "I", body[:4])[0]
            data = body[4:4 + length]
            records.append(Record(ifaces[0][0], 0, 0, len(data), length, data))
        at += blen
    return records


def read_capture(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] == b"\x0a\x0d\x0d\x0a":
        return "pcapng", raw, read_pcapng(raw)
    return "pcap", raw, read_pcap(raw)


# --- writers ---------------------------------------------------------------------------------

def wire_len(r):
    """A record's length on the wire; records built here from a bare frame leave it 0."""
    return max(r.length, len(r.data))


def pcap_file(linktype, records, order="<", nano=False, snaplen=262144):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for r in records:
        frac = r.ts_frac if nano else r.ts_frac // 1000
        out.append(struct.pack(order + "IIII", r.ts_sec, frac, len(r.data), wire_len(r)) + r.data)
    return b"".join(out)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(order, btype, body):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)


def option(order, code, value):
    return struct.pack(order + "HH", code, len(value)) + pad4(value)


def shb(order="<"):
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(order, linktype, tsresol=None, snaplen=262144):
    opts = b""
    if tsresol is not None:
        opts = option(order, 9, bytes([tsresol])) + struct.pack(order + "HH", 0, 0)
    return block(order, 1, struct.pack(order + "HHI", linktype, 0, snaplen) + opts)


def epb(order, iface, r, tsresol=6):
    per_sec = 10 ** tsresol if tsresol < 0x80 else 2 ** (tsresol & 0x7f)
    t = r.ts_sec * per_sec + r.ts_frac * per_sec // 1_000_000_000
    body = struct.pack(order + "IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(r.data), wire_len(r))
    return block(order, 6, body + r.data)


def spb(order, r):
    return block(order, 3, struct.pack(order + "I", wire_len(r)) + r.data)


def pcapng_file(linktype, records, order="<", tsresol=None, snaplen=262144):
    out = [shb(order), idb(order, linktype, tsresol, snaplen)]
    out += [epb(order, 0, r, 6 if tsresol is None else tsresol) for r in records]
    return b"".join(out)


# --- link type conversions -------------------------------------------------------------------

def ip_version(data):
    return data[0] >> 4 if data else 0


def to_other_links(dlt, data):
    """The same packet under link types no shared capture has: (dlt, frame) pairs."""
    out = []
    ip = None
    if dlt == DLT_EN10MB and len(data) > 14 and data[12:14] in (b"\x08\x00", b"\x86\xdd"):
        ip = data[14:]
    elif dlt == DLT_LINUX_SLL and len(data) > 16:
        # SLL (type, ARPHRD, addr len, 8 addr bytes, protocol) -> SLL2 (protocol, reserved,
        # ifindex, ARPHRD, type, addr len, 8 addr bytes).
        sll2 = (data[14:16] + b"\0\0" + struct.pack(">I", 2) + data[2:4] + data[1:2] +
                data[5:6] + data[6:14])
        out.append((DLT_LINUX_SLL2, sll2 + data[16:]))
        if data[14:16] in (b"\x08\x00", b"\x86\xdd"):
            ip = data[16:]
    elif dlt == DLT_NULL and len(data) > 4:
        family = struct.unpack("<I", data[:4])[0]
        out.append((DLT_LOOP, struct.pack(">I", family) + data[4:]))
    elif dlt == DLT_PPP:
        out.append((DLT_PPP_SERIAL, data if data[:2] == b"\xff\x03" else b"\xff\x03" + data))
    if ip and ip_version(ip) in (4, 6):
        out.append((DLT_IPV4 if ip_version(ip) == 4 else DLT_IPV6, ip))
        # PPP in HDLC framing, protocol 0x0021 / 0x0057.
        proto = b"\x00\x21" if ip_version(ip) == 4 else b"\x00\x57"
        out.append((DLT_PPP_SERIAL, b"\xff\x03" + proto + ip))
    return out


def wire_control(extra):
    """fuzz_decode_frame's control byte for `extra` bytes on the wire past the capture."""
    for mode in range(3):
        n = -(-extra // (1 << (8 * mode)))
        if n < 64:
            return mode << 6 | n
    return 0xC0


def decode_seed(dlt, r):
    if r.length > r.caplen:  # a snaplen cut: an empty frame 0, then this one with its wire length
        return (struct.pack(">H", dlt) + SEPARATOR + bytes([wire_control(r.length - r.caplen), 0])
                + r.data)
    return struct.pack(">H", dlt) + r.data


def is_first_fragment(dlt, data):
    """An Ethernet frame holding an IPv4 or IPv6 first fragment (offset 0, more to come)."""
    if dlt != DLT_EN10MB or len(data) < 14 + 48:
        return False
    if data[12:14] == b"\x08\x00":
        return struct.unpack(">H", data[20:22])[0] & 0x3FFF == 0x2000
    if data[12:14] == b"\x86\xdd" and data[14 + 6] == 44:
        return struct.unpack(">H", data[14 + 40 + 2:14 + 40 + 4])[0] & 0xFFF9 == 1
    return False


def sequence_seed(dlt, records):
    """Several frames in one fuzz_decode_frame input, a quarter second apart."""
    out = [struct.pack(">H", dlt) + records[0].data]
    for r in records[1:]:
        out.append(SEPARATOR + bytes([wire_control(r.length - r.caplen), 1]) + r.data)
    return b"".join(out)


def protocol_stacks(path):
    try:
        out = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.protocols"],
                             capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return None
    return out.splitlines()


def write(directory, name, data, written):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    written.append(path)


def main():
    captures = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..",
                                                                   "shared", "captures")
    decode_dir = os.path.join(HERE, "corpus", "fuzz_decode_frame")
    pcap_dir = os.path.join(HERE, "corpus", "fuzz_pcap_file")
    for d in (decode_dir, pcap_dir):
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            if not name.startswith("fuzzed-"):  # kept: libFuzzer grew those, not this script
                os.remove(os.path.join(d, name))

    shared_hashes = set()
    written = []
    names = sorted(n for n in os.listdir(captures) if n.endswith((".pcap", ".pcapng", ".cap")))
    converted = {}
    for name in names:
        path = os.path.join(captures, name)
        with open(path, "rb") as f:
            shared_hashes.add(hashlib.sha256(f.read()).hexdigest())
        kind, raw, records = read_capture(path)
        stem = os.path.splitext(name)[0]

        # Decode seeds: the first frame of each distinct protocol stack.
        stacks = protocol_stacks(path) or ["?"] * len(records)
        seen, kept = set(), 0
        for i, r in enumerate(records):
            dlt = dlt_of_linktype(r.linktype)
            stack = stacks[i] if i < len(stacks) else "?"
            if stack in seen or dlt not in SUPPORTED or r.caplen > MAX_FRAME:
                continue
            seen.add(stack)
            write(decode_dir, f"{stem}-{i + 1}.bin", decode_seed(dlt, r), written)
            for other, frame in to_other_links(dlt, r.data):
                key = (other, stack)
                if key not in converted:
                    converted[key] = (f"{stem}-{i + 1}-dlt{other}.bin",
                                      decode_seed(other, Record(r.linktype, 0, 0, len(frame),
                                                                len(frame) + r.length - r.caplen,
                                                                frame)))
            kept += 1
            if kept == FRAMES_PER_CAPTURE:
                break

        # A fragmented datagram: its first fragment and the frames after it, in one input.
        firsts = [i for i, r in enumerate(records)
                  if is_first_fragment(dlt_of_linktype(r.linktype), r.data)]
        if firsts:
            run = [r for r in records[firsts[0]:firsts[0] + 4] if r.caplen <= MAX_FRAME]
            write(decode_dir, f"{stem}-{firsts[0] + 1}-fragments.bin",
                  sequence_seed(dlt_of_linktype(run[0].linktype), run), written)

        # Capture-file seeds: the first records re-written, in the capture's own format.
        # A file of few records re-written the same way would be the same bytes: the snaplen
        # field then changes, so no seed is ever a copy.
        head = [Record(r.linktype, r.ts_sec, r.ts_frac, min(r.caplen, MAX_RECORD), r.length,
                       r.data[:MAX_RECORD]) for r in records[:RECORDS_PER_FILE]]
        for snaplen in (262144, 65535):
            if kind == "pcapng":
                linktype = records[0].linktype if records else 1
                data = pcapng_file(linktype, head, snaplen=snaplen)
            else:
                nano = raw[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
                order = ">" if raw[:1] == b"\xa1" else "<"
                data = pcap_file(struct.unpack(order + "I", raw[20:24])[0], head, order, nano,
                                 snaplen)
            if hashlib.sha256(data).hexdigest() not in shared_hashes:
                break
        write(pcap_dir, f"{stem}-head.{kind}", data, written)

    for key in sorted(converted):
        fname, data = converted[key]
        write(decode_dir, fname, data, written)

    # Crafted capture files, from a few small captures.
    def recs(name, n=RECORDS_PER_FILE):
        return read_capture(os.path.join(captures, name))[2][:n]

    eth = recs("zeek-http-get.pcap")
    sll = recs("tcpdump-tcp-handshake-nano.pcap")
    frag = recs("ndpi-dns_fragmented.pcap", 6)
    crafted = {
        "eth-big-endian.pcap": pcap_file(1, eth, ">"),
        "eth-nano.pcap": pcap_file(1, eth, "<", nano=True),
        "eth-cut-mid-record.pcap": pcap_file(1, eth)[:-7],
        "eth-snaplen-60.pcap": pcap_file(1, [Record(r.linktype, r.ts_sec, r.ts_frac, 60, r.length,
                                                    r.data[:60]) for r in eth], snaplen=60),
        "eth-fragments.pcap": pcap_file(1, frag),
        "eth-tsresol-9.pcapng": pcapng_file(1, eth, "<", 9),
        "eth-tsresol-2pow20.pcapng": pcapng_file(1, eth, "<", 0x80 | 20),
        "eth-big-endian.pcapng": pcapng_file(1, eth, ">", 9),
        "eth-spb.pcapng": shb() + idb("<", 1) + b"".join(spb("<", r) for r in eth),
        "mixed-links.pcapng": (shb() + idb("<", 1) + idb("<", LINKTYPE_RAW) + epb("<", 0, eth[0])
                               + epb("<", 1, Record(101, 0, 0, 0, 0, eth[1].data[14:]))),
        "two-sections.pcapng": pcapng_file(1, eth[:1]) + pcapng_file(1, eth[1:2], ">", 9),
        "sll2.pcap": pcap_file(DLT_LINUX_SLL2, [Record(r.linktype, r.ts_sec, r.ts_frac, 0, 0, f)
                                                for r in sll
                                                for d, f in to_other_links(DLT_LINUX_SLL, r.data)
                                                if d == DLT_LINUX_SLL2]),
        "loop.pcap": pcap_file(DLT_LOOP, [Record(r.linktype, r.ts_sec, r.ts_frac, 0, 0, f)
                                          for r in recs("tcpdump-dns-badcookie.pcap")
                                          for d, f in to_other_links(DLT_NULL, r.data)
                                          if d == DLT_LOOP]),
        "ppp-serial.pcap": pcap_file(DLT_PPP_SERIAL, [Record(r.linktype, r.ts_sec, r.ts_frac, 0, 0,
                                                             b"\xff\x03\x00\x21" + r.data[14:])
                                                      for r in eth]),
    }
    for name, data in crafted.items():
        write(pcap_dir, f"crafted-{name}", data, written)

    for path in written:
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() in shared_hashes:
                sys.exit(f"{path} is a byte-identical copy of a shared capture")
    total = sum(os.path.getsize(p) for p in written)
    print(f"{len(written)} seeds, {total} bytes")


if __name__ == "__main__":
    main()
