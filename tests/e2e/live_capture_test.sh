#!/usr/bin/env bash
# Live capture end to end: pairwatch -i on a veth in a network namespace while curl fetches a
# page from a real HTTP server across it; --packets must show the TCP handshake, and SIGINT
# must end the run cleanly with the counters printed; SIGHUP reopens the output files, and the
# capture runs as nobody once the handle is open.
set -euo pipefail
PAIRWATCH=${1:?usage: live_capture_test.sh PAIRWATCH_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netns.sh"
require_netns

for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit $E2E_SKIP; }
done

tag=$$
srv="pwe2e-srv-$tag"
cli="pwe2e-cli-$tag"
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
    [[ -n ${pw_pid:-} ]] && kill "$pw_pid" 2>/dev/null || true
    [[ -n ${http_pid:-} ]] && kill "$http_pid" 2>/dev/null || true
    ip netns del "$srv" 2>/dev/null || true
    ip netns del "$cli" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

make_pair "$srv" "$cli" veth-srv veth-cli 10.99.0.1/24 10.99.0.2/24
mkdir -p "$work/www"
echo "hello from the server namespace" >"$work/www/index.html"
ip netns exec "$srv" /usr/bin/python3 -m http.server 8080 --bind 10.99.0.1 --directory "$work/www" \
    >"$work/http.log" 2>&1 &
http_pid=$!
wait_for ip netns exec "$srv" bash -c 'exec 3<>/dev/tcp/10.99.0.1/8080'

ip netns exec "$srv" "$PAIRWATCH" -i veth-srv --packets >"$work/out.txt" 2>"$work/err.txt" &
pw_pid=$!
wait_for grep -q "capturing on veth-srv" "$work/err.txt" || {
    echo "FAIL: pairwatch did not start capturing"; cat "$work/err.txt"; exit 1; }

body=$(ip netns exec "$cli" curl -s --max-time 5 http://10.99.0.1:8080/index.html)
[[ $body == "hello from the server namespace" ]] || { echo "FAIL: curl got '$body'"; exit 1; }
# The FIN exchange follows the response; give it a moment to be captured.
wait_for grep -q '> 10.99.0.2:[0-9]* \[F' "$work/out.txt" || sleep 1

kill -INT "$pw_pid"
status=0
wait "$pw_pid" || status=$?
pw_pid=
echo "--- pairwatch stdout"
cat "$work/out.txt"
echo "--- pairwatch stderr"
cat "$work/err.txt"

fail=0
expect() {
    if grep -Eq "$1" "$work/out.txt"; then
        echo "ok: $2"
    else
        echo "FAIL: $2 (no line matching $1)"
        fail=1
    fi
}
[[ $status -eq 0 ]] || { echo "FAIL: exit status $status after SIGINT"; fail=1; }
port='[0-9]+'
expect "^[0-9]+ [0-9]+\.([0-9]{6}|[0-9]{9}) TCP 10\.99\.0\.2:$port > 10\.99\.0\.1:8080 \[S\] 0$" "SYN from the client"
expect "^[0-9]+ [0-9]+\.([0-9]{6}|[0-9]{9}) TCP 10\.99\.0\.1:8080 > 10\.99\.0\.2:$port \[S\.\] 0$" "SYN-ACK from the server"
expect "^[0-9]+ [0-9]+\.([0-9]{6}|[0-9]{9}) TCP 10\.99\.0\.2:$port > 10\.99\.0\.1:8080 \[\.\] 0$" "ACK completing the handshake"
expect "^[0-9]+ [0-9]+\.([0-9]{6}|[0-9]{9}) TCP 10\.99\.0\.2:$port > 10\.99\.0\.1:8080 \[P\.\] [1-9][0-9]*$" "the HTTP request with payload"
expect "^decode: [0-9]+ frames read$" "the decode counters after SIGINT"
expect "^capture: [0-9]+ received, 0 dropped by the kernel" "the kernel drop counter"
# One client port throughout: the handshake lines belong to one conversation.
ports=$(grep -Eo '10\.99\.0\.2:[0-9]+ > 10\.99\.0\.1:8080' "$work/out.txt" | sort -u | wc -l)
[[ $ports -eq 1 ]] || { echo "FAIL: expected one client port, saw $ports"; fail=1; }

# The rolling report: without --packets, a live capture prints a block every --interval, and
# the final summary at the end.
ip netns exec "$srv" "$PAIRWATCH" -i veth-srv --interval 0.3 >"$work/report.txt" 2>"$work/err2.txt" &
pw_pid=$!
wait_for grep -q "capturing on veth-srv" "$work/err2.txt" || { echo "FAIL: no second capture"; exit 1; }
ip netns exec "$cli" curl -s --max-time 5 -o /dev/null http://10.99.0.1:8080/index.html
wait_for grep -q '10\.99\.0\.1:8080' "$work/report.txt" || true
kill -INT "$pw_pid"
status=0
wait "$pw_pid" || status=$?
pw_pid=
echo "--- report"
cat "$work/report.txt"
[[ $status -eq 0 ]] || { echo "FAIL: report run exit status $status"; fail=1; }
expect_in() {
    if grep -Eq "$1" "$work/report.txt"; then echo "ok: $2"; else echo "FAIL: $2 (no line matching $1)"; fail=1; fi
}
expect_in '^=== [0-9]+\.[0-9]{3}$' "a report block with its timestamp line"
expect_in '^pairwatch  veth-srv \(live\)  [0-9-]+ [0-9:]+  up [0-9]+s$' "the report's title line"
expect_in '^[0-9.k]+ pkt/s  [0-9.kM]+b/s  \| packets [0-9]+  kernel drops 0  interface drops 0  malformed 0' "the report's rate and drop line"
expect_in '^tcp +10\.99\.0\.2:[0-9]+ +10\.99\.0\.1:8080 +http-alt +registered +S[F1] ' "the conversation in a report block"
expect_in '^10\.99\.0\.1:8080 +tcp +http-alt +registered +1 +1 ' "the web server in the servers view, with its one client"
expect_in '^ *tcp +10\.99\.0\.2:[0-9]+ > 10\.99\.0\.1:8080 +http-alt +S[F1]' "the conversation in the final summary"

# A quiet link: a UDP conversation ends by the wall clock once --udp-timeout passes, with no later
# packet to move the clock; the report blocks keep coming with no traffic.
ip netns exec "$srv" "$PAIRWATCH" -i veth-srv --interval 0.3 --udp-timeout 1 \
    --json "$work/idle.jsonl" >"$work/idle.txt" 2>"$work/err3.txt" &
pw_pid=$!
wait_for grep -q "capturing on veth-srv" "$work/err3.txt" || { echo "FAIL: no third capture"; exit 1; }
ip netns exec "$cli" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"ping", ("10.99.0.1", 9999))'
wait_for grep -Eq '^udp +10\.99\.0\.2:[0-9]+ +10\.99\.0\.1:9999 ' "$work/idle.txt" || true
# Its record reaches the file before the run ends (a live capture flushes every second), about
# 2 s after the datagram; a loaded machine may take longer, hence a wait rather than a sleep.
# Then a block drawn after the expiry, so the last block cannot predate it.
if wait_for grep -q '"resp_p":9999,.*"end_reason":"idle"' "$work/idle.jsonl"; then
    wait_for grep -Eq '^flows 0 active, [1-9][0-9]* total' "$work/idle.txt" || true
    echo "ok: the idle record reached --json while the capture runs"
else
    echo "FAIL: no idle record in --json before the end:"; cat "$work/idle.jsonl"; fail=1
fi
kill -INT "$pw_pid"
wait "$pw_pid" || true
pw_pid=
last_block=$(awk '/^=== /{ block = "" } { block = block $0 "\n" } END { printf "%s", block }' "$work/idle.txt" |
    sed -n '/^===/,/^pairwatch: /p')
if grep -Eq '^udp +10\.99\.0\.2:[0-9]+ +10\.99\.0\.1:9999 ' "$work/idle.txt"; then
    echo "ok: the UDP conversation in a report block"
else
    echo "FAIL: the UDP datagram never showed in the report"; fail=1
fi
if grep -Eq '^flows 0 active, [1-9][0-9]* total' <<<"$last_block"; then
    echo "ok: it ended by the wall clock on a quiet link"
else
    echo "FAIL: the last block still has it open:"; echo "$last_block"; fail=1
fi

# SIGHUP reopens the output files (logrotate moved them), and the capture runs as nobody with
# nobody's groups only. The new files are made after the drop: nobody must be able to write there.
logs="$work/logs"
mkdir -p "$logs"
chmod 1777 "$logs"
ip netns exec "$srv" "$PAIRWATCH" -i veth-srv -q --linger 0.2 --json "$logs/flows.jsonl" \
    --csv "$logs/flows.csv" --zeek-conn "$logs/conn.log" 2>"$work/err4.txt" &
pw_pid=$!
wait_for grep -q "capturing on veth-srv" "$work/err4.txt" || { echo "FAIL: no fourth capture"; exit 1; }
want_ids="$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)"
# "capturing on" is logged when the handle opens; the drop follows the rest of the start-up.
dropped() { [[ $(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pw_pid/status") == "$want_ids" ]]; }
wait_for dropped || true
got_uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pw_pid/status")
want_gids="$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)"
got_gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pw_pid/status")
got_groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pw_pid/status" | tr ' ' '\n' | sed '/^$/d' | sort -n | xargs)
want_groups=$(id -G nobody | tr ' ' '\n' | sort -n | xargs)
if [[ $got_uids == "$want_ids" && $got_gids == "$want_gids" && $got_groups == "$want_groups" ]]; then
    echo "ok: running as nobody (uid $got_uids, gid $got_gids, groups $got_groups)"
else
    echo "FAIL: after the drop: uids '$got_uids' (want '$want_ids'), gids '$got_gids' (want '$want_gids'), groups '$got_groups' (want '$want_groups')"
    fail=1
fi
ip netns exec "$cli" curl -s --max-time 5 -o /dev/null http://10.99.0.1:8080/index.html
wait_for grep -q '"resp_p":8080' "$logs/flows.jsonl" || { echo "FAIL: no first record"; cat "$work/err4.txt"; exit 1; }
for f in flows.jsonl flows.csv conn.log; do mv "$logs/$f" "$logs/$f.1"; done
kill -HUP "$pw_pid"
wait_for test -f "$logs/flows.jsonl" -a -f "$logs/flows.csv" -a -f "$logs/conn.log" ||
    { echo "FAIL: SIGHUP made no new files"; cat "$work/err4.txt"; exit 1; }
ip netns exec "$cli" curl -s --max-time 5 -o /dev/null http://10.99.0.1:8080/index.html
wait_for grep -q '"resp_p":8080' "$logs/flows.jsonl" || true
kill -INT "$pw_pid"
status=0
wait "$pw_pid" || status=$?
pw_pid=
echo "--- stderr"; cat "$work/err4.txt"
[[ $status -eq 0 ]] || { echo "FAIL: exit status $status after SIGHUP and SIGINT"; fail=1; }
check() {
    if eval "$1"; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi
}
check '[[ $(grep -c "\"resp_p\":8080" "$logs/flows.jsonl.1") -eq 1 ]]' "the first conversation in the moved JSON file"
check '[[ $(grep -c "\"resp_p\":8080" "$logs/flows.jsonl") -eq 1 ]]' "the second in the new one"
check '[[ $(head -1 "$logs/flows.csv") == $(head -1 "$logs/flows.csv.1") && $(head -1 "$logs/flows.csv") == uid,* ]]' \
    "the new CSV file starts with the header row"
check '[[ $(grep -c ",8080," "$logs/flows.csv.1") -eq 1 && $(grep -c ",8080," "$logs/flows.csv") -eq 1 ]]' \
    "one CSV row in each"
check '[[ $(tail -1 "$logs/conn.log.1") == "#close"* && $(head -1 "$logs/conn.log") == "#separator"* ]]' \
    "the moved conn.log ends with #close, the new one starts with its header"
check '[[ $(tail -1 "$logs/conn.log") == "#close"* && $(grep -c "	8080	" "$logs/conn.log") -eq 1 ]]' \
    "the new conn.log has the second conversation and its own #close"
check '[[ $(grep -c ": reopened" "$work/err4.txt") -eq 3 ]]' "one 'reopened' line per output"
exit $fail
