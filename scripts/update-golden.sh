#!/usr/bin/env bash
# Rewrites the golden outputs of one capture in captures/: for each of its lines in
# captures/MANIFEST.tsv, runs the Release binary with that line's options and writes the view's
# file: NAME.packets (--packets), NAME.flows.jsonl (--json -), NAME.alerts.jsonl (--alerts -),
# NAME.report (--replay-speed: the rolling report's text blocks, then the summary), NAME.summary
# (the final summary). It runs from the checkout: paths in the options are relative to it.
#
#   scripts/update-golden.sh NAME        NAME as in MANIFEST.tsv (lan-http.pcap), or captures/NAME
#
# This is the only way a golden file comes to exist: tests never create a missing one. Review the
# diff like code (git diff captures/NAME.packets) before committing it.
#
# The golden file holds pairwatch's stdout. When pairwatch writes to stderr or exits non-zero, a
# trailer records that too, so a refused file or a warning is part of what is checked:
#     --- stderr (exit N)
#     <stderr, as printed>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if (($# != 1)) || [[ $1 == -h || $1 == --help ]]; then
    echo "usage: scripts/update-golden.sh NAME   (a capture listed in captures/MANIFEST.tsv)" >&2
    exit 2
fi
name=$(basename "$1")
cd "$PAIRWATCH_ROOT"
manifest=captures/MANIFEST.tsv

rows=$(awk -F'\t' -v n="$name" '$1 == n { print }' "$manifest" 2>/dev/null || true)
if [[ -z $rows ]]; then
    echo "update-golden.sh: $name has no line in $manifest: add one (file, options, why it is" \
        "there) before making its golden file" >&2
    exit 1
fi
if [[ ! -f captures/$name ]]; then
    echo "update-golden.sh: captures/$name does not exist (scripts/make-captures.sh and" \
        "scripts/craft-captures.py make them)" >&2
    exit 1
fi

binary=build/release/pairwatch
if [[ ! -x $binary ]]; then
    echo "update-golden.sh: building the Release binary" >&2
    cmake --preset release >/dev/null
fi
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
# Incremental: a golden file from a stale binary would be wrong.
if ! cmake --build build/release --target pairwatch >"$out" 2>&1; then
    tail -20 "$out" >&2
    echo "update-golden.sh: the Release build failed (cmake --build build/release)" >&2
    exit 1
fi

# The view a line's options ask for names its golden file (tests/golden/golden_test.cpp agrees).
view_of() {
    case " $1 " in
    *" --packets "*) echo packets ;;
    *" --replay-speed "*) echo report ;;
    *" --json - "*) echo flows.jsonl ;;
    *" --alerts - "*) echo alerts.jsonl ;;
    *) echo summary ;;
    esac
}

# The report's title line shows local time: golden files are in UTC.
export TZ=UTC
while IFS=$'\t' read -r _ options _; do
    read -r -a opts <<<"$options"
    golden=captures/$name.$(view_of "$options")
    status=0
    : >"$out"
    "$binary" -r "captures/$name" "${opts[@]}" >"$out" 2>"$err" </dev/null || status=$?
    if ((status != 0)) || [[ -s $err ]]; then
        printf -- '--- stderr (exit %d)\n' "$status" >>"$out"
        cat "$err" >>"$out"
    fi
    if [[ -f $golden ]] && cmp -s "$out" "$golden"; then
        echo "$golden: unchanged" >&2
    else
        cp "$out" "$golden"
        chmod 644 "$golden"
        echo "$golden: written (exit $status); review it: git diff $golden" >&2
    fi
done <<<"$rows"
