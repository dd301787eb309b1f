#!/usr/bin/env bash
# Build kubectl-wizard and pack release archives, reproducibly, plus a krew
# manifest for exactly the archives built.
#
#   scripts/dist.sh [--target TRIPLE]... [--profile release|dev] [--no-build]
#   scripts/dist.sh --print-rustflags
#   scripts/dist.sh --print-platform TRIPLE
#
#   --target TRIPLE    Rust target to pack (repeatable); default: the host.
#   --profile NAME     Cargo profile (default release; dev packs a debug
#                      build, for tests).
#   --no-build         Pack binaries already in $CARGO_TARGET_DIR/[TRIPLE/]PROFILE
#                      (the release workflow builds them on each OS first).
#   --print-rustflags  Print the RUSTFLAGS a release build uses (for builds
#                      made elsewhere, such as the release workflow's).
#   --print-platform TRIPLE
#                      Print krew's os-arch for a Rust target triple.
#
# Writes only into $DIST_DIR (default dist/): kubectl-wizard-vVERSION-OS-ARCH.tar.gz
# per target and krew-manifest.yaml, the committed template of the same name
# rendered for exactly those archives (platforms not built here are left out,
# since a manifest entry without the archive's real sha256 cannot be
# installed). Prints each sha256. Refuses a $DIST_DIR that is the checkout
# itself: the template must never be overwritten.
#
# Reproducible: the binaries are built with the checkout's folder and cargo's
# home remapped (--remap-path-prefix), so no absolute build path ends up in
# them, and with SOURCE_DATE_EPOCH set to the commit's time, the build date
# of build.rs and of the C compiler's __DATE__/__TIME__; the archive has
# its files in a fixed order, owner and group 0 (numeric), modes set
# explicitly, every mtime = SOURCE_DATE_EPOCH (default: the last commit's
# time), gzip without name or time stamp. Needs GNU tar (gtar on macOS).
# scripts/check-reproducible.sh builds twice from two folders and compares.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"

die() { echo "dist.sh: $*" >&2; exit 2; }

# Absolute paths rustc would write into the binaries (panic locations,
# debug info), mapped to fixed ones. std's own are /rustc/HASH already.
rustflags() {
    local cargo_home=${CARGO_HOME:-$HOME/.cargo} target_dir=${CARGO_TARGET_DIR:-$root/target}
    local flags=(--remap-path-prefix="$root=/build/kubectl-wizard"
                 --remap-path-prefix="$cargo_home=/cargo")
    case "$target_dir" in
        /*) ;;
        *) target_dir=$root/$target_dir ;;
    esac
    case "$target_dir" in
        "$root"/*) ;;
        *) flags+=(--remap-path-prefix="$target_dir=/build/target") ;;
    esac
    echo "${RUSTFLAGS:+$RUSTFLAGS }${flags[*]}"
}

# krew's os/arch names for a Rust target triple.
platform_of() {
    local os arch
    case "$1" in
        *-linux-*) os=linux ;;
        *-apple-darwin) os=darwin ;;
        *-windows-*) os=windows ;;
        *) die "no krew os for target $1" ;;
    esac
    case "$1" in
        x86_64-*) arch=amd64 ;;
        aarch64-*) arch=arm64 ;;
        *) die "no krew arch for target $1" ;;
    esac
    echo "$os-$arch"
}

targets=()
profile=release
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --print-rustflags) rustflags; exit 0 ;;
        --print-platform) [ $# -ge 2 ] || die "--print-platform needs a target triple"
                          platform_of "$2"; exit 0 ;;
        --target) [ $# -ge 2 ] || die "--target needs a value"; targets+=("$2"); shift 2 ;;
        --target=*) targets+=("${1#--target=}"); shift ;;
        --profile) [ $# -ge 2 ] || die "--profile needs a value"; profile=$2; shift 2 ;;
        --profile=*) profile=${1#--profile=}; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,33s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case "$profile" in
    release) profile_dir=release ;;
    dev) profile_dir=debug ;;
    *) die "--profile must be release or dev, not '$profile'" ;;
esac

tar_cmd=tar
if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
    command -v gtar >/dev/null || die "GNU tar is needed (on macOS: brew install gnu-tar)"
    tar_cmd=gtar
fi
if command -v sha256sum >/dev/null; then
    sha256() { sha256sum "$1" | cut -d' ' -f1; }
else
    sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
fi

# The [package] version of Cargo.toml, as a release tag.
version=v$(awk -F'"' '/^\[/{section=$0} section=="[package]" && /^version *=/{print $2; exit}' Cargo.toml)
[ "$version" != v ] || die "no version in Cargo.toml [package]"
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
host=$(rustc -vV | sed -n 's/^host: //p')
[ ${#targets[@]} -gt 0 ] || targets=("$host")
target_dir=${CARGO_TARGET_DIR:-target}
dist_dir=${DIST_DIR:-dist}
mkdir -p "$dist_dir"
[ "$(cd "$dist_dir" && pwd -P)" != "$root" ] \
    || die "DIST_DIR must not be the checkout itself (it holds the krew-manifest.yaml template)"

# Pack one target; prints "os-arch sha256".
pack() {
    local triple=$1 platform exe='' bin_dir stage archive
    platform=$(platform_of "$triple")
    case "$platform" in windows-*) exe=.exe ;; esac
    # The host builds without --target, into the usual target/PROFILE.
    local target_args=(--target "$triple")
    bin_dir=$target_dir/$triple/$profile_dir
    if [ "$triple" = "$host" ]; then
        target_args=()
        bin_dir=$target_dir/$profile_dir
    fi
    if [ "$build" = 1 ]; then
        # build.rs records the commit and its date. SOURCE_DATE_EPOCH also
        # fixes __DATE__/__TIME__ in the C code the cc crate compiles (gcc
        # and clang read it): mimalloc embeds its build time, which made
        # two builds differ.
        SOURCE_DATE_EPOCH=$epoch RUSTFLAGS=$(rustflags) \
            cargo build --locked --profile "$profile" "${target_args[@]}" --bins >&2
    fi
    stage=$(mktemp -d)
    for name in kubectl-wizard kubectl_complete-wizard; do
        [ -f "$bin_dir/$name$exe" ] || die "$bin_dir/$name$exe is missing (build it, or drop --no-build)"
        cp "$bin_dir/$name$exe" "$stage/"
        chmod 0755 "$stage/$name$exe"
    done
    cp LICENSE README.md "$stage/"
    chmod 0644 "$stage/LICENSE" "$stage/README.md"
    archive=$dist_dir/kubectl-wizard-$version-$platform.tar.gz
    "$tar_cmd" --create --format=gnu --directory="$stage" \
        --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
        kubectl-wizard$exe kubectl_complete-wizard$exe LICENSE README.md \
        | gzip -9 -n > "$archive"
    rm -rf "$stage"
    echo "$platform $(sha256 "$archive")"
}

# krew-manifest.yaml (the template) with the tag filled in and, for each platform item, the
# addURIAndSha call replaced by the archive's uri and sha256; the items of
# platforms not packed here are dropped.
render_manifest() {
    awk -v tag="$version" -v shas="$1" '
        BEGIN {
            n = split(shas, pairs, " ")
            for (i = 1; i < n; i += 2) sha[pairs[i]] = pairs[i + 1]
            print "# Generated by scripts/dist.sh from krew-manifest.yaml for the archives beside it."
        }
        function flush() {
            if (item != "" && keep) printf "%s", item
            item = ""
        }
        /^ *#/ && !started { next }
        { started = 1; gsub(/\{\{ *\.TagName *\}\}/, tag) }
        /^    - selector:/ { flush(); in_item = 1; keep = 0 }
        in_item && $0 != "" && $0 !~ /^    / { flush(); in_item = 0 }
        /addURIAndSha/ {
            match($0, /"[^"]*"/)
            uri = substr($0, RSTART + 1, RLENGTH - 2)
            match(uri, /-[a-z]+-[a-z0-9]+\.tar\.gz$/)
            platform = substr(uri, RSTART + 1, RLENGTH - 8)
            indent = substr($0, 1, match($0, /[^ ]/) - 1)
            if (platform in sha) {
                keep = 1
                $0 = indent "uri: " uri "\n" indent "sha256: " sha[platform]
            }
        }
        in_item { item = item $0 "\n"; next }
        { print }
        END { flush() }
    ' krew-manifest.yaml
}

pairs=""
for triple in "${targets[@]}"; do
    pairs="$pairs $(pack "$triple")"
done
manifest=$dist_dir/krew-manifest.yaml
# Through a temporary file and a rename: never half a manifest.
render_manifest "$pairs" > "$manifest.tmp.$$"
mv "$manifest.tmp.$$" "$manifest"

set -- $pairs
while [ $# -ge 2 ]; do
    echo "$2  $dist_dir/kubectl-wizard-$version-$1.tar.gz"
    shift 2
done
echo "krew manifest: $manifest"
