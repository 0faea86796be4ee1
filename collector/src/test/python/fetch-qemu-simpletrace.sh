#!/usr/bin/env bash
# fetch-qemu-simpletrace.sh DIR
#
# Puts QEMU's own simpletrace reader, scripts/simpletrace.py and the scripts/tracetool package it
# imports, into DIR, so that a test can read a session log with it as well:
#   python3 DIR/simpletrace.py TRACE_EVENTS LOG
# Nothing is done if DIR already holds them (DIR/simpletrace.py, DIR/tracetool/__init__.py and
# DIR/tracetool/backend/simple.py): the script is idempotent, and DIR is the cache.
#
# Why this way: no Debian binary package ships simpletrace.py or tracetool (apt-file finds neither
# in bookworm; qemu-system-common, -data, -x86, -gui, qemu-utils, qemu-block-extra and
# qemu-guest-agent were listed with dpkg -c: only /usr/share/qemu/trace-events-all), so they are
# taken from the source package: Debian's qemu_*.orig.tar.xz, fetched with `apt-get source
# --download-only qemu` (Debian 12: qemu 1:7.2+dfsg-7+deb12u18, 23.9 MB in all, 23.5 MB of it the
# orig tarball; a few seconds on a fast mirror), from which tar takes just the two paths (136 KB).
# Debian's patches are not applied: the only ones touching these files make tracetool's regular
# expressions raw strings (no change in behaviour; unpatched, Python 3.12+ prints SyntaxWarnings).
#
# /etc/apt is NOT changed: the deb-src entries (made from the Debian archives apt is configured
# with, read with `apt-get indextargets`, e.g. http://deb.debian.org/debian bookworm) and the
# source index they fetch (~9.7 MB) live in a private temporary directory passed to apt with -o
# Dir::... options, removed at the end. apt.conf.d (proxies etc.) still applies. Root is not
# needed; the network is (the Debian mirror only).
#
# Needs: apt-get, tar, xz (xz-utils). Running simpletrace.py needs python3 (standard library only;
# QEMU 7.2's simpletrace reads native-byte-order logs only, prints string arguments as Python
# bytes literals, so binary ones are fine, stops with a KeyError traceback on an event id without
# a mapping, exits 1 on an event the trace-events file lacks, and does not check record lengths:
# a log cut inside a string argument reads back with that string short and exit status 0).
#
# Exit: 0 DIR holds them (fetched now or already there); 1 they could not be fetched (one line on
# stderr says why); 2 usage. Output: one line on stderr when something was fetched.
set -euo pipefail

readonly ME=fetch-qemu-simpletrace
readonly SOURCE_PACKAGE=qemu
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

fail() { echo "$ME: $*" >&2; exit 1; }

if [[ $# -ne 1 || -z $1 ]]; then
    echo "usage: $ME.sh DIR   (puts QEMU's simpletrace.py and tracetool/ into DIR)" >&2
    exit 2
fi
DIR=$1

have() { [[ -f $DIR/simpletrace.py && -f $DIR/tracetool/__init__.py && -f $DIR/tracetool/backend/simple.py ]]; }
have && exit 0

for cmd in apt-get tar xz; do
    command -v "$cmd" >/dev/null 2>&1 || fail "$cmd not found (needed: apt-get, tar, xz from xz-utils)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/$ME.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/parts" "$TMP/lists/partial" "$TMP/cache/archives/partial" "$TMP/src" "$TMP/out"
# When run as root, apt downloads as _apt: let it write there (else it only warns).
if [[ $(id -u) -eq 0 ]] && id _apt >/dev/null 2>&1; then
    chmod 755 "$TMP"
    chown _apt "$TMP/src" "$TMP/lists/partial" "$TMP/cache/archives/partial"
fi

# deb-src entries for the Debian archives apt already uses (their binary index targets).
mapfile -t REPOS < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' \
    'Identifier: Packages' 'Origin: Debian' 2>/dev/null | sort -u)
[[ ${#REPOS[@]} -gt 0 ]] || fail "apt is configured with no Debian archive (apt-get indextargets finds no 'Origin: Debian' Packages index; run apt-get update?)"
{
    for repo in "${REPOS[@]}"; do
        read -r uri release <<<"$repo"
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n' "$uri" "$release"
        [[ -f $KEYRING ]] && printf 'Signed-By: %s\n' "$KEYRING"
        printf '\n'
    done
} >"$TMP/parts/deb-src.sources"

APT=(apt-get -q
     -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$TMP/parts"
     -o "Dir::State::Lists=$TMP/lists" -o "Dir::Cache=$TMP/cache"
     -o "Dir::State::Status=/dev/null")

last_line() { grep -E '^(E|W):' "$1" | head -n 1 || true; }

# apt-get update exits 0 with only warnings when the mirror cannot be reached: look for the index.
if ! "${APT[@]}" update >"$TMP/update.log" 2>&1 || grep -q '^E:' "$TMP/update.log" \
        || ! compgen -G "$TMP/lists/*_Sources*" >/dev/null; then
    fail "cannot fetch Debian's source index (deb-src ${REPOS[*]}): $(last_line "$TMP/update.log")"
fi
if ! (cd "$TMP/src" && "${APT[@]}" source --download-only "$SOURCE_PACKAGE") >"$TMP/source.log" 2>&1; then
    fail "apt-get source --download-only $SOURCE_PACKAGE failed: $(last_line "$TMP/source.log")"
fi

shopt -s nullglob
origs=("$TMP"/src/"${SOURCE_PACKAGE}"_*.orig.tar.*)
dscs=("$TMP"/src/"${SOURCE_PACKAGE}"_*.dsc)
shopt -u nullglob
[[ ${#origs[@]} -eq 1 ]] || fail "expected one ${SOURCE_PACKAGE}_*.orig.tar.* from apt-get source, found ${#origs[@]}"
version=$(sed -n 's/^Version: //p' "${dscs[0]:-/dev/null}" | head -n 1)

# The tarball's top directory is qemu-VERSION/: take */scripts/{simpletrace.py,tracetool/}.
if ! tar -xf "${origs[0]}" -C "$TMP/out" --wildcards --strip-components=2 \
        '*/scripts/simpletrace.py' '*/scripts/tracetool/*' 2>"$TMP/tar.log"; then
    fail "tar could not take scripts/simpletrace.py and scripts/tracetool from $(basename "${origs[0]}"): $(head -n 1 "$TMP/tar.log")"
fi
[[ -f $TMP/out/simpletrace.py && -f $TMP/out/tracetool/__init__.py && -f $TMP/out/tracetool/backend/simple.py ]] \
    || fail "$(basename "${origs[0]}") has no scripts/simpletrace.py or scripts/tracetool/"

bytes=$(cat "$TMP"/src/* | wc -c)
sha=$(sha256sum "${origs[0]}" | cut -d ' ' -f 1)
printf 'QEMU scripts/simpletrace.py and scripts/tracetool/ from Debian source package %s %s\n%s sha256 %s\n' \
    "$SOURCE_PACKAGE" "${version:-?}" "$(basename "${origs[0]}")" "$sha" >"$TMP/out/QEMU_SOURCE"

mkdir -p "$DIR"
# simpletrace.py last: a copy cut short is not taken for a cached one.
cp -R "$TMP/out/tracetool" "$TMP/out/QEMU_SOURCE" "$DIR/"
cp "$TMP/out/simpletrace.py" "$DIR/simpletrace.py.tmp"
mv -f "$DIR/simpletrace.py.tmp" "$DIR/simpletrace.py"
echo "$ME: QEMU simpletrace.py and tracetool/ from $SOURCE_PACKAGE ${version:-?} put in $DIR ($((bytes / 1000)) kB downloaded, plus the source index)" >&2
