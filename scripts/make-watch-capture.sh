#!/usr/bin/env bash
# Records issue 5's scenario (tests/e2e/lan_watch_scenario.sh, the LAN that
# tests/e2e/lan_watch_test.sh watches live) with dumpcap on the switch's bridge:
#
#   captures/lan-watch-clean.pcapng   phase 1 only: the client uses the services the policy allows
#   captures/lan-watch.pcapng         phase 1, then phase 2: unexpected services answer the
#                                     client, and a host sweeps 40 ports
#
#   sudo scripts/make-watch-capture.sh
#
# Before it writes them to captures/, it checks that the recordings show the scenario: with
# tests/e2e/lan-watch-policy.toml, pairwatch raises no alert on the clean one and exactly
# tests/e2e/lan-watch-expected-alerts.txt on the other (service-mismatch only in a build with the
# payload check). Live recordings differ from run to run (timestamps, ports, sequence numbers):
# refresh the golden outputs afterwards with scripts/update-golden.sh NAME and review the diffs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$PAIRWATCH_ROOT/tests/e2e/netns.sh"
source "$PAIRWATCH_ROOT/tests/e2e/lan_watch_scenario.sh"

if [[ $(id -u) -ne 0 ]]; then
    echo "make-watch-capture.sh builds network namespaces: run it as root (sudo $0)" >&2
    exit 1
fi
ensure_packages iproute2 tshark "${LW_PACKAGES[@]}" # tshark brings dumpcap

POLICY=tests/e2e/lan-watch-policy.toml
EXPECTED=tests/e2e/lan-watch-expected-alerts.txt
# As the e2e test and the MANIFEST lines run it.
SCAN_OPTIONS=(--scan-threshold 20 --scan-window 60)
PAIRWATCH=$PAIRWATCH_ROOT/build/release/pairwatch

LW_PREFIX=pwlwcap-
LW_WORK=$(mktemp -d /tmp/pwlwcap.XXXXXX)
chmod 755 "$LW_WORK"
log() { echo "make-watch-capture: $*" >&2; }
lw_trap_cleanup

# record FILE: dumpcap on the bridge (pcapng, every host's frames), returns once it captures.
record() {
    : >"$LW_WORK/dumpcap.log"
    # Forget learned neighbours, so each recording carries its own ARP and ND.
    local h
    for h in "${LW_HOSTS[@]}"; do ip -n "$(lw_ns "$h")" neigh flush dev eth0 2>/dev/null || true; done
    # Not through lw_x: $! must be dumpcap itself, for the SIGINT that ends the recording.
    ip netns exec "$(lw_ns sw)" dumpcap -i br0 -q -w "$LW_WORK/$1" 2>"$LW_WORK/dumpcap.log" &
    LW_PID=$!
    wait_for grep -q 'Capturing on' "$LW_WORK/dumpcap.log" || {
        log "dumpcap did not start:"
        cat "$LW_WORK/dumpcap.log" >&2
        exit 1
    }
    sleep 0.3
}
stop_recording() {
    sleep 1 # the last FINs and ACKs
    kill -INT "$LW_PID"
    wait "$LW_PID" || true
    LW_PID=
}

# check NAME WANT_FILE: the alerts pairwatch raises on the recording, as "kind host port", must
# be WANT_FILE's.
check() {
    local got=$LW_WORK/$1.alerts
    (cd "$PAIRWATCH_ROOT" && "$PAIRWATCH" -r "$LW_WORK/$1" --policy "$POLICY" "${SCAN_OPTIONS[@]}" \
        --alerts - -q) 2>/dev/null | "$LW_PY" -c '
import json, sys
for line in sys.stdin:
    a = json.loads(line)
    print(a["kind"], a["host"], "-" if a["port"] is None else a["port"])
' | LC_ALL=C sort >"$got"
    if ! diff -u "$2" "$got" >&2; then
        log "$1 does not show the scenario (- expected alerts, + raised); not written"
        exit 1
    fi
}

main() {
    log "building the Release binary for the check"
    cmake --preset release -S "$PAIRWATCH_ROOT" >/dev/null
    cmake --build "$PAIRWATCH_ROOT/build/release" --target pairwatch >/dev/null
    lw_teardown # leftovers of an interrupted run
    lw_build_lan
    lw_start_expected
    sleep 2 # let link-up chatter (MLD reports) pass before the first recording

    log "recording lan-watch-clean.pcapng"
    record lan-watch-clean.pcapng
    lw_use_expected
    stop_recording

    log "recording lan-watch.pcapng"
    lw_start_unexpected # listening sends nothing: the recording starts with phase 1 as before
    record lan-watch.pcapng
    lw_use_expected
    lw_use_unexpected
    stop_recording

    : >"$LW_WORK/none"
    check lan-watch-clean.pcapng "$LW_WORK/none"
    if "$PAIRWATCH" --help | grep -q -- '--no-dpi'; then
        check lan-watch.pcapng "$PAIRWATCH_ROOT/$EXPECTED"
    else
        log "note: no payload check in this build: service-mismatch not expected"
        grep -v '^service-mismatch ' "$PAIRWATCH_ROOT/$EXPECTED" >"$LW_WORK/expected"
        check lan-watch.pcapng "$LW_WORK/expected"
    fi
    local f
    for f in lan-watch-clean.pcapng lan-watch.pcapng; do
        install -m 644 "$LW_WORK/$f" "$PAIRWATCH_ROOT/captures/$f"
        log "wrote captures/$f: $(capinfos -c -M "$PAIRWATCH_ROOT/captures/$f" | awk '/Number of packets/ {print $NF}') packets, $(stat -c %s "$PAIRWATCH_ROOT/captures/$f") bytes"
    done
    log "now refresh their golden outputs: scripts/update-golden.sh lan-watch.pcapng (and" \
        "lan-watch-clean.pcapng), and review the diffs"
}

main "$@"
