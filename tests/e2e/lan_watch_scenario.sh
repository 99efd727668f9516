# The LAN of issue 5's end-to-end proof, and what happens on it: shared by
# tests/e2e/lan_watch_test.sh (pairwatch watching it live) and scripts/make-watch-capture.sh
# (dumpcap recording it into captures/lan-watch*.pcapng), so the test and the capture are one
# scenario. Sourced, not run; needs netns.sh first.
#
# The caller sets LW_PREFIX (the namespaces' name prefix) and LW_WORK (a scratch directory). All
# addresses are made up here and live only inside the namespaces; there is no route out.
#
#   ${LW_PREFIX}sw       the switch: bridge br0, one port per host; the tap (pairwatch -i br0)
#   ${LW_PREFIX}web      10.88.0.2   fd88::2    HTTP 80
#   ${LW_PREFIX}dns      10.88.0.3   fd88::3    DNS 53, UDP and TCP (dnsmasq)
#   ${LW_PREFIX}ssh      10.88.0.4   fd88::4    SSH 22 (sshd)
#   ${LW_PREFIX}client   10.88.0.10  fd88::10   uses the services
#   ${LW_PREFIX}scanner  10.88.0.66  fd88::66   sweeps ports in phase 2
#
# tests/e2e/lan-watch-policy.toml allows exactly the three services above (on both addresses of
# their host), denies telnet anywhere, and denies everything else by default. Phase 2 then starts
# what it does not allow, each answering the client once:
#
#   web  tcp/8080   python http.server (IPv4 and IPv6)   new-server, one per address
#   web  tcp/50123  a line-based banner service          new-server, dynamic-port-server
#   dns  tcp/23     a telnet-like login banner           denied-service (the telnet rule)
#   ssh  tcp/443    a second sshd                         new-server; service-mismatch with DPI
#   scanner -> ssh  tcp/20-59, one SYN each: 22 answers, 39 refused with RST   scan
# shellcheck shell=bash

LW_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LW_HOSTS=(web dns ssh client scanner)
declare -A LW_V4=([web]=10.88.0.2 [dns]=10.88.0.3 [ssh]=10.88.0.4 [client]=10.88.0.10 [scanner]=10.88.0.66)
declare -A LW_V6=([web]=fd88::2 [dns]=fd88::3 [ssh]=fd88::4 [client]=fd88::10 [scanner]=fd88::66)
declare -A LW_MAC=([web]=02:88:00:00:00:02 [dns]=02:88:00:00:00:03 [ssh]=02:88:00:00:00:04
    [client]=02:88:00:00:00:10 [scanner]=02:88:00:00:00:66)
LW_SWEEP_FIRST=20 # the scanner's sweep of the ssh host: 40 ports, of which only 22 listens
LW_SWEEP_LAST=59
LW_PY=/usr/bin/python3 # not a pyenv shim: ip netns exec runs it as root with a clean PATH lookup

# What the LAN needs beyond iproute2 (Debian packages), for a caller to check or install.
LW_PACKAGES=(ethtool python3 curl dnsmasq-base bind9-dnsutils openssh-server openssh-client)
LW_TOOLS=(ethtool curl dnsmasq dig ssh ssh-keygen /usr/sbin/sshd "$LW_PY")

lw_ns() { echo "${LW_PREFIX}$1"; }
lw_namespaces() {
    local h
    echo "$(lw_ns sw)"
    for h in "${LW_HOSTS[@]}"; do echo "$(lw_ns "$h")"; done
}
# lw_x HOST CMD...: runs CMD inside HOST's namespace.
lw_x() {
    local h=$1
    shift
    ip netns exec "$(lw_ns "$h")" "$@"
}
# lw_bg HOST CMD...: starts a server inside HOST's namespace; its output goes to LW_WORK/HOST.log.
# netns_teardown ends it with the namespace.
lw_bg() {
    local h=$1
    shift
    ip netns exec "$(lw_ns "$h")" "$@" >>"$LW_WORK/$h.log" 2>&1 &
}
lw_wait_listening() {
    wait_listening "$(lw_ns "$1")" "$2" "$3" || {
        echo "lan: nothing listens on $1 $2/$3; its log:" >&2
        cat "$LW_WORK/$1.log" >&2 || true
        return 1
    }
}

lw_build_lan() {
    local h
    lan_switch "$(lw_ns sw)"
    for h in "${LW_HOSTS[@]}"; do
        lan_host "$(lw_ns sw)" "$(lw_ns "$h")" "p-$h" "${LW_MAC[$h]}" "${LW_V4[$h]}/24" "${LW_V6[$h]}/64"
    done
    lw_make_content
}

lw_teardown() {
    # shellcheck disable=SC2046 # one namespace name a word
    netns_teardown $(lw_namespaces)
}

LW_PID= # the caller's capture (pairwatch, dumpcap) while it runs: stopped first on the way out
lw_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n $LW_PID ]] && kill -INT "$LW_PID" 2>/dev/null || true
    lw_teardown
    rm -rf "$LW_WORK"
    exit "$rc"
}
# lw_trap_cleanup: lw_cleanup on every way out, Ctrl-C and kill included.
lw_trap_cleanup() {
    trap lw_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

lw_make_content() {
    mkdir -p "$LW_WORK/www" "$LW_WORK/www8080" "$LW_WORK/ssh"
    printf '<!doctype html>\n<title>lan.test</title><p>the web server of the watched LAN</p>\n' \
        >"$LW_WORK/www/index.html"
    printf 'a dev server nobody asked for\n' >"$LW_WORK/www8080/index.html"
    chmod -R a+rX "$LW_WORK/www" "$LW_WORK/www8080"
    ssh-keygen -q -t ed25519 -N '' -C pairwatch-lan -f "$LW_WORK/ssh/host_ed25519" >/dev/null
}

lw_sshd() { # HOST PORT: sshd on both of HOST's addresses; logins fail (no keys), the handshake is real
    mkdir -p /run/sshd # sshd insists on its privilege separation directory
    lw_bg "$1" /usr/sbin/sshd -D -e -f /dev/null -h "$LW_WORK/ssh/host_ed25519" -p "$2" \
        -o ListenAddress="${LW_V4[$1]}" -o ListenAddress="${LW_V6[$1]}" -o PidFile=none \
        -o UsePAM=no -o StrictModes=no
}

# --- phase 1: the services the policy expects, and their use -------------------------------------

lw_start_expected() {
    lw_bg web "$LW_PY" -m http.server --bind :: --directory "$LW_WORK/www" 80
    lw_bg dns dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
        --pid-file= --user=root --interface=eth0 --bind-interfaces --local=/lan.test/ \
        --host-record=www.lan.test,"${LW_V4[web]}","${LW_V6[web]}" \
        --host-record=ssh.lan.test,"${LW_V4[ssh]}","${LW_V6[ssh]}"
    lw_sshd ssh 22
    lw_wait_listening web tcp 80
    lw_wait_listening dns udp 53
    lw_wait_listening dns tcp 53
    lw_wait_listening ssh tcp 22
}

LW_SSH=(ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o IdentityFile=none -o IdentitiesOnly=yes -o ConnectTimeout=5 -o LogLevel=ERROR)

# Each client call must get its answer: a missing answer would make a missing alert look like a
# quiet LAN. Failures say which call failed, and return non-zero.
lw_curl() { # URL [curl options]: the body must come back with status 200
    local code
    code=$(lw_x client curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$@") || true
    [[ $code == 200 ]] || { echo "lan: curl $* got HTTP '$code'" >&2; return 1; }
}
lw_dig() { # dig options: the answer must hold the address
    local got
    got=$(lw_x client dig +time=2 +tries=2 +short "$@") || true
    [[ -n $got ]] || { echo "lan: dig $* got no answer" >&2; return 1; }
}
lw_ssh() { # ADDR [ssh options]: the server's SSH banner must arrive (the login then fails: no keys)
    local err
    err=$(lw_x client "${LW_SSH[@]}" "${@:2}" "nobody@$1" true 2>&1) && return 0
    # Permission denied means key exchange and host key check went through: a real SSH server.
    [[ $err == *"Permission denied"* ]] || { echo "lan: ssh $* failed early: $err" >&2; return 1; }
}
lw_talk() { # ADDR PORT LINE...: the banner service answers every line
    lw_x client "$LW_PY" "$LW_DIR/line_client.py" "$@" || { echo "lan: talk $* failed" >&2; return 1; }
}

lw_use_expected() {
    lw_curl "http://${LW_V4[web]}/"
    lw_curl "http://[${LW_V6[web]}]/"
    lw_dig @"${LW_V4[dns]}" www.lan.test A
    lw_dig @"${LW_V6[dns]}" www.lan.test AAAA
    lw_dig +tcp @"${LW_V4[dns]}" ssh.lan.test A
    lw_ssh "${LW_V4[ssh]}"
    lw_ssh "${LW_V6[ssh]}"
}

# --- phase 2: what the policy does not allow, and a sweep ---------------------------------------

lw_start_unexpected() {
    lw_bg web "$LW_PY" -m http.server --bind :: --directory "$LW_WORK/www8080" 8080
    lw_bg web "$LW_PY" "$LW_DIR/line_server.py" 50123 'READY\n' 'OK uid=0\n' 'BYE\n'
    lw_bg dns "$LW_PY" "$LW_DIR/line_server.py" 23 'Debian GNU/Linux 12\r\ndns login: ' '\r\nPassword: ' \
        '\r\nLogin incorrect\r\n'
    lw_sshd ssh 443
    lw_wait_listening web tcp 8080
    lw_wait_listening web tcp 50123
    lw_wait_listening dns tcp 23
    lw_wait_listening ssh tcp 443
}

lw_use_unexpected() {
    lw_curl "http://${LW_V4[web]}:8080/"
    lw_curl "http://[${LW_V6[web]}]:8080/"
    lw_talk "${LW_V4[web]}" 50123 'id\n' 'quit\n'
    lw_talk "${LW_V4[dns]}" 23 'root\r\n' 'toor\r\n'
    lw_ssh "${LW_V4[ssh]}" -p 443
    lw_sweep
}

# One connection attempt a port, in order, as a plain connect() sweep does: a closed port answers
# the SYN with RST at once (REJ), the open one (22) completes and is closed again.
lw_sweep() {
    lw_x scanner bash -c "for p in {$LW_SWEEP_FIRST..$LW_SWEEP_LAST}; do
        (exec 3<>/dev/tcp/${LW_V4[ssh]}/\$p) 2>/dev/null || true
    done"
}
