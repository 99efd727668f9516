# A line-based TCP listener on IPv4 and IPv6 that sends a banner, then answers each line it gets
# with the next canned reply: stands in for a telnet login prompt, or an odd service on some
# port, in the LANs of tests/e2e and scripts/make-captures.sh. Backslash escapes (\r\n) in the
# arguments are decoded.
#   python3 line_server.py PORT BANNER [REPLY...]
import socket
import sys


def decoded(text):
    return text.encode().decode("unicode_escape").encode()


port, banner, replies = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port))
s.listen(8)
while True:
    c, _ = s.accept()
    with c:
        c.sendall(decoded(banner))
        for r in replies:
            if not c.recv(200):
                break
            c.sendall(decoded(r))
