#!/usr/bin/env bash
# Records the project's live captures in captures/: a small LAN of network namespaces on a
# bridge, real servers (python http.server, dnsmasq, sshd, tftpd-hpa, a telnet-like banner
# listener) and real clients (curl, dig, ssh, tftp), recorded with tcpdump and dumpcap.
#
#   sudo scripts/make-captures.sh            records every capture
#   sudo scripts/make-captures.sh lan-dns    records only the named ones (without extension)
#
# Live recordings differ from run to run (timestamps, ports, sequence numbers, the order of
# ARP and ND): the committed files are what one run recorded. After re-recording, refresh the
# golden outputs with scripts/update-golden.sh NAME and review the diff.
#
# The LAN (all addresses are made up here and live only inside the namespaces):
#
#   pwcap-sw      the switch: bridge br0, one veth port per host (p-srv, p-rogue, p-alice, p-bob)
#   pwcap-srv     10.77.0.2   fd77::2    HTTP 80 (v4+v6), DNS 53 (UDP+TCP), SSH 22, TFTP 69
#   pwcap-rogue   10.77.0.20  fd77::20   "telnet" 23, HTTP 8080, a banner service on 54321
#   pwcap-alice   10.77.0.10  fd77::10   client
#   pwcap-bob     10.77.0.11  fd77::11   client
#   10.77.0.99 / fd77::99: nobody; the clients hold static neighbour entries for it, so a SYN
#   to it goes out on the wire and nothing ever answers.
#
# Nothing leaves the namespaces: there is no route out of them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$PAIRWATCH_ROOT/tests/e2e/netns.sh" # lan_switch, lan_host, wait_listening
E2E=$PAIRWATCH_ROOT/tests/e2e                # line_server.py, line_client.py

if [[ $(id -u) -ne 0 ]]; then
    echo "make-captures.sh builds network namespaces: run it as root (sudo $0)" >&2
    exit 1
fi

ensure_packages iproute2 ethtool tcpdump tshark python3 curl dnsmasq-base bind9-dnsutils \
    openssh-server openssh-client tftpd-hpa tftp-hpa netcat-openbsd

PY=/usr/bin/python3
OUT="$PAIRWATCH_ROOT/captures"
PREFIX=pwcap-
HOSTS=(srv rogue alice bob)
declare -A V4=([srv]=10.77.0.2 [rogue]=10.77.0.20 [alice]=10.77.0.10 [bob]=10.77.0.11)
declare -A V6=([srv]=fd77::2 [rogue]=fd77::20 [alice]=fd77::10 [bob]=fd77::11)
declare -A MAC=([srv]=02:77:00:00:00:02 [rogue]=02:77:00:00:00:20 [alice]=02:77:00:00:00:10
    [bob]=02:77:00:00:00:11)
NOBODY4=10.77.0.99
NOBODY6=fd77::99
NOBODY_MAC=02:77:00:00:00:99
SW=${PREFIX}sw

WORK=$(mktemp -d /tmp/pwcap.XXXXXX)
ETC_NETNS_EXISTED=false
[[ -d /etc/netns ]] && ETC_NETNS_EXISTED=true
chmod 755 "$WORK"
PIDS=()     # every background process this script started
CAP_PID=""  # the recorder running now

log() { echo "make-captures: $*" >&2; }

# ns HOST: the namespace of a host.
ns() { echo "${PREFIX}$1"; }
# nsx HOST CMD...: runs CMD inside HOST's namespace.
nsx() {
    local h=$1
    shift
    ip netns exec "$(ns "$h")" "$@"
}
# bg HOST CMD...: starts CMD inside HOST's namespace in the background and remembers its pid.
bg() {
    local h=$1
    shift
    ip netns exec "$(ns "$h")" "$@" >>"$WORK/$h.log" 2>&1 &
    PIDS+=($!)
}

# Kills what the script started and removes its namespaces. Also run first, for the leftovers
# of an interrupted run.
teardown() {
    local pid n
    if [[ -n $CAP_PID ]]; then kill -INT "$CAP_PID" 2>/dev/null || true; fi
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    for n in $(ip netns list | awk '{print $1}' | grep "^${PREFIX}" || true); do
        # Only processes this script (or an earlier run of it) started live in these namespaces.
        for pid in $(ip netns pids "$n" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
        sleep 0.2
        for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$n" 2>/dev/null || true
        rm -rf "/etc/netns/$n"
    done
    if ! $ETC_NETNS_EXISTED; then rmdir /etc/netns 2>/dev/null || true; fi
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    teardown
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the LAN -----------------------------------------------------------------------------------

build_lan() {
    local h n
    lan_switch "$SW"
    for h in "${HOSTS[@]}"; do
        n=$(ns "$h")
        lan_host "$SW" "$n" "p-$h" "${MAC[$h]}" "${V4[$h]}/24" "${V6[$h]}/64"
        # Clients resolve names through the LAN's DNS server (ip netns exec bind-mounts this).
        mkdir -p "/etc/netns/$n"
        printf 'nameserver %s\n' "${V4[srv]}" >"/etc/netns/$n/resolv.conf"
        printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$n/hosts"
    done
    for h in alice bob; do
        ip -n "$(ns "$h")" neigh replace "$NOBODY4" lladdr "$NOBODY_MAC" dev eth0 nud permanent
        ip -n "$(ns "$h")" neigh replace "$NOBODY6" lladdr "$NOBODY_MAC" dev eth0 nud permanent
    done
}

make_content() {
    mkdir -p "$WORK/www" "$WORK/www/files" "$WORK/tftp" "$WORK/ssh" "$WORK/www8080"
    cat >"$WORK/www/index.html" <<'EOF'
<!doctype html>
<html><head><title>lan.test intranet</title></head>
<body><h1>lan.test</h1><p>Nothing to see here: a page for pairwatch's captures.</p></body></html>
EOF
    # Deterministic filler, so a download has some bulk to it.
    "$PY" -c 'import sys; sys.stdout.write("".join("%05d pairwatch capture filler line\n" % i for i in range(int(sys.argv[1]))))' 900 \
        >"$WORK/www/files/report.txt"
    printf 'rogue dev server\n' >"$WORK/www8080/index.html"
    "$PY" -c 'import sys; sys.stdout.write("".join("option %d = value\n" % i for i in range(110)))' \
        >"$WORK/tftp/config.txt"
    chmod -R a+rX "$WORK/www" "$WORK/www8080" "$WORK/tftp"
    ssh-keygen -q -t ed25519 -N '' -C pwcap-srv -f "$WORK/ssh/host_ed25519" >/dev/null
}

start_servers() {
    mkdir -p /run/sshd # sshd insists on its privilege separation directory
    # srv: the LAN's expected services.
    bg srv "$PY" -m http.server --bind :: --directory "$WORK/www" 80
    bg srv dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
        --pid-file= --user=root --interface=eth0 --bind-interfaces --local=/lan.test/ \
        --host-record=www.lan.test,"${V4[srv]}","${V6[srv]}" \
        --host-record=srv.lan.test,"${V4[srv]}","${V6[srv]}" \
        --host-record=rogue.lan.test,"${V4[rogue]}","${V6[rogue]}" \
        --txt-record=big.lan.test,"$(printf 'v=pairwatch1 %0200d' 1)","$(printf 'part two %0200d' 2)","$(printf 'part three %0200d' 3)"
    bg srv /usr/sbin/sshd -D -e -f /dev/null -h "$WORK/ssh/host_ed25519" \
        -o ListenAddress="${V4[srv]}" -o ListenAddress="${V6[srv]}" -o PidFile=none \
        -o UsePAM=no -o StrictModes=no
    bg srv /usr/sbin/in.tftpd --foreground --listen --address "${V4[srv]}:69" --user nobody \
        --secure "$WORK/tftp"
    # rogue: what should not be on the LAN.
    bg rogue "$PY" "$E2E/line_server.py" 23 'Debian GNU/Linux 12\r\nrogue login: ' '\r\nPassword: ' \
        '\r\nLogin incorrect\r\n'
    bg rogue "$PY" "$E2E/line_server.py" 54321 'READY\n' 'OK uid=0\n' 'BYE\n'
    bg rogue "$PY" -m http.server --bind :: --directory "$WORK/www8080" 8080
    listening srv tcp 80
    listening srv tcp 53
    listening srv udp 53
    listening srv tcp 22
    listening srv udp 69
    listening rogue tcp 23
    listening rogue tcp 54321
    listening rogue tcp 8080
}

# listening HOST tcp|udp PORT: waits for a server of HOST, or shows its log.
listening() {
    wait_listening "$(ns "$1")" "$2" "$3" && return 0
    log "$1: nothing listens on $2 $3; its log:"
    cat "$WORK/$1.log" >&2 || true
    return 1
}

# --- recording ---------------------------------------------------------------------------------

# Forget learned neighbours, so each capture carries its own ARP and ND.
forget_neighbours() {
    local h
    for h in "${HOSTS[@]}"; do ip -n "$(ns "$h")" neigh flush dev eth0 2>/dev/null || true; done
}

# record_tcpdump NS FILE IFACE [tcpdump options...]: starts tcpdump, returns once it listens.
record_tcpdump() {
    local n=$1 file=$2 iface=$3
    shift 3
    forget_neighbours
    : >"$WORK/recorder.log"
    ip netns exec "$n" tcpdump -i "$iface" -U -Z root -n -w "$WORK/out/$file" "$@" \
        2>"$WORK/recorder.log" &
    CAP_PID=$!
    wait_recorder 'listening on'
}

# record_dumpcap NS FILE IFACE...: the same with dumpcap, which writes pcapng.
record_dumpcap() {
    local n=$1 file=$2
    shift 2
    local args=() i
    for i in "$@"; do args+=(-i "$i"); done
    forget_neighbours
    : >"$WORK/recorder.log"
    ip netns exec "$n" dumpcap "${args[@]}" -q -w "$WORK/out/$file" 2>"$WORK/recorder.log" &
    CAP_PID=$!
    wait_recorder 'Capturing on'
}

wait_recorder() {
    local i
    for i in $(seq 100); do
        grep -q "$1" "$WORK/recorder.log" && { sleep 0.3; return 0; }
        kill -0 "$CAP_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "the recorder did not start:"
    cat "$WORK/recorder.log" >&2
    return 1
}

stop_recording() {
    sleep 1 # let the last FINs and ACKs arrive
    kill -INT "$CAP_PID"
    wait "$CAP_PID" || true
    CAP_PID=""
}

# --- clients -----------------------------------------------------------------------------------

CURL=(curl -sS -o /dev/null --max-time 5)
SSH=(ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o IdentityFile=none -o IdentitiesOnly=yes -o ConnectTimeout=5 -o LogLevel=ERROR)

http_get() { nsx "$1" "${CURL[@]}" "${@:2}" 2>/dev/null || true; }
ssh_try() { nsx "$1" "${SSH[@]}" "$2" true 2>/dev/null || true; } # auth fails: expected
# unanswered HOST ADDR: a SYN to an address nobody owns; curl gives up after 3 s (3 SYNs).
unanswered() { nsx "$1" curl -sS -o /dev/null --connect-timeout 3 "http://$2/" 2>/dev/null || true; }
dig_q() { nsx "$1" dig +time=2 +tries=1 "${@:2}" >/dev/null || true; }
tftp_get() {
    nsx "$1" tftp -m octet "${V4[srv]}" -c get "$2" "$WORK/got-$1-$2" >/dev/null 2>&1 || true
}
talk() { nsx "$1" "$PY" "$E2E/line_client.py" "${@:2}" || true; }

# --- the captures ------------------------------------------------------------------------------

cap_lan_http() {
    record_tcpdump "$SW" lan-http.pcap p-alice
    http_get alice "http://${V4[srv]}/"
    http_get alice "http://[${V6[srv]}]/"
    http_get alice "http://${V4[srv]}/missing.html"
    stop_recording
}

cap_lan_dns() {
    record_tcpdump "$SW" lan-dns.pcap p-alice
    dig_q alice @"${V4[srv]}" www.lan.test A
    dig_q alice @"${V6[srv]}" www.lan.test AAAA
    dig_q alice @"${V4[srv]}" nosuch.lan.test A
    dig_q alice +tcp @"${V4[srv]}" srv.lan.test A
    dig_q alice +tcp @"${V6[srv]}" srv.lan.test AAAA
    # 600 bytes of TXT without EDNS: the UDP answer comes back truncated, dig asks again over TCP.
    dig_q alice +noedns @"${V4[srv]}" big.lan.test TXT
    stop_recording
}

cap_lan_ssh_nano() {
    record_tcpdump "$SW" lan-ssh-nano.pcap p-alice --time-stamp-precision=nano
    ssh_try alice "demo@${V4[srv]}"
    stop_recording
}

cap_lan_tftp() {
    record_tcpdump "$SW" lan-tftp.pcap p-bob
    tftp_get bob config.txt
    tftp_get bob no-such-file
    stop_recording
}

cap_lan_rst_syn() {
    record_tcpdump "$SW" lan-rst-syn.pcap p-alice
    http_get alice "http://${V4[srv]}:81/" # closed: RST
    http_get alice "http://[${V6[srv]}]:81/"
    unanswered alice "$NOBODY4"
    unanswered alice "[$NOBODY6]"
    # UDP to a closed port: ICMP port unreachable quoting the datagram.
    nsx alice sh -c "printf x | nc -u -w1 ${V4[srv]} 161" || true
    stop_recording
}

cap_lan_any_sll2() {
    record_tcpdump "$(ns alice)" lan-any-sll2.pcap any -y LINUX_SLL2
    http_get alice "http://www.lan.test/"
    # Loopback conversations: on "any" they come from lo with ARPHRD_LOOPBACK.
    bg alice nc -l 127.0.0.1 7777
    bg alice nc -l ::1 7778
    sleep 0.3
    nsx alice sh -c 'printf "hello over lo\n" | nc -N 127.0.0.1 7777' || true
    nsx alice sh -c 'printf "hello over lo6\n" | nc -N ::1 7778' || true
    stop_recording
}

cap_lan_any_sll() {
    record_tcpdump "$(ns srv)" lan-any-sll.pcap any # libpcap's default for any: LINUX_SLL
    http_get bob -6 "http://www.lan.test/"
    dig_q bob @"${V6[srv]}" rogue.lan.test AAAA
    stop_recording
}

cap_lan_multi_if() {
    record_dumpcap "$SW" lan-multi-if.pcapng p-alice p-bob
    http_get alice "http://${V4[srv]}/" &
    local client=$!
    http_get bob "http://[${V6[srv]}]/"
    wait "$client"
    stop_recording
}

# The bundled demo: a LAN tap on the bridge seeing every host, the expected services and the
# ones that should not be there.
cap_demo() {
    record_dumpcap "$SW" demo.pcapng br0
    http_get alice "http://www.lan.test/"
    sleep 0.5
    http_get bob -6 "http://www.lan.test/files/report.txt"
    dig_q alice +tcp @"${V4[srv]}" www.lan.test A
    dig_q alice +noedns @"${V4[srv]}" big.lan.test TXT
    dig_q bob @"${V6[srv]}" rogue.lan.test AAAA
    sleep 0.5
    ssh_try alice "admin@${V4[srv]}"
    tftp_get bob config.txt
    sleep 0.5
    http_get bob "http://${V4[rogue]}:8080/"
    talk alice "${V4[rogue]}" 23 'root\r\n' 'toor\r\n'
    talk bob "${V4[rogue]}" 54321 'id\n' 'quit\n'
    talk bob "${V6[rogue]}" 54321 'id\n' 'quit\n'
    sleep 0.5
    # rogue sweeps srv's well-known ports: a few answers, mostly RSTs.
    nsx rogue nc -z -w1 "${V4[srv]}" 21 22 23 25 53 80 110 143 443 2>/dev/null || true
    nsx rogue sh -c "printf x | nc -u -w1 ${V4[srv]} 161" || true
    dig_q rogue @"${V4[srv]}" nosuch.lan.test A
    unanswered alice "$NOBODY4"
    http_get alice "http://${V4[srv]}/files/report.txt"
    http_get bob "http://[${V6[srv]}]:81/"
    ssh_try bob "backup@${V6[srv]}"
    stop_recording
}

ALL=(lan-http lan-dns lan-ssh-nano lan-tftp lan-rst-syn lan-any-sll2 lan-any-sll lan-multi-if demo)

main() {
    local wanted=("$@") name
    ((${#wanted[@]})) || wanted=("${ALL[@]}")
    for name in "${wanted[@]}"; do
        if [[ " ${ALL[*]} " != *" $name "* ]]; then
            echo "make-captures.sh: unknown capture '$name' (known: ${ALL[*]})" >&2
            exit 2
        fi
    done
    teardown # leftovers of an interrupted run
    mkdir -p "$WORK/out" "$OUT"
    make_content
    build_lan
    start_servers
    sleep 2 # let link-up chatter (MLD reports) pass before the first recording
    for name in "${wanted[@]}"; do
        log "recording $name"
        "cap_${name//-/_}"
    done
    local f
    for f in "$WORK"/out/*; do
        chmod 644 "$f" # dumpcap writes 0600
        mv -f "$f" "$OUT/"
        f="$OUT/$(basename "$f")"
        log "wrote captures/$(basename "$f"): $(capinfos -c -M "$f" | awk '/Number of packets/ {print $NF}') packets, $(stat -c %s "$f") bytes"
    done
    log "now refresh each golden output: scripts/update-golden.sh NAME, and review the diffs"
}

main "$@"
