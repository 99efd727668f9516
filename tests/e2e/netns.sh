# Helpers for tests that build a small LAN of network namespaces. Sourced, not run.
# shellcheck shell=bash

E2E_SKIP=77 # ctest's SKIP_RETURN_CODE

# require_netns: skips the test (exit 77, with the reason) when namespaces cannot be made here.
require_netns() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "SKIP: needs root to create network namespaces (run scripts/test.sh as root)"
        exit $E2E_SKIP
    fi
    if ! command -v ip >/dev/null; then
        echo "SKIP: iproute2 (ip) is not installed"
        exit $E2E_SKIP
    fi
    local probe="pwprobe$$"
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "SKIP: this machine does not allow creating network namespaces"
        exit $E2E_SKIP
    fi
    ip netns del "$probe"
}

# make_pair NS_A NS_B IF_A IF_B ADDR_A/LEN ADDR_B/LEN: two namespaces joined by a veth pair.
make_pair() {
    local a=$1 b=$2 ifa=$3 ifb=$4 addra=$5 addrb=$6
    ip netns add "$a"
    ip netns add "$b"
    ip link add "$ifa" netns "$a" type veth peer name "$ifb" netns "$b"
    ip -n "$a" addr add "$addra" dev "$ifa"
    ip -n "$b" addr add "$addrb" dev "$ifb"
    ip -n "$a" link set lo up
    ip -n "$b" link set lo up
    ip -n "$a" link set "$ifa" up
    ip -n "$b" link set "$ifb" up
}

# wait_for CMD...: retries CMD for up to 10 s.
wait_for() { wait_for_s 10 "$@"; }

# wait_for_s SECONDS CMD...: retries CMD every 0.1 s for up to SECONDS.
wait_for_s() {
    local i tries=$(($1 * 10))
    shift
    for ((i = 0; i < tries; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}

# --- a bridged LAN: one switch namespace, one namespace per host ----------------------------------

# lan_switch NS: a namespace holding bridge br0 and nothing else. It has no address and says
# nothing, so a tap on br0 (pairwatch -i br0, dumpcap) sees exactly what the hosts send: opened
# in promiscuous mode, br0 receives every frame the bridge forwards between its ports.
lan_switch() {
    local sw=$1
    ip netns add "$sw"
    ip netns exec "$sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$sw" link set lo up
    ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$sw" link set br0 up
}

# lan_host SW NS PORT MAC V4/LEN V6/LEN: a host namespace whose eth0 is plugged into SW's bridge
# as PORT, with a fixed MAC (so recordings repeat) and both addresses.
lan_host() {
    local sw=$1 n=$2 port=$3 mac=$4 v4=$5 v6=$6
    ip netns add "$n"
    # Set before eth0 arrives, so it takes these defaults: no router solicitations, no DAD
    # probes, no RA processing (there is no router). Less chatter, and no wait for DAD.
    ip netns exec "$n" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
        net.ipv6.conf.default.dad_transmits=0 net.ipv6.conf.default.accept_ra=0 \
        net.ipv6.conf.all.accept_ra=0
    ip link add "$port" netns "$sw" type veth peer name eth0 netns "$n"
    ip -n "$n" link set eth0 address "$mac"
    ip -n "$n" link set lo up
    ip -n "$n" addr add "$v4" dev eth0
    ip -n "$n" addr add "$v6" dev eth0 nodad
    # Offloads off, so frames cross the bridge as they would a real wire: no 64 KB GSO frames,
    # no partial checksums.
    ip netns exec "$n" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1 || true
    ip netns exec "$sw" ethtool -K "$port" tx off tso off gso off gro off >/dev/null 2>&1 || true
    ip -n "$sw" link set "$port" master br0 up
    ip -n "$n" link set eth0 up
}

# wait_listening NS tcp|udp PORT: waits up to 10 s for a socket listening on PORT in NS.
wait_listening() {
    local n=$1 flag=-ltn
    [[ $2 == udp ]] && flag=-lun
    wait_for sh -c "ip netns exec '$n' ss $flag 'sport = :$3' | grep -q ':$3 '"
}

# netns_teardown NS...: ends every process still inside these namespaces (only what the caller
# started lives there), then deletes them. Safe on namespaces that do not exist.
netns_teardown() {
    local n pid
    for n in "$@"; do
        for pid in $(ip netns pids "$n" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
    done
    sleep 0.2
    for n in "$@"; do
        for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$n" 2>/dev/null || true
    done
}
