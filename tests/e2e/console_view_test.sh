#!/usr/bin/env bash
# The full-screen view in a real terminal: tmux runs pairwatch replaying the demo capture in an
# 80x24 and a 200x50 window; the pane must show the header and the expected top rows, `v` must
# switch to the services view, `q` must end the run with status 0 and give the terminal back
# (normal screen, cursor visible) with the final summary printed. Ctrl-C must do the same.
set -euo pipefail
PAIRWATCH=${1:?usage: console_view_test.sh PAIRWATCH_BINARY CAPTURE}
CAPTURE=${2:?usage: console_view_test.sh PAIRWATCH_BINARY CAPTURE}
command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 77; }

work=$(mktemp -d)
socket=
sockets=()
cleanup() {
    for s in "${sockets[@]}"; do tmux -L "$s" kill-server 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail=0

pane() { tmux -L "$socket" capture-pane -p -S -300 -t tui; } # history too: the summary scrolls
# Waits up to 20 s for the pane to hold a line matching $1.
wait_pane() {
    for _ in $(seq 200); do
        pane | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    echo "FAIL: the pane never showed: $1"
    pane
    return 1
}
expect_pane() {
    if pane | grep -Eq -- "$1"; then echo "ok: $2"; else echo "FAIL: $2 (no line matching $1)"; pane; fail=1; fi
}

start() { # WIDTH HEIGHT SPEED [OPTIONS...]
    [[ -n $socket ]] && tmux -L "$socket" kill-server 2>/dev/null || true
    runs=$((${runs:-0} + 1))
    socket="pwtui-$$-$runs" # a new server each run: no race with the last one's shutdown
    sockets+=("$socket")
    rm -f "$work/status"
    tmux -L "$socket" -f /dev/null new-session -d -s tui -x "$1" -y "$2" \
        "TERM=xterm-256color TZ=UTC ${ENV_PREFIX:-} '$PAIRWATCH' -r '$CAPTURE' --replay-speed $3 --interval 0.5 ${*:4}; echo EXIT=\$? > '$work/status'; sleep 600"
}

wait_exit() {
    for _ in $(seq 100); do
        [[ -s $work/status ]] && break
        sleep 0.1
    done
    if [[ "$(cat "$work/status" 2>/dev/null)" == "EXIT=0" ]]; then echo "ok: exit status 0"; else
        echo "FAIL: exit status: $(cat "$work/status" 2>/dev/null || echo none)"; fail=1; fi
    local alt cursor
    alt=$(tmux -L "$socket" display -p -t tui '#{alternate_on}')
    cursor=$(tmux -L "$socket" display -p -t tui '#{cursor_flag}')
    if [[ $alt == 0 && $cursor == 1 ]]; then echo "ok: terminal restored (normal screen, cursor on)"; else
        echo "FAIL: terminal not restored (alternate_on=$alt cursor_flag=$cursor)"; fail=1; fi
    expect_pane '^decode: 330 frames read$' "the final summary after the view"
}

for size in 80x24 200x50; do
    w=${size%x*}
    h=${size#*x}
    echo "--- $size"
    start "$w" "$h" 4
    wait_pane 'end of input: q quits' || { fail=1; continue; }
    expect_pane '^pairwatch  .*demo\.pcapng \(replay x4\)  ' "the header's title"
    expect_pane '^[0-9.k]+ pkt/s  [0-9.kM]+b/s  \| packets 330  malformed 0  truncated 0' "the header's counters"
    expect_pane '^flows 23 active, 30 total, 0 evicted  \| servers 12  \| alerts 2$' "the header's flow and alert counts"
    expect_pane '^flows \(sorted by bytes\)' "the flows view first"
    if ((w >= 200)); then
        expect_pane '^PROTO +ORIGINATOR +RESPONDER +SERVICE +CATEGORY +STATE +PACKETS +BYTES +RATE +AGE$' "all the columns at $size"
        expect_pane '^tcp +10\.77\.0\.10:59176 +10\.77\.0\.2:80 +http +well-known +SF +53 +35k ' "the top conversation"
    else
        expect_pane '^PROTO +ORIGINATOR +RESPONDER +SERVICE +CATEGORY +STATE +BYTES +RATE$' "the columns that fit 80"
        expect_pane '^tcp +10\.77\.0\.10:59176 +10\.77\.0\.2:80 +http +well-known +SF +35k ' "the top conversation"
    fi
    expect_pane '^tcp +\[fd77::11\]:42162 +\[fd77::2\]:22 +ssh +well-known +SF ' "the second conversation"
    expect_pane '^tcp +10\.77\.0\.20:50016 +10\.77\.0\.2:22 +ssh +well-known +RSTO ' "a reset conversation"
    tmux -L "$socket" send-keys -t tui v
    wait_pane '^services \(sorted by bytes\)' || fail=1
    expect_pane '^http +tcp +well-known +5 +3 +127 +74k +74\.6% ' "http in the services view"
    expect_pane '^dns +udp +well-known +5 +5 +14 ' "dns over UDP in the services view"
    tmux -L "$socket" send-keys -t tui v v
    wait_pane '^servers \(sorted by bytes\)' || fail=1
    expect_pane '^\[fd77::2\]:80 +tcp +http +well-known +2 +2 ' "the IPv6 web server in the servers view"
    tmux -L "$socket" send-keys -t tui '?'
    wait_pane 'next view: flows, services, categories, servers' || fail=1
    tmux -L "$socket" send-keys -t tui x q
    wait_exit
done

echo "--- a resize, colour and no colour"
start 200 50 4
wait_pane 'end of input: q quits' || fail=1
# Colour: the category and state cells carry SGR colour codes (capture-pane -e keeps them).
if tmux -L "$socket" capture-pane -e -p -t tui | grep -q $'\e\\[3[0-7]m'; then echo "ok: coloured"; else
    echo "FAIL: no colour codes in the view"; fail=1; fi
tmux -L "$socket" resize-window -t tui -x 80 -y 24
wait_pane '^PROTO +ORIGINATOR +RESPONDER +SERVICE +CATEGORY +STATE +BYTES +RATE$' || fail=1
echo "ok: the view follows the terminal's new size (SIGWINCH)"
tmux -L "$socket" send-keys -t tui q
wait_exit
start 200 50 4 --no-color
wait_pane 'end of input: q quits' || fail=1
if tmux -L "$socket" capture-pane -e -p -t tui | grep -q $'\e\\[3[0-7]m'; then echo "FAIL: --no-color still colours"; fail=1; else
    echo "ok: --no-color"; fi
tmux -L "$socket" send-keys -t tui q
wait_exit
ENV_PREFIX="NO_COLOR=1" start 200 50 4
wait_pane 'end of input: q quits' || fail=1
if tmux -L "$socket" capture-pane -e -p -t tui | grep -q $'\e\\[3[0-7]m'; then echo "FAIL: NO_COLOR still colours"; fail=1; else
    echo "ok: NO_COLOR"; fi
tmux -L "$socket" send-keys -t tui q
wait_exit

echo "--- a crash signal gives the terminal back"
start 100 30 0.5
wait_pane '^flows \(sorted by bytes\)' || fail=1
# Only pairwatch's own argv starts with its path (the shell and tmux around it hold the string too).
pkill -SEGV -f -- "^$PAIRWATCH -r $CAPTURE --replay-speed 0.5" || true
for _ in $(seq 100); do [[ -s $work/status ]] && break; sleep 0.1; done
if grep -q 'EXIT=139' "$work/status" 2>/dev/null; then echo "ok: died of SIGSEGV (139)"; else
    echo "FAIL: crash exit: $(cat "$work/status" 2>/dev/null)"; fail=1; fi
alt=$(tmux -L "$socket" display -p -t tui '#{alternate_on}')
cursor=$(tmux -L "$socket" display -p -t tui '#{cursor_flag}')
if [[ $alt == 0 && $cursor == 1 ]]; then echo "ok: terminal restored after the crash"; else
    echo "FAIL: not restored after the crash (alternate_on=$alt cursor_flag=$cursor)"; fail=1; fi

echo "--- Ctrl-C during the replay"
start 100 30 0.5
wait_pane '^flows \(sorted by bytes\)' || fail=1
tmux -L "$socket" send-keys -t tui C-c
for _ in $(seq 100); do [[ -s $work/status ]] && break; sleep 0.1; done
if [[ "$(cat "$work/status" 2>/dev/null)" == "EXIT=0" ]]; then echo "ok: Ctrl-C exits 0"; else echo "FAIL: Ctrl-C exit: $(cat "$work/status" 2>/dev/null)"; fail=1; fi
alt=$(tmux -L "$socket" display -p -t tui '#{alternate_on}')
[[ $alt == 0 ]] && echo "ok: Ctrl-C restores the screen" || { echo "FAIL: still on the alternate screen"; fail=1; }
expect_pane '^pairwatch: .*demo\.pcapng \(interrupted\)$' "the summary says the run was interrupted"
exit $fail
