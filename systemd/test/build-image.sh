#!/bin/bash
# Builds a local podman image of Debian 12 (bookworm) with systemd as init, for testing
# trace-agent.service under a real PID-1 systemd. No registry needed: debootstrap from the
# Debian mirror apt uses, then `podman import`.
#
#   systemd/test/build-image.sh [--extra "pkg1 pkg2"] [--tag NAME] [--force]
#
# Idempotent: the rootfs tarball is cached in $CACHE (keyed by suite, mirror and package
# list), and the image is not re-imported when an image with the same key label exists.
# Reproducible as far as debootstrap allows: fixed package list, tarball with sorted
# names, fixed mtimes and numeric owners; the Debian archive itself moves on, so pin
# MIRROR to a snapshot URL for bit-identical results.
# Needs root, debootstrap and podman (apt-get install -y debootstrap podman runc).
set -euo pipefail

SUITE=${SUITE:-bookworm}
CACHE=${CACHE:-/var/cache/virtio-trace-agent/systemd-image}
TAG=vta-debian-systemd:12
EXTRA=""
FORCE=0
while [ $# -gt 0 ]; do
  case $1 in
    --extra) EXTRA=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# The mirror apt is configured with (deb822 or one-line sources), else deb.debian.org.
if [ -z "${MIRROR:-}" ]; then
  MIRROR=$(grep -hs '^URIs:.*debian/\?$' /etc/apt/sources.list.d/*.sources | awk '{print $2; exit}' || true)
  [ -n "$MIRROR" ] || MIRROR=$(grep -hs '^deb .*debian/\? ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2; exit}' || true)
  [ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
fi

need() { command -v "$1" >/dev/null || { echo "build-image.sh: $1 missing (apt-get install -y $2)" >&2; exit 1; }; }
need debootstrap debootstrap
need podman "podman runc"

# systemd as PID 1 plus what makes it a normal system: dbus (systemctl, journalctl --user
# bits), udev (device units), procps (ps/pgrep in tests), iproute2 not needed.
PACKAGES="systemd,systemd-sysv,dbus,udev,procps${EXTRA:+,${EXTRA// /,}}"
KEY=$(printf '%s\n' "$SUITE" "$MIRROR" "$PACKAGES" "v1" | sha256sum | cut -c1-16)
ROOTFS_TAR=$CACHE/rootfs-$SUITE-$KEY.tar

if [ "$FORCE" = 0 ] && podman image exists "$TAG" &&
   [ "$(podman image inspect --format '{{index .Labels "vta.key"}}' "$TAG" 2>/dev/null)" = "$KEY" ]; then
  echo "build-image.sh: $TAG is up to date (key $KEY)"
  exit 0
fi

mkdir -p "$CACHE"
if [ "$FORCE" = 1 ] || [ ! -s "$ROOTFS_TAR" ]; then
  work=$(mktemp -d "$CACHE/work.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "build-image.sh: debootstrap $SUITE from $MIRROR with $PACKAGES"
  t0=$(date +%s)
  debootstrap --variant=minbase --include="$PACKAGES" \
    --exclude=e2fsprogs \
    "$SUITE" "$work/root" "$MIRROR" > "$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  echo "build-image.sh: debootstrap took $(( $(date +%s) - t0 )) s"
  r=$work/root
  # Trim and make the system behave in a container:
  # - no caches, docs or apt lists (size; apt-get update works again inside if needed)
  # - machine-id empty: systemd makes a fresh one at each boot
  # - units that cannot work in a container are masked (they'd only make it 'degraded')
  rm -rf "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* \
         "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/var/log/*.log \
         "$r"/var/log/apt/* "$r"/tmp/* "$r"/var/tmp/*
  : > "$r/etc/machine-id"
  rm -f "$r/var/lib/dbus/machine-id"
  for u in getty@tty1.service console-getty.service systemd-timesyncd.service \
           apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
           fstrim.timer systemd-remount-fs.service; do
    ln -sf /dev/null "$r/etc/systemd/system/$u"
  done
  # Journal in memory only (the container is throw-away).
  mkdir -p "$r/etc/systemd/journald.conf.d"
  printf '[Journal]\nStorage=volatile\n' > "$r/etc/systemd/journald.conf.d/vta.conf"
  echo "vta-test" > "$r/etc/hostname"
  # Deterministic tarball (same files -> same bytes).
  tar --sort=name --mtime='2025-01-01 00:00:00Z' --numeric-owner --xattrs \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      -C "$r" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$work"; trap - EXIT
fi
echo "build-image.sh: rootfs $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"

old=$(podman image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)
podman import \
  --change 'CMD ["/sbin/init"]' \
  --change 'ENV container=podman' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL vta.key=$KEY" \
  "$ROOTFS_TAR" "$TAG" >/dev/null
new=$(podman image inspect --format '{{.Id}}' "$TAG")
# The image the tag moved away from (if no container uses it).
[ -n "$old" ] && [ "$old" != "$new" ] && podman rmi "$old" >/dev/null 2>&1 || true
echo "build-image.sh: imported $TAG ($(podman image inspect --format '{{.Size}}' "$TAG" | numfmt --to=iec) )"
