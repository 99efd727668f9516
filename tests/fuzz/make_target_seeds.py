#!/usr/bin/env python3
"""Seeds for the fuzz targets that make_seeds.py does not make, from files in this repository
(no ../shared needed): run it again to rebuild them; `fuzzed-*` files (grown by libFuzzer and
kept by -merge=1) are left alone.

- fuzz_link_*: the fuzz_decode_frame seeds of the target's link types (the DLT prefix says which).
- fuzz_flow_pipeline: our own captures in captures/ up to MAX_CAPTURE bytes.
- fuzz_policy: tests/golden/policies/*.toml (lan.toml is the README's example) and small files
  for each feature of the format and each mistake it names.
- fuzz_services_file: services(5) lines of each kind parse_services() tells apart.
- fuzz_ipfix_encoder: uniflow and biflow runs of IPv4 and IPv6 records, small message limits.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
CORPUS = os.path.join(HERE, "corpus")
MAX_CAPTURE = 16384  # scripts/fuzz.sh's -max_len for fuzz_flow_pipeline

# As tests/fuzz/CMakeLists.txt (DLT numbers of libpcap on Linux).
LINK_TARGETS = {
    "fuzz_link_ethernet": {1},
    "fuzz_link_sll": {113},
    "fuzz_link_sll2": {276},
    "fuzz_link_null": {0, 108},
    "fuzz_link_raw": {12, 228, 229},
    "fuzz_link_ppp": {9, 50},
    "fuzz_link_nflog": {239},
}

POLICIES = {
    "minimal-allow.toml": 'default = "allow"\n',
    "any-host-any-service.toml": 'default = "deny"\n[[rule]]\naction = "allow"\n'
                                 'hosts = ["any"]\nservices = ["any"]\n',
    "families.toml": 'default = "deny"\n[[rule]]\nname = "v4 and v6"\naction = "allow"\n'
                     'hosts = ["0.0.0.0/0", "::/0", "::ffff:10.0.0.5", "fe80::1/10"]\n'
                     'services = ["*/123", "udp/0-65535", "tcp/0"]\nseverity = "critical"\n',
    "shadowed.toml": 'default = "deny"\n[[rule]]\naction = "allow"\nservices = ["ssh"]\n'
                     '[[rule]]\naction = "deny"\nhosts = ["10.0.0.0/8"]\nservices = ["tcp/22"]\n'
                     'severity = "low"\n',
    "names.toml": 'default = "deny"\n[[rule]]\naction = "allow"\nhosts = ["192.168.1.1"]\n'
                  'services = ["DNS", "https", "dhcp", "Telnet", "tcp/8000-8099"]\n',
    "mistakes.toml": 'default = "maybe"\n[[rule]]\naction = "allow"\n'
                     'hosts = ["10.0.0.300", "1.2.3.4/33", "::/129", 5]\n'
                     'services = ["tcp/9-1", "sctp/5", "nosuchservice", ""]\n'
                     '[[rule]]\nname = 7\n[rule]\n',
    "toml-syntax.toml": 'default = "deny"\n[[rule]]\naction = """allow"""\n'
                        "services = ['tcp/1', \"udp/\\u0032\"]\nhosts = [ # comment\n"
                        '  "10.0.0.1",\n]\n',
}

SERVICES = {
    "etc-services.services": "# Network services, Internet style\n"
                             "tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\n"
                             "ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n"
                             "domain\t\t53/tcp\n"
                             "domain\t\t53/udp\n"
                             "http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n"
                             "ddp-echo\t4/ddp\n"
                             "sctp-x\t\t9/sctp\n",
    "user.services": "intranet 8080/tcp # our wiki\nmetrics 9100/TCP\nbackup 873/udp alias1 alias2\n"
                     "intranet 8081/tcp\nintranet 8080/tcp # again\n",
    "malformed.services": "ok 1/tcp\nbad abc/tcp\nbig 70000/udp\nlonely\nx 22\n"
                          "range 6000-6063/tcp\nproto 22/icmp\n  \n#only a comment\n",
    "crlf.services": "a 1/tcp\r\nb 2/udp # c\r\n\tc\t3/tcp\n",
}


def ipfix_record(ipv6, end_reason, src, dst, sport, dport, proto, flags, vlan, packets, octets,
                 start, end, rpackets=0, roctets=0, rflags=0):
    kind = (1 if ipv6 else 0) | ((end_reason - 1) << 1)
    out = bytes([3, kind]) + src + dst  # opcode 3: a record
    out += struct.pack(">HHBHH", sport, dport, proto, flags, vlan)
    out += struct.pack(">QQQQQQH", packets, octets, start, end, rpackets, roctets, rflags)
    return out


def ipfix_seeds():
    v4a, v4b = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    v6a = bytes.fromhex("20010db8000000000000000000000001")
    v6b = bytes.fromhex("20010db8000000000000000000000002")
    tcp4 = ipfix_record(False, 3, v4a, v4b, 49152, 80, 6, 0x1b, 0, 10, 1500, 1_700_000_000_000,
                        1_700_000_001_000, 8, 9000, 0x1a)
    udp6 = ipfix_record(True, 1, v6a, v6b, 53, 40000, 17, 0, 42, 1, 80, 1_700_000_000_000,
                        1_700_000_000_000)
    extreme = ipfix_record(False, 5, b"\xff" * 4, b"\0" * 4, 65535, 0, 255, 0xffff, 4095,
                           2**64 - 1, 2**64 - 1, 2**64 - 1, 0, 2**64 - 1, 0, 0xffff)

    def header(biflow, domain, limit):
        return bytes([1 if biflow else 0]) + struct.pack(">IH", domain, limit)

    return {
        "uniflow-v4.bin": header(False, 0, 1400) + tcp4,
        "biflow-mixed.bin": header(True, 7, 1400) + tcp4 + udp6 + tcp4,
        # 512 bytes: a few records per message, so add() fails and a new message starts.
        "small-messages.bin": header(False, 1, 512) + (tcp4 + udp6) * 6 + bytes([0]),
        "templates-again.bin": header(True, 2**32 - 1, 65535) + tcp4 + bytes([1, 2]) + udp6
                               + bytes([0, 0, 1, 0]),
        "extremes.bin": header(False, 3, 0) + extreme + udp6 + extreme,
    }


def replace_seeds(directory, files):
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if not name.startswith("fuzzed-"):
            os.remove(os.path.join(directory, name))
    for name, data in files.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


def main():
    decode_dir = os.path.join(CORPUS, "fuzz_decode_frame")
    for target, dlts in LINK_TARGETS.items():
        files = {}
        for name in sorted(os.listdir(decode_dir)):
            with open(os.path.join(decode_dir, name), "rb") as f:
                data = f.read()
            if len(data) >= 2 and struct.unpack(">H", data[:2])[0] in dlts:
                files[name] = data
        replace_seeds(os.path.join(CORPUS, target), files)

    captures = os.path.join(ROOT, "captures")
    files = {}
    for name in sorted(os.listdir(captures)):
        path = os.path.join(captures, name)
        if name.endswith((".pcap", ".pcapng")) and os.path.getsize(path) <= MAX_CAPTURE:
            with open(path, "rb") as f:
                files[name] = f.read()
    replace_seeds(os.path.join(CORPUS, "fuzz_flow_pipeline"), files)

    files = {name: text.encode() for name, text in POLICIES.items()}
    golden = os.path.join(ROOT, "tests", "golden", "policies")
    for name in sorted(os.listdir(golden)):
        if name.endswith(".toml"):
            with open(os.path.join(golden, name), "rb") as f:
                files[name] = f.read()
    replace_seeds(os.path.join(CORPUS, "fuzz_policy"), files)

    replace_seeds(os.path.join(CORPUS, "fuzz_services_file"),
                  {name: text.encode() for name, text in SERVICES.items()})
    replace_seeds(os.path.join(CORPUS, "fuzz_ipfix_encoder"), ipfix_seeds())

    for target in list(LINK_TARGETS) + ["fuzz_flow_pipeline", "fuzz_policy",
                                        "fuzz_services_file", "fuzz_ipfix_encoder"]:
        regressions = os.path.join(HERE, "regressions", target)
        os.makedirs(regressions, exist_ok=True)
        # The replay takes the directory even while no crash has been kept in it.
        open(os.path.join(regressions, ".gitkeep"), "a").close()


if __name__ == "__main__":
    main()
