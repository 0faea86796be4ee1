#!/bin/bash
# Builds (once, then cached) what the real-guest tests boot: a Debian kernel and a
# busybox initramfs whose /init is init.sh. The kernel package is downloaded and
# unpacked, never installed. Prints KERNEL=... and INITRD=... on stdout.
#
# Env: VTA_GUEST_CACHE  cache directory (default /var/cache/virtio-trace-agent/guest)
#      VTA_GUEST_KERNEL_PKG  kernel package (default: what linux-image-amd64 depends on)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VTA_GUEST_CACHE:-/var/cache/virtio-trace-agent/guest}
say() { echo "prepare-guest: $*" >&2; }
mkdir -p "$cache"

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "$@" >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "$@" >&2; }
}
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
# a static busybox: the initramfs has no libc
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || missing+=(busybox-static)
command -v xz >/dev/null || missing+=(xz-utils)
command -v cpio >/dev/null || missing+=(cpio)
command -v trace-cmd >/dev/null || missing+=(trace-cmd) # the host tool the tests decode with
[ ${#missing[@]} -eq 0 ] || { say "installing ${missing[*]}"; apt_install "${missing[@]}"; }

pkg=${VTA_GUEST_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  [ -n "$pkg" ] || { apt-get update -q >&2; pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}'); }
fi
kver=${pkg#linux-image-}
stamp="$kver $(cat "$here/init.sh" "$0" | sha256sum | cut -c1-16)"

if [ "$(cat "$cache/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$cache/initramfs.cpio.gz" ]; then
  say "building guest for $pkg in $cache"
  tmp=$(mktemp -d "$cache/build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2) \
    || { apt-get update -q >&2; (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2); }
  dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/x"
  mods=$tmp/x/lib/modules/$kver
  busybox depmod -b "$tmp/x" "$kver" # the package ships no modules.dep: dpkg's hook makes it
  # the virtio console (ports), PCI transport and 9p (the host's files) are modules in Debian's kernel
  root=$tmp/root
  mkdir -p "$root"/{bin,dev,proc,sys,tmp,host,lib/modules/"$kver"}
  cp /bin/busybox "$root/bin/busybox"
  install -m 755 "$here/init.sh" "$root/init"
  for m in virtio_pci virtio_console 9pnet_virtio 9p; do
    grep -E "(^|/)$m\.ko[^:]*:" "$mods/modules.dep" | tr -d ':' | tr ' ' '\n'
  done | sort -u | while read -r f; do
    [ -n "$f" ] || continue
    mkdir -p "$root/lib/modules/$kver/$(dirname "$f")"
    cp "$mods/$f" "$root/lib/modules/$kver/$f"
  done
  busybox depmod -b "$root" "$kver"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initramfs.cpio.gz"
  # An uncompressed ELF kernel boots through PVH, skipping the firmware's bzImage path and
  # the in-guest decompression: seconds saved per boot under TCG. Debian's bzImage carries
  # an xz stream; unpack it (xz complains about the bytes after the stream: ignore that).
  cp "$tmp/x/boot/vmlinuz-$kver" "$cache/vmlinuz"
  rm -f "$cache/vmlinux"
  if grep -q '^CONFIG_PVH=y' "$tmp/x/boot/config-$kver"; then
    off=$(LC_ALL=C grep -abo "$(printf '\3757zXZ')" "$cache/vmlinuz" | head -1 | cut -d: -f1)
    if [ -n "$off" ]; then
      tail -c +$((off + 1)) "$cache/vmlinuz" | xz -dc > "$tmp/vmlinux" 2>/dev/null || true
      [ "$(head -c 4 "$tmp/vmlinux" | tail -c 3)" = ELF ] && mv "$tmp/vmlinux" "$cache/vmlinux"
    fi
  fi
  mv "$tmp/initramfs.cpio.gz" "$cache/initramfs.cpio.gz"
  echo "$stamp" > "$cache/stamp"
fi
if [ -f "$cache/vmlinux" ]; then echo "KERNEL=$cache/vmlinux"; else echo "KERNEL=$cache/vmlinuz"; fi
echo "INITRD=$cache/initramfs.cpio.gz"
