#!/usr/bin/env bash
# Prove release archives are reproducible across checkouts: clone HEAD into
# two folders of different names and depths, pack each from scratch with
# scripts/dist.sh (each clone builds in its own target/, so nothing is
# shared but cargo's download cache), and compare the archives' sha256.
#
#   scripts/check-reproducible.sh [--target TRIPLE]
#
# Slow (two full release builds): run by hand before a release, and by the
# release workflow; not part of `cargo test`. Exit 0 when the sha256s match,
# 1 when they differ (both are printed), 2 on a usage error.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
target_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --target) [ $# -ge 2 ] || { echo "check-reproducible.sh: --target needs a value" >&2; exit 2; }
                  target_args=(--target "$2"); shift 2 ;;
        -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "check-reproducible.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Different lengths on purpose: a path that leaks shifts everything after it.
folders=("$work/a/kubectl-wizard" "$work/second-checkout/deeper/kw")
sums=()
archives=()
for folder in "${folders[@]}"; do
    mkdir -p "$(dirname "$folder")"
    git clone --quiet --no-hardlinks "$root" "$folder"
    echo "building in $folder ..." >&2
    # Only the clone's own target/ and dist/: nothing from the caller's
    # environment that could make the two builds alike by accident.
    line=$(cd "$folder" \
        && env -u CARGO_TARGET_DIR -u DIST_DIR -u RUSTFLAGS scripts/dist.sh "${target_args[@]}" \
        | grep '\.tar\.gz$' | head -1)
    [ -n "$line" ] || { echo "check-reproducible.sh: dist.sh printed no archive in $folder" >&2; exit 1; }
    sums+=("${line%% *}")
    archives+=("$folder/${line#*  }")
    echo "${line%% *}  $folder/${line#*  }"
done

if [ "${sums[0]}" = "${sums[1]}" ]; then
    echo "reproducible: both archives have sha256 ${sums[0]}"
else
    echo "NOT reproducible: ${sums[0]} != ${sums[1]}" >&2
    # Which members differ, and for a binary the strings only one has
    # (a build time, a path): where to start looking.
    for i in 0 1; do
        mkdir -p "$work/unpacked$i"
        tar -xzf "${archives[$i]}" -C "$work/unpacked$i"
    done
    for member in "$work"/unpacked0/*; do
        name=$(basename "$member")
        cmp -s "$member" "$work/unpacked1/$name" && continue
        echo "  $name differs" >&2
        diff <(strings -a "$member") <(strings -a "$work/unpacked1/$name") \
            | grep '^[<>]' | head -10 | sed 's/^/    /' >&2 || true
    done
    exit 1
fi
