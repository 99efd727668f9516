#!/usr/bin/env bash
# Issue 5's end-to-end proof: pairwatch watches a LAN of network namespaces live (-i on the
# switch's bridge) with tests/e2e/lan-watch-policy.toml, which allows exactly the LAN's web, DNS
# and SSH servers (tests/e2e/lan_watch_scenario.sh draws the LAN).
#
#   run 1 (phase 1): the client uses the allowed services over IPv4 and IPv6. No alert may be
#     raised: an empty --alerts file, "alerts: none", exit status 0 despite --fail-on-alert, and
#     --servers lists exactly the allowed servers with the client.
#   run 2 (phase 2): services the policy does not allow answer the client, and a host sweeps 40
#     ports. The alerts raised, as (kind, host, port), must be exactly
#     tests/e2e/lan-watch-expected-alerts.txt; --fail-on-alert gives status 3; the rolling
#     report's alerts view and the summary show them; --servers lists each new server.
set -euo pipefail
PAIRWATCH=${1:?usage: lan_watch_test.sh PAIRWATCH_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/netns.sh"
source "$here/lan_watch_scenario.sh"
require_netns

for tool in "${LW_TOOLS[@]}"; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (packages: ${LW_PACKAGES[*]})"; exit $E2E_SKIP; }
done

POLICY=$here/lan-watch-policy.toml
EXPECTED=$here/lan-watch-expected-alerts.txt
# The sweep is 39 refused ports within a second; 20 in 60 s is a scan, and nothing else on this
# LAN fails even once.
SCAN_OPTIONS=(--scan-threshold 20 --scan-window 60)

LW_PREFIX="pwlw$$-"
LW_WORK=$(mktemp -d)
chmod 755 "$LW_WORK" # pairwatch drops to nobody once the capture is open; the servers read it too
lw_trap_cleanup

fail=0
ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fail=1
}
# check WHAT CMD...: ok when CMD succeeds, else a failure.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# start_watch NAME [pairwatch options]: pairwatch on the switch's bridge, sees every host. Its
# outputs are LW_WORK/NAME.{out,err,alerts.jsonl,servers.json}.
start_watch() {
    local name=$1
    shift
    ip netns exec "$(lw_ns sw)" "$PAIRWATCH" -i br0 --policy "$POLICY" --fail-on-alert \
        --alerts "$LW_WORK/$name.alerts.jsonl" --servers "$LW_WORK/$name.servers.json" \
        --interval 0.5 "$@" >"$LW_WORK/$name.out" 2>"$LW_WORK/$name.err" &
    LW_PID=$!
    wait_for grep -q "capturing on br0" "$LW_WORK/$name.err" || {
        echo "FAIL: pairwatch did not start capturing:"
        cat "$LW_WORK/$name.err"
        exit 1
    }
}
# stop_watch NAME: SIGINT, as a user's Ctrl-C; prints what it wrote; sets `status`.
stop_watch() {
    local name=$1
    kill -INT "$LW_PID"
    status=0
    wait "$LW_PID" || status=$?
    LW_PID=
    local f
    for f in out err alerts.jsonl servers.json; do
        echo "--- $name: pairwatch $f"
        cat "$LW_WORK/$name.$f" 2>/dev/null || echo "(none)"
    done
}

# alert_triples FILE: "kind host port" per alert of a JSON-lines file, sorted; port "-" for a scan.
alert_triples() {
    "$LW_PY" -c '
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    print(a["kind"], a["host"], "-" if a["port"] is None else a["port"])
' "$1" | LC_ALL=C sort
}
# server_lines FILE: "host proto port clients..." per server of a --servers file, sorted.
server_lines() {
    "$LW_PY" -c '
import json, sys
for s in json.load(open(sys.argv[1]))["servers"]:
    print(s["host"], s["proto"], s["port"], *sorted(s["first_clients"]))
' "$1" | LC_ALL=C sort
}
# expect_same WHAT WANT_FILE GOT_FILE
expect_same() {
    if diff -u "$2" "$3" >"$LW_WORK/diff"; then
        ok "$1"
    else
        bad "$1 (- expected, + got):"
        cat "$LW_WORK/diff"
    fi
}

started=$SECONDS
lw_build_lan
lw_start_expected
client4=${LW_V4[client]}
client6=${LW_V6[client]}

# --- run 1: only what the policy allows --------------------------------------------------------
start_watch clean
lw_use_expected
sleep 1 # the last FINs and ACKs
stop_watch clean
check "allowed traffic: exit status $status with --fail-on-alert (0: no alert)" test "$status" -eq 0
if [[ -f $LW_WORK/clean.alerts.jsonl && ! -s $LW_WORK/clean.alerts.jsonl ]]; then
    ok "allowed traffic: the --alerts file is empty"
else
    bad "allowed traffic raised alerts"
fi
check "allowed traffic: the summary says 'alerts: none'" grep -q '^alerts: none$' "$LW_WORK/clean.out"
LC_ALL=C sort >"$LW_WORK/clean.servers.want" <<EOF
${LW_V4[web]} tcp 80 $client4
${LW_V6[web]} tcp 80 $client6
${LW_V4[dns]} udp 53 $client4
${LW_V6[dns]} udp 53 $client6
${LW_V4[dns]} tcp 53 $client4
${LW_V4[ssh]} tcp 22 $client4
${LW_V6[ssh]} tcp 22 $client6
EOF
server_lines "$LW_WORK/clean.servers.json" >"$LW_WORK/clean.servers.got"
expect_same "allowed traffic: --servers lists exactly the allowed servers, each with its client" \
    "$LW_WORK/clean.servers.want" "$LW_WORK/clean.servers.got"

# --- run 2: services the policy does not allow, and a sweep -------------------------------------
lw_start_unexpected
start_watch watch "${SCAN_OPTIONS[@]}"
lw_use_unexpected
if "$PAIRWATCH" --help | grep -q -- '--no-dpi'; then
    cp "$EXPECTED" "$LW_WORK/alerts.want"
else
    echo "note: no payload check in this build: service-mismatch not expected"
    grep -v '^service-mismatch ' "$EXPECTED" >"$LW_WORK/alerts.want"
fi
want_alerts=$(wc -l <"$LW_WORK/alerts.want")
# The sweep's refused conversations count for the scan when they end, once their --linger (5 s)
# runs out on the wall clock: no packet comes after them. Wait for every alert, then for a report
# block that shows the scan, before stopping.
wait_for_s 20 sh -c "[ \$(wc -l <'$LW_WORK/watch.alerts.jsonl') -ge $want_alerts ]" ||
    echo "note: only $(wc -l <"$LW_WORK/watch.alerts.jsonl") of $want_alerts alerts after 20 s"
wait_for grep -Eq '^ *[0-9a-z.]+ +scan ' "$LW_WORK/watch.out" ||
    echo "note: no report block showed the scan alert within 10 s"
stop_watch watch
check "unexpected services: exit status $status with --fail-on-alert (3: alerts)" test "$status" -eq 3
alert_triples "$LW_WORK/watch.alerts.jsonl" >"$LW_WORK/alerts.got"
expect_same "the alerts raised are exactly $(basename "$EXPECTED")" "$LW_WORK/alerts.want" "$LW_WORK/alerts.got"

# The summary's count line, kinds in pairwatch's order, then a line per alert.
summary_kinds=""
for kind in new-server denied-service dynamic-port-server service-mismatch scan; do
    n=$(grep -c "^$kind " "$LW_WORK/alerts.want" || true)
    if ((n > 0)); then summary_kinds+="${summary_kinds:+, }$kind $n"; fi
done
check "the summary says: alerts: $want_alerts raised ($summary_kinds)" \
    grep -qxF "alerts: $want_alerts raised ($summary_kinds)" "$LW_WORK/watch.out"
while read -r kind host port; do
    # "  new-server [medium] 10.88.0.2 tcp/8080 (http-alt), ..."; "  scan [high] 10.88.0.66: ..."
    check "the summary lists $kind $host $port" \
        grep -qE "^  $kind \[[a-z]+\] ${host//./\\.}(:| tcp/$port[ ,])" "$LW_WORK/watch.out"
done <"$LW_WORK/alerts.want"

# The report's last text block before the summary: its alerts view has a row per alert. Which
# columns a row keeps depends on the width, so the row is matched by its words.
last_block=$(awk '/^=== /{ block = "" } /^pairwatch: br0/{ exit } { block = block $0 "\n" } END { printf "%s", block }' \
    "$LW_WORK/watch.out" | sed -n '/^alerts (newest first)$/,$p')
while read -r kind host port; do
    [[ $port == - ]] && port_col=- || port_col=tcp/$port
    # AGO KIND [SEVERITY] HOST PORT: a scan's PORT is "-".
    if grep -Eq "^ *[0-9a-z.]+ +$kind( +[a-z]+)? +${host//./\\.} +$port_col( |\$)" <<<"$last_block"; then
        ok "the report's alerts view shows $kind $host $port"
    else
        bad "the report's alerts view has no row for $kind $host $port"
    fi
done <"$LW_WORK/alerts.want"
[[ -n $last_block ]] || bad "no text block with an alerts view before the summary"

# Each server that answered in run 2, with the client it answered; the sweep found sshd on 22.
LC_ALL=C sort >"$LW_WORK/watch.servers.want" <<EOF
${LW_V4[web]} tcp 8080 $client4
${LW_V6[web]} tcp 8080 $client6
${LW_V4[web]} tcp 50123 $client4
${LW_V4[dns]} tcp 23 $client4
${LW_V4[ssh]} tcp 443 $client4
${LW_V4[ssh]} tcp 22 ${LW_V4[scanner]}
EOF
server_lines "$LW_WORK/watch.servers.json" >"$LW_WORK/watch.servers.got"
expect_same "--servers lists each server that answered, with its client" \
    "$LW_WORK/watch.servers.want" "$LW_WORK/watch.servers.got"

echo "took $((SECONDS - started)) s"
exit $fail
