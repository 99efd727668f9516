#!/usr/bin/env bash
# Issue 7's benchmark: pairwatch against the libpcap read floor and its peers, offline, on
# captures of the project's own generator (bench/traffic.h), in one table.
#
#   scripts/bench.sh [--packets N] [--conversations "10000 1000000"] [--runs R]
#                    [--tools "pairwatch tcpdump softflowd argus ndpiReader tshark"]
#                    [--tshark-packets N] [--snaplen L] [--seed S]
#                    [--linearity] [--scaling] [--micro] [--check]
#
#   --linearity       pairwatch -q and the floor at 1M, 10M and 50M packets (same conversations)
#   --scaling         pairwatch -q with --threads 1, 2 and 3, with and without DPI, and the floor
#   --micro           also run the Google Benchmarks (decoder, flow table, labeller)
#   --check           only check the generator against tshark and pairwatch, then stop
#
# Every program reads the same file from the page cache (cat > /dev/null before each run); each
# round runs every program once, starting one further along the list each round, so a machine
# that gets busier or quieter during the run shifts them all alike; the table gives the median
# of the rounds. Wall time is what counts (packets/s); CPU seconds and peak RSS come from
# /usr/bin/time. Captures are cached in build/bench-data by their parameters.
#
# The floor is libpcap's, as issue 7 sets it. pairwatch reads a classic pcap file's records
# itself, in blocks, faster than libpcap does; "block floor" (pairwatch_read_floor --blocks,
# its reader counting and nothing else) is printed beside it, and pairwatch's ratio to it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

packets=10000000
conversations="10000 1000000"
runs=5
tools="pairwatch tcpdump softflowd argus ndpiReader tshark"
tshark_packets=1000000
snaplen=128
seed=1
linearity=0
scaling=0
micro=0
check_only=0
while (($#)); do
    case $1 in
    --packets) packets=$2; shift 2 ;;
    --conversations) conversations=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    --tshark-packets) tshark_packets=$2; shift 2 ;;
    --snaplen) snaplen=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --linearity) linearity=1; shift ;;
    --scaling) scaling=1; shift ;;
    --micro) micro=1; shift ;;
    --check) check_only=1; shift ;;
    *) sed -n '2,/^set -euo/p' "$0" | grep '^#' >&2; exit 2 ;;
    esac
done

# The peers as Debian 12 names them: argus-server has the argus daemon that reads -r files.
ensure_packages "${BUILD_PACKAGES[@]}" libbenchmark-dev bc time tcpdump softflowd argus-server \
    libndpi-bin tshark
dir=$PAIRWATCH_ROOT/build/bench
cmake -S "$PAIRWATCH_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAIRWATCH_TESTS=OFF \
    -DPAIRWATCH_BENCH=ON >/dev/null
# Two jobs at most: the machine is shared.
cmake --build "$dir" -j 2 --target pairwatch pairwatch_make_capture pairwatch_read_floor \
    pairwatch_bench >/dev/null
pairwatch=$dir/pairwatch
floor=$dir/bench/pairwatch_read_floor
data=$PAIRWATCH_ROOT/build/bench-data
mkdir -p "$data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# tshark, without its warning about running as root.
tshark_q() { tshark "$@" 2> >(grep -v '^Running as user' >&2); }

meta() { awk -v k="$2" '$1 == k { print $2 }' "$1.meta"; }

# capture PACKETS CONVERSATIONS [SNAPLEN]: the path of the cached capture, made when missing.
capture() {
    local n=$1 m=$2 s=${3:-$snaplen}
    local f=$data/gen-n$n-m$m-s$s-seed$seed.pcap
    if [[ ! -f $f.meta ]]; then
        echo "making $(basename "$f")" >&2
        "$dir/bench/pairwatch_make_capture" "$f" --packets "$n" --conversations "$m" \
            --snaplen "$s" --seed "$seed"
    fi
    echo "$f"
}

# check: the generator's output is a valid capture whose conversations tshark and pairwatch
# count as the generator does (each conversation has its own 5-tuple and never idles out).
check() {
    local s f want got
    for s in 0 128; do
        f=$(capture 20000 300 "$s")
        want=$(meta "$f" conversations)
        got=$(capinfos -c -M "$f" | awk '/Number of packets/ { print $NF }')
        [[ $got == 20000 ]] || { echo "check: capinfos counts $got packets in $f, not 20000" >&2; return 1; }
        # Checksums (the generator computes them over whole payloads), every frame TCP or UDP,
        # and no TCP analysis flag but the RSTs it sent; on whole frames, where tshark can tell.
        if [[ $s == 0 ]]; then
            got=$(tshark_q -r "$f" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
                -o udp.check_checksum:TRUE -Y '(ip.checksum.status == "Bad") ||
                (tcp.checksum.status == "Bad") || (udp.checksum.status == "Bad") ||
                !(tcp || udp) || (tcp.analysis.flags && !tcp.connection.rst)' | wc -l)
            [[ $got == 0 ]] || { echo "check: tshark finds $got bad frames in $f" >&2; return 1; }
        fi
        got=$(tshark_q -r "$f" -q -z conv,tcp -z conv,udp | grep -c '<->')
        [[ $got == "$want" ]] || { echo "check: tshark counts $got conversations in $f, the generator $want" >&2; return 1; }
        got=$("$pairwatch" -r "$f" -q --no-dpi --json - | wc -l)
        [[ $got == "$want" ]] || { echo "check: pairwatch counts $got conversations in $f, the generator $want" >&2; return 1; }
    done
    echo "check: generator output valid (capinfos, tshark checksums and conversations, pairwatch flows agree)" >&2
}
check
((check_only)) && exit 0

# The programs, by name, for capture F with M conversations open at once. The flow tables get
# room for twice M: at exactly M (pairwatch's default cap is 1M) the few conversations above it
# evict ones still talking, which come back and evict others (433k evictions for 18k extra
# conversations, measured), and the run times that churn instead of the table. softflowd exports
# to a UDP port on 127.0.0.1 where nobody listens: its flow work, no network.
declare -A cmd
cmd_for() {
    local f=$1 m=$2
    local cap=$((m * 2 > 1000000 ? m * 2 : 1000000))
    local pw="$pairwatch -r $f --max-flows $cap"
    # The targets are one flow thread's; the default would be one per spare CPU.
    local pw1="$pw --threads 1"
    cmd=(
        ["floor"]="$floor $f"
        ["block floor"]="$floor --blocks $f"
        ["pairwatch -q --no-dpi"]="$pw1 -q --no-dpi"
        ["pairwatch -q (DPI)"]="$pw1 -q"
        ["pairwatch -q --no-dpi --json"]="$pw1 -q --no-dpi --json /dev/null"
        ["pairwatch --no-dpi report"]="$pw1 --no-dpi --interval 1"
        ["tcpdump -w /dev/null"]="tcpdump -r $f -w /dev/null"
        ["softflowd"]="softflowd -r $f -n 127.0.0.1:9995 -v 9 -6 -m $cap"
        ["argus -w /dev/null"]="argus -r $f -w /dev/null"
        ["ndpiReader -q"]="ndpiReader -q -i $f"
        ["tshark -z conv"]="tshark -r $f -q -z conv,tcp -z conv,udp"
    )
    local t
    for t in 1 2 3; do
        cmd["pairwatch -q --no-dpi --threads $t"]="$pw -q --no-dpi --threads $t"
        cmd["pairwatch -q (DPI) --threads $t"]="$pw -q --threads $t"
    done
}
programs_for() {
    local p=(floor)
    [[ " $tools " == *" pairwatch "* ]] && p+=("block floor" "pairwatch -q --no-dpi" "pairwatch -q (DPI)"
        "pairwatch -q --no-dpi --json" "pairwatch --no-dpi report")
    [[ " $tools " == *" tcpdump "* ]] && p+=("tcpdump -w /dev/null")
    [[ " $tools " == *" softflowd "* ]] && p+=(softflowd)
    [[ " $tools " == *" argus "* ]] && p+=("argus -w /dev/null")
    [[ " $tools " == *" ndpiReader "* ]] && p+=("ndpiReader -q")
    printf '%s\n' "${p[@]}"
}

# keyfile KEY: where the runs of KEY are kept (a program's name may hold a slash).
keyfile() { echo "$work/${1//[^A-Za-z0-9]/_}"; }

# timed KEY CMD: one run; appends wall s, CPU s and peak RSS KiB to KEY's file.
timed() {
    local key=$1 line start end
    shift
    start=$(date +%s%N)
    if ! /usr/bin/time -f '%U %S %M' -o "$work/time" bash -c "$1" >/dev/null 2>"$work/stderr"; then
        echo "$key failed: $(tail -2 "$work/stderr")" >&2
        echo "fail" >>"$(keyfile "$key")"
        return
    fi
    end=$(date +%s%N)
    line=$(tail -1 "$work/time")
    awk -v w="$(((end - start) / 1000))" -v l="$line" \
        'BEGIN { split(l, t, " "); printf "%.6f %.3f %d\n", w / 1e6, t[1] + t[2], t[3] }' >>"$(keyfile "$key")"
}

# measure LABEL FILE M PROGRAMS...: RUNS rounds over the programs, rotated each round.
measure() {
    local label=$1 f=$2 m=$3 r i k
    shift 3
    local progs=("$@")
    cmd_for "$f" "$m"
    for ((r = 0; r < runs; r++)); do
        for ((i = 0; i < ${#progs[@]}; i++)); do
            k=${progs[$(((i + r) % ${#progs[@]}))]}
            # Before every run, not once a round: a peer with gigabytes of RSS (ndpiReader,
            # argus at 1M) pushes the file out of the page cache, and the next program read it
            # from disk (the floor measured 1.6 s of wall for 1.1 s of CPU after them).
            cat "$f" >/dev/null
            timed "$label|$k" "${cmd[$k]}"
        done
    done
}

# col KEY N: the median of column N over the runs of KEY ("fail" when any failed).
col() {
    local f
    f=$(keyfile "$1")
    if grep -q fail "$f"; then echo fail; return; fi
    awk -v c="$2" '{ print $c }' "$f" | median
}

rows=()
# row LABEL|PROGRAM PACKETS FLOOR_KEY NOTE
row() {
    local key=$1 n=$2 fkey=$3 note=${4:-}
    local s cpu rss fs
    s=$(col "$key" 1)
    if [[ $s == fail ]]; then
        rows+=("$(printf '%-10s %-30s %11s %9s %9s %8s %8s %9s  %s' "${key%%|*}" "${key#*|}" "$n" fail - - - - "$note")")
        return
    fi
    cpu=$(col "$key" 2)
    rss=$(col "$key" 3)
    fs=$(col "$fkey" 1)
    rows+=("$(printf '%-10s %-30s %11d %9.3f %9.3f %8.2f %8.3f %9.1f  %s' "${key%%|*}" "${key#*|}" \
        "$n" "$s" "$(echo "$n / $s / 1000000" | bc -l)" "$cpu" "$(echo "$fs / $s" | bc -l)" \
        "$(echo "$rss / 1024" | bc -l)" "$note")")
}
pps() { echo "$1 / $(col "$2" 1)" | bc -l; }

# info F M: pairwatch's own account of F (untimed): "flows peak evicted".
info() {
    "$pairwatch" -r "$1" --max-flows $(($2 * 2 > 1000000 ? $2 * 2 : 1000000)) --no-dpi --interval 0 2>/dev/null |
        awk '/^table:/ { print $2, $6, $8 }'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A peak_of evicted_of
if ((scaling)); then
    progs=(floor)
    for t in 1 2 3; do progs+=("pairwatch -q --no-dpi --threads $t" "pairwatch -q (DPI) --threads $t"); done
    for m in $conversations; do
        f=$(capture "$packets" "$m")
        measure "$m" "$f" "$m" "${progs[@]}"
        for p in "${progs[@]}"; do row "$m|$p" "$packets" "$m|floor"; done
    done
elif ((linearity)); then
    m=${conversations%% *}
    for n in 1000000 10000000 50000000; do
        f=$(capture "$n" "$m")
        read -r _ peak_of[$n] evicted_of[$n] < <(info "$f" "$m")
        measure "$n" "$f" "$m" floor "pairwatch -q --no-dpi"
        row "$n|floor" "$n" "$n|floor"
        row "$n|pairwatch -q --no-dpi" "$n" "$n|floor" "peak ${peak_of[$n]} open"
    done
else
    mapfile -t progs < <(programs_for)
    for m in $conversations; do
        f=$(capture "$packets" "$m")
        read -r _ peak_of[$m] evicted_of[$m] < <(info "$f" "$m")
        measure "$m" "$f" "$m" "${progs[@]}"
        for p in "${progs[@]}"; do
            note=""
            [[ $p == "pairwatch -q --no-dpi" ]] &&
                note="peak ${peak_of[$m]} open, ${evicted_of[$m]} evicted; file: $(meta "$f" conversations) conversations"
            row "$m|$p" "$packets" "$m|floor" "$note"
        done
        if [[ " $tools " == *" tshark "* ]]; then
            # tshark runs at ~0.1M packets/s: a shorter file of the same mix, with its own floor.
            t=$(capture "$tshark_packets" "$m")
            measure "$m-tshark" "$t" "$m" floor "tshark -z conv"
            row "$m-tshark|floor" "$tshark_packets" "$m-tshark|floor" "(tshark's shorter file)"
            row "$m-tshark|tshark -z conv" "$tshark_packets" "$m-tshark|floor" \
                "only $tshark_packets packets: tshark is slow"
        fi
        # The baseline for bytes per conversation: pairwatch on a tiny capture.
        tiny=$(capture 1000 10)
        measure "$m-tiny" "$tiny" 10 "pairwatch -q --no-dpi"
    done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "pairwatch benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r); load average before: $load_before, after: $load_after"
echo "captures: bench/traffic.h, seed $seed, snaplen $snaplen; median of $runs rounds, programs rotated each round"
printf '%-10s %-30s %11s %9s %9s %8s %8s %9s  %s\n' conv program packets "median s" "Mpkt/s" \
    "CPU s" "x floor" "RSS MB" note
printf '%s\n' "${rows[@]}"
echo

# The targets (issue 7). "The full job" is -q --no-dpi: decode, table, TCP state, labels.
verdict() { # NAME CONDITION-AWK-EXPR VALUE-TEXT
    if awk "BEGIN { exit !($2) }"; then echo "PASS  $1: $3"; else echo "FAIL  $1: $3"; fi
}
pw="pairwatch -q --no-dpi"
if ((scaling)); then
    # Speed-up of each worker count over one, by wall time (the same rounds).
    for m in $conversations; do
        for d in "--no-dpi" "(DPI)"; do
            one=$(col "$m|pairwatch -q $d --threads 1" 1)
            line="info  $m conversations, pairwatch -q $d: --threads 1"
            for t in 2 3; do
                line+=$(printf ', %s: %.2fx' "$t" "$(echo "$one / $(col "$m|pairwatch -q $d --threads $t" 1)" | bc -l)")
            done
            echo "$line"
        done
    done
    exit 0
fi
if ((linearity)); then
    a=$(pps 1000000 "1000000|$pw")
    b=$(pps 10000000 "10000000|$pw")
    c=$(pps 50000000 "50000000|$pw")
    lo=$(printf '%s\n' "$a" "$b" "$c" | sort -g | head -1)
    hi=$(printf '%s\n' "$a" "$b" "$c" | sort -g | tail -1)
    verdict "linearity, 1M/10M/50M packets within 10%" "$hi / $lo - 1 <= 0.10" \
        "$(printf '%.2f / %.2f / %.2f Mpkt/s, spread %.1f%%' "$(echo "$a/1000000" | bc -l)" \
            "$(echo "$b/1000000" | bc -l)" "$(echo "$c/1000000" | bc -l)" \
            "$(echo "($hi / $lo - 1) * 100" | bc -l)")"
    # CPU seconds per packet: what the program costs, apart from how busy the machine was.
    cpu=()
    for n in 1000000 10000000 50000000; do
        cpu+=("$(echo "$(col "$n|$pw" 2) / $n * 1000000000" | bc -l)")
    done
    lo=$(printf '%s\n' "${cpu[@]}" | sort -g | head -1)
    hi=$(printf '%s\n' "${cpu[@]}" | sort -g | tail -1)
    printf 'info  linearity by CPU time: %.0f / %.0f / %.0f ns per packet, spread %.1f%%\n' \
        "${cpu[@]}" "$(echo "($hi / $lo - 1) * 100" | bc -l)"
    exit 0
fi
for m in $conversations; do
    [[ " $tools " == *" pairwatch "* ]] || break
    ratio=$(echo "$(col "$m|floor" 1) / $(col "$m|$pw" 1)" | bc -l)
    want=0.5
    ((m >= 1000000)) && want=0.25
    verdict "$m conversations, $pw >= ${want}x floor" "$ratio >= $want" "$(printf '%.3fx' "$ratio")"
    # pairwatch reads classic pcap records itself, faster than libpcap: its own floor beside.
    echo "info  $m conversations, $pw: $(printf '%.3f' "$(echo "$(col "$m|block floor" 1) / $(col "$m|$pw" 1)" | bc -l)")x its own block-reading floor (pairwatch_read_floor --blocks: $(printf '%.2f' "$(echo "$(col "$m|floor" 1) / $(col "$m|block floor" 1)" | bc -l)")x libpcap's speed)"
    json=$(echo "($(col "$m|$pw --json" 1) / $(col "$m|$pw" 1) - 1) * 100" | bc -l)
    verdict "$m conversations, JSON costs <= 15%" "$json <= 15" "$(printf '%+.1f%%' "$json")"
    report=$(echo "($(col "$m|pairwatch --no-dpi report" 1) / $(col "$m|$pw" 1) - 1) * 100" | bc -l)
    verdict "$m conversations, report costs <= 5%" "$report <= 5" "$(printf '%+.1f%%' "$report")"
    dpi=$(echo "($(col "$m|pairwatch -q (DPI)" 1) / $(col "$m|$pw" 1) - 1) * 100" | bc -l)
    echo "info  $m conversations, payload inspection (the default) costs $(printf '%+.1f%%' "$dpi")"
    # Bytes per live conversation: peak RSS above pairwatch's own on a tiny capture, over the
    # table's peak of open conversations. Judged where the table dominates (1M and up).
    rss=$(col "$m|$pw" 3)
    base=$(col "$m-tiny|$pw" 3)
    per=$(echo "($rss - $base) * 1024 / ${peak_of[$m]}" | bc -l)
    if ((m >= 1000000)); then
        verdict "$m conversations, bytes per live conversation <= 160" "$per <= 160" \
            "$(printf '%.0f B ((%d - %d KiB) / %d peak open)' "$per" "$rss" "$base" "${peak_of[$m]}")"
        ((m >= 1000000)) && verdict "$m conversations, peak RSS < 300 MB" "$rss / 1024 < 300" \
            "$(printf '%.0f MB (with DPI: %.0f MB)' "$(echo "$rss / 1024" | bc -l)" \
                "$(echo "$(col "$m|pairwatch -q (DPI)" 3) / 1024" | bc -l)")"
    else
        echo "info  $m conversations, $(printf '%.0f' "$per") B per live conversation (fixed costs weigh at this size)"
    fi
done
echo "linearity: scripts/bench.sh --linearity (1M, 10M and 50M packets; 50M is slow)"

if ((micro)); then
    echo
    "$dir/bench/pairwatch_bench" --benchmark_counters_tabular=true
fi
