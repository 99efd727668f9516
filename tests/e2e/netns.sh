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
wait_for() {
    local i
    for ((i = 0; i < 100; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}
