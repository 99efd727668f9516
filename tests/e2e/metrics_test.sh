#!/usr/bin/env bash
# --metrics during a replay: scrapes /metrics while the demo capture replays, and checks every
# scrape against the final summary: counters never go down, never pass the summary's totals, and
# a scrape in the middle of the run shows it in progress. Also: only /metrics is served, and
# the endpoint listens on 127.0.0.1 unless told otherwise.
set -euo pipefail
PAIRWATCH=${1:?usage: metrics_test.sh PAIRWATCH_BINARY CAPTURE}
CAPTURE=${2:?usage: metrics_test.sh PAIRWATCH_BINARY CAPTURE}
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
work=$(mktemp -d)
trap 'kill "${pw_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$PAIRWATCH" -r "$CAPTURE" --replay-speed 2 --metrics "$port" >"$work/summary.txt" 2>"$work/err.txt" &
pw_pid=$!
fail=0
n=0
while kill -0 "$pw_pid" 2>/dev/null; do
    if curl -sf "http://127.0.0.1:$port/metrics" >"$work/scrape.$n" 2>/dev/null; then n=$((n + 1)); fi
    if ((n == 1)); then
        ss -ltn "sport = :$port" | grep -q "127.0.0.1:$port" && echo "ok: listening on 127.0.0.1 only" ||
            { echo "FAIL: not on 127.0.0.1:"; ss -ltn "sport = :$port"; fail=1; }
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
        [[ $code == 404 ]] && echo "ok: / is 404" || { echo "FAIL: / gave $code"; fail=1; }
    fi
    sleep 0.25
done
wait "$pw_pid" || { echo "FAIL: pairwatch exited non-zero"; cat "$work/err.txt"; fail=1; }
pw_pid=
frames=$(sed -n 's/^decode: \([0-9]*\) frames read$/\1/p' "$work/summary.txt")
created=$(sed -n 's/^table: \([0-9]*\) flows created.*/\1/p' "$work/summary.txt")
alerts=$(sed -n 's/^alerts: \([0-9]*\) raised.*/\1/p' "$work/summary.txt")
echo "summary: $frames frames, $created flows, ${alerts:-0} alerts; $n scrapes"
((n >= 5)) || { echo "FAIL: only $n scrapes in a 3.5 s replay"; fail=1; }
python3 - "$work" "$n" "$frames" "$created" "${alerts:-0}" <<'PY' || fail=1
import sys
work, n, frames, created, alerts = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
def read(i):
    values = {}
    for line in open(f"{work}/scrape.{i}"):
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        values[name] = int(value)
    return values
scrapes = [read(i) for i in range(n)]
ok = True
def check(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok &= cond
series = ["pairwatch_packets_total", "pairwatch_flows_created_total", "pairwatch_bytes_total"]
for s in series:
    vals = [sc.get(s, 0) for sc in scrapes]
    check(all(a <= b for a, b in zip(vals, vals[1:])), f"{s} never goes down: {vals}")
check(all(sc["pairwatch_packets_total"] <= frames for sc in scrapes), "packets never pass the summary's frames")
check(all(sc["pairwatch_flows_created_total"] <= created for sc in scrapes), "flows never pass the summary's")
alert_sum = [sum(v for k, v in sc.items() if k.startswith("pairwatch_alerts_total")) for sc in scrapes]
check(all(a <= alerts for a in alert_sum), f"alerts never pass the summary's {alerts}: {alert_sum}")
mid = [sc["pairwatch_packets_total"] for sc in scrapes if 0 < sc["pairwatch_packets_total"] < frames]
check(len(mid) >= 2, f"scrapes in the middle of the replay show it in progress ({len(mid)})")
ended = [sum(v for k, v in sc.items() if k.startswith("pairwatch_flows_ended_total")) for sc in scrapes]
check(all(e <= c for e, c in zip(ended, [sc["pairwatch_flows_created_total"] for sc in scrapes])),
      "no more flows ended than created")
check(all(sc["pairwatch_flows_active"] + e == sc["pairwatch_flows_created_total"]
          for sc, e in zip(scrapes, ended)), "active + ended = created in every scrape")
sys.exit(0 if ok else 1)
PY
if grep -q "metrics on http://127.0.0.1:$port/metrics" "$work/err.txt"; then
    echo "ok: the log names the endpoint's URL"
else
    echo "FAIL: no URL of the endpoint in the log:"; cat "$work/err.txt"; fail=1
fi

# stop_with_sigterm WHAT SUMMARY: SIGTERM to the running pairwatch, which must stop as without
# --metrics, exit status 0 and its summary marked "(interrupted)".
stop_with_sigterm() {
    kill -TERM "$pw_pid"
    [[ -z ${log_fd:-} ]] || { cat <&3 >/dev/null; exec 3<&-; log_fd=; }
    local rc=0
    wait "$pw_pid" || rc=$?
    pw_pid=
    if ((rc == 0)) && grep -q '^pairwatch: .* (interrupted)$' "$2"; then
        echo "ok: SIGTERM $1 stops the capture with its summary, exit status 0"
    else
        echo "FAIL: SIGTERM $1: exit status $rc, summary:"; cat "$2"; fail=1
    fi
}

# SIGTERM while the endpoint serves. libmicrohttpd's thread must not take the signal (it
# would end the process at once).
"$PAIRWATCH" -r "$CAPTURE" --replay-speed 0.5 --metrics "$port" >"$work/term.txt" 2>"$work/term-err.txt" &
pw_pid=$!
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/metrics" >/dev/null 2>&1 && break
    sleep 0.1
done
stop_with_sigterm "while the endpoint serves" "$work/term.txt"

# SIGTERM the moment the endpoint is up, before the capture has started (CI saw exit status
# 143 there): the signal waits for the capture, which stops at once. The log comes through a
# FIFO so the signal follows its line within a fraction of a millisecond; the build before
# the fix died this way in 8 runs of 8.
mkfifo "$work/early-log"
"$PAIRWATCH" -r "$CAPTURE" --replay-speed 0.5 --metrics "$port" >"$work/early.txt" 2>"$work/early-log" &
pw_pid=$!
exec 3<"$work/early-log"
log_fd=3
while IFS= read -r -u 3 line; do
    [[ $line == *"metrics on http"* ]] && break
done
stop_with_sigterm "at start-up" "$work/early.txt"
exit $fail
