#!/usr/bin/env python3
"""Derive pairwatch's compiled service table from IANA's port registry.

    python3 scripts/gen-services.py [CSV] [-o OUT]

CSV defaults to ../shared/iana/service-names-port-numbers.csv (relative to the repository root),
OUT to src/services/iana_services.inc. Standard library only.

What is kept, and why:
  - tcp and udp rows only (pairwatch tracks nothing else), with a service name (IANA's
    Reserved/Unassigned rows have none) and a port: a single number, or a range of at most
    MAX_RANGE ports, expanded (only x11 6000-6063 and ircu 6665-6669 exist today).
  - The first row per (protocol, port) wins, in the CSV's order: IANA lists the primary name
    first (http before www and www-http on 80, whoispp before its legacy alias whois++). If the
    winning row has no description, the next row for that port with one lends it.
  - Descriptions are made short: whitespace collapsed, IANA's boilerplate "IANA assigned this
    well-formed service name as a replacement for ..." removed, then cut at a word boundary to
    at most MAX_DESC characters ("..." marks a cut).

The output is one string pool (each distinct name+description once, so the tcp and udp rows of a
service share it) and one sorted array per protocol of 8-byte entries {port, name_len, desc_len,
offset}, which src/services/iana_table.cpp binary-searches.
"""

import argparse
import csv
import hashlib
import os
import re
import sys

MAX_RANGE = 64
MAX_DESC = 60
PROTOS = ("tcp", "udp")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CSV = os.path.join(ROOT, "..", "shared", "iana", "service-names-port-numbers.csv")
DEFAULT_OUT = os.path.join(ROOT, "src", "services", "iana_services.inc")

BOILERPLATE = re.compile(
    r"\s*IANA assigned this well-formed service name as a replacement for\s+\"[^\"]*\"\.?")


def parse_ports(text):
    """'443' -> (443, 443); '6000-6063' -> (6000, 6063); anything else -> None."""
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", text.strip())
    if not m:
        return None
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if lo > hi or hi > 65535:
        return None
    return lo, hi


def short_description(text):
    text = BOILERPLATE.sub("", text)
    text = " ".join(text.split())
    if len(text) <= MAX_DESC:
        return text
    cut = text[: MAX_DESC - 3]
    space = cut.rfind(" ")
    if space >= MAX_DESC // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "..."


def cxx_escape(text):
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append("\\%03o" % byte)  # octal: at most 3 digits, so never eats the next char
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?", default=DEFAULT_CSV, help="IANA service-names-port-numbers.csv")
    ap.add_argument("-o", "--output", default=DEFAULT_OUT, help="generated C++ file")
    args = ap.parse_args()

    with open(args.csv, "rb") as f:
        raw = f.read()
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines(keepends=True)))
    newest = max((r.get("Modification Date") or r.get("Registration Date") or "" for r in rows),
                 default="")

    table = {p: {} for p in PROTOS}  # proto -> port -> [name, description]
    skipped = {"other protocol": 0, "no name": 0, "no port": 0, "large range": 0, "duplicate": 0}
    ranges = []
    for r in rows:
        proto = (r["Transport Protocol"] or "").strip().lower()
        name = (r["Service Name"] or "").strip()
        if proto not in PROTOS:
            skipped["other protocol"] += 1
            continue
        if not name:
            skipped["no name"] += 1
            continue
        ports = parse_ports(r["Port Number"] or "")
        if ports is None:
            skipped["no port"] += 1
            continue
        lo, hi = ports
        if hi - lo + 1 > MAX_RANGE:
            skipped["large range"] += 1
            continue
        if hi > lo:
            ranges.append(f"{name} {lo}-{hi}/{proto}")
        desc = short_description(r["Description"] or "")
        for port in range(lo, hi + 1):
            entry = table[proto].get(port)
            if entry is None:
                table[proto][port] = [name, desc]
            else:
                skipped["duplicate"] += 1
                if not entry[1] and desc:
                    entry[1] = desc

    for proto in PROTOS:
        for port, (name, desc) in table[proto].items():
            if len(name.encode()) > 255 or len(desc.encode()) > 255:
                sys.exit(f"gen-services: {name} {port}/{proto}: name or description over 255 bytes")

    pool = []
    pool_len = 0
    offsets = {}
    arrays = {}
    for proto in PROTOS:
        entries = []
        for port in sorted(table[proto]):
            name, desc = table[proto][port]
            key = (name, desc)
            if key not in offsets:
                offsets[key] = pool_len
                pool.append(name + desc)
                pool_len += len((name + desc).encode("utf-8"))
            entries.append((port, len(name.encode()), len(desc.encode()), offsets[key]))
        arrays[proto] = entries

    csv_name = os.path.basename(args.csv)
    sha = hashlib.sha256(raw).hexdigest()
    counts = ", ".join(f"{p} {len(arrays[p])}" for p in PROTOS)
    skips = ", ".join(f"{k} {v}" for k, v in skipped.items())
    lines = [
        "// Generated by scripts/gen-services.py; do not edit. Rerun the script instead:",
        "//     python3 scripts/gen-services.py ../shared/iana/service-names-port-numbers.csv",
        f"// Source: IANA {csv_name}, {len(raw)} bytes, {len(rows)} rows, newest modification",
        f"// date {newest}, sha256 {sha[:16]}.",
        f"// Entries: {counts}. Expanded ranges: {', '.join(ranges) or 'none'}.",
        f"// Rows skipped: {skips}",
        "// (the first row per protocol and port wins).",
        f"// Pool: {pool_len} bytes; entries: 8 bytes each.",
        "// Included once, by src/services/iana_table.cpp.",
        "",
        "// The pool is one string literal; clang's -Wpedantic warns past 65536 characters, a limit",
        "// only of what compilers must support, which GCC and clang both exceed.",
        "#pragma GCC diagnostic push",
        '#pragma GCC diagnostic ignored "-Woverlength-strings"',
        "constexpr char kIanaPool[] =",
    ]
    chunk = ""
    for s in pool:
        chunk += cxx_escape(s)
        if len(chunk) > 90:
            lines.append(f'    "{chunk}"')
            chunk = ""
    if chunk:
        lines.append(f'    "{chunk}"')
    lines[-1] += ";"
    lines.append("#pragma GCC diagnostic pop")
    lines.append(f"static_assert(sizeof(kIanaPool) == {pool_len} + 1);")
    for proto in PROTOS:
        lines.append("")
        lines.append(f"constexpr IanaEntry kIana{proto.capitalize()}[] = {{")
        row = "   "
        for port, nlen, dlen, off in arrays[proto]:
            item = f" {{{port}, {nlen}, {dlen}, {off}}},"
            if len(row) + len(item) > 100:
                lines.append(row)
                row = "   "
            row += item
        if row.strip():
            lines.append(row)
        lines.append("};")
    text = "\n".join(lines) + "\n"

    with open(args.output, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    print(f"gen-services: wrote {os.path.relpath(args.output)}: {counts}; pool {pool_len} bytes; "
          f"skipped {skips}", file=sys.stderr)


if __name__ == "__main__":
    main()
