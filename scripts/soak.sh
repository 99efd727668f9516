#!/usr/bin/env bash
# A long live run (issue 8): pairwatch captures on a veth for SECONDS (default 600) while real
# clients in a network namespace keep making HTTP connections and UDP queries to real servers.
# Every 10 s it samples pairwatch's resident memory. It passes when memory stays flat after the
# warm-up, the kernel dropped nothing, and the records pairwatch wrote are exactly the
# conversations the clients made. Needs root (namespaces); sends only inside its own namespaces.
#
#   scripts/soak.sh [SECONDS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seconds=${1:-600}
[[ $seconds =~ ^[1-9][0-9]*$ && $seconds -ge 60 ]] || { echo "usage: scripts/soak.sh [SECONDS >= 60]" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "soak.sh: needs root (network namespaces)" >&2; exit 2; }
ensure_packages "${BUILD_PACKAGES[@]}" python3 iproute2
build release >/dev/null
bin=$PAIRWATCH_ROOT/build/release/pairwatch
source "$PAIRWATCH_ROOT/tests/e2e/netns.sh"

warmup=60 # the UDP timeout (10 s) and the linger long passed: the table is at its steady size
tag=$$
srv="pwsoak-srv-$tag"
cli="pwsoak-cli-$tag"
work=$(mktemp -d)
chmod 1777 "$work" # written by pairwatch after it drops to nobody
cleanup() {
    [[ -n ${pw_pid:-} ]] && kill "$pw_pid" 2>/dev/null || true
    netns_teardown "$srv" "$cli"
    [[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

make_pair "$srv" "$cli" veth-srv veth-cli 10.97.0.1/24 10.97.0.2/24
mkdir -p "$work/www"
head -c 20000 /dev/zero | tr '\0' 'x' >"$work/www/page.html"
ip netns exec "$srv" python3 -m http.server 8080 --bind 10.97.0.1 --directory "$work/www" >/dev/null 2>&1 &
ip netns exec "$srv" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.97.0.1", 5353))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
' &
wait_listening "$srv" tcp 8080
wait_listening "$srv" udp 5353

ip netns exec "$srv" "$bin" -i veth-srv --interval 10 --udp-timeout 10 --linger 1 \
    --json "$work/flows.jsonl" >"$work/report.txt" 2>"$work/err.txt" &
pw_pid=$!
wait_for grep -q "capturing on veth-srv" "$work/err.txt" || { cat "$work/err.txt"; exit 1; }

# The clients: a new TCP connection and a new UDP socket (a new conversation each) about 40
# times a second. 20000 UDP source ports last ~8 minutes: a run longer than that reuses them
# long after --udp-timeout, which is a new conversation again.
ip netns exec "$cli" python3 - "$seconds" "$work/made.txt" <<'EOF' &
import http.client, socket, sys, time
end = time.monotonic() + int(sys.argv[1])
made = {"http": 0, "udp": 0}  # attempts: each is a conversation, answered or not
while time.monotonic() < end:
    made["http"] += 1
    try:
        c = http.client.HTTPConnection("10.97.0.1", 8080, timeout=5)
        c.request("GET", "/page.html")
        c.getresponse().read()
        c.close()
    except OSError as e:
        print("http:", e, file=sys.stderr)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Its own source port, not reused for 20000 queries (~8 minutes): the kernel's choice may
    # come back within --udp-timeout, and the same socket pair is rightly one conversation.
    u.bind(("10.97.0.2", 20000 + made["udp"] % 20000))
    made["udp"] += 1
    u.settimeout(2)
    u.sendto(b"query %d" % made["udp"], ("10.97.0.1", 5353))
    try:
        u.recv(2048)
    except OSError as e:
        print("udp:", e, file=sys.stderr)
    u.close()
    time.sleep(0.025)
open(sys.argv[2], "w").write("%d %d\n" % (made["http"], made["udp"]))
EOF
clients=$!

printf '%6s %10s\n' "t (s)" "RSS (kB)" | tee "$work/rss.txt"
start=$(date +%s)
while kill -0 "$clients" 2>/dev/null; do
    sleep 10
    now=$(($(date +%s) - start))
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pw_pid/status")
    printf '%6d %10d\n' "$now" "$rss" | tee -a "$work/rss.txt"
done
wait "$clients"
sleep 12 # the last UDP conversations end by --udp-timeout, as on a live link
kill -INT "$pw_pid"
status=0
wait "$pw_pid" || status=$?
pw_pid=

read -r http_made udp_made <"$work/made.txt"
http_seen=$(grep -c '"resp_p":8080,' "$work/flows.jsonl" || true)
udp_seen=$(grep -c '"resp_p":5353,' "$work/flows.jsonl" || true)
received=$(grep -oE 'capture: [0-9]+ received' "$work/report.txt" | grep -oE '[0-9]+' || echo "?")
dropped=$(grep -oE '[0-9]+ dropped by the kernel' "$work/report.txt" | grep -oE '^[0-9]+' || echo "?")
# Flat: no sample after the warm-up more than 10% (or 4 MB, when that is more) above the first.
read -r base top < <(awk -v w="$warmup" 'NR > 1 && $1 >= w { if (base == "") base = $2; if ($2 > top) top = $2 }
    END { print base + 0, top + 0 }' "$work/rss.txt")

fail=0
check() {
    if eval "$1"; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi
}
echo
echo "soak: ${seconds}s, $http_made HTTP connections and $udp_made UDP queries made; pairwatch:" \
    "$http_seen and $udp_seen conversations, $received packets received, $dropped dropped by the kernel"
check '[[ $status -eq 0 ]]' "pairwatch ended with status 0 after SIGINT (got $status)"
check '[[ $http_seen -eq $http_made && $udp_seen -eq $udp_made ]]' "one record per conversation the clients made"
check '[[ $dropped == 0 ]]' "no packet dropped by the kernel"
slack=$((base / 10 > 4096 ? base / 10 : 4096))
check '[[ $base -gt 0 && $top -le $((base + slack)) ]]' \
    "memory flat after ${warmup}s: $base kB then at most $top kB"
[[ -n ${KEEP:-} ]] && echo "kept: $work"
exit $fail
