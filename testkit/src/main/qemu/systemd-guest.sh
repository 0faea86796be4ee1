#!/bin/bash
# A real QEMU guest that boots systemd as PID 1 (with udev) from a Debian 12 root that has
# deb/target/trace-agent_*.deb installed, with the README's virtio-serial ports on host FIFOs.
# What a container cannot show: udev starting trace-agent.service when the control port
# appears, real /dev/vportNpM nodes under the hardened unit, hot-unplug of the port (BindsTo=).
#
#   systemd-guest.sh prepare                  build (once, cached) the guest; prints ROOT= KERNEL= INITRD=
#   systemd-guest.sh boot -w WORK [-c CPUS] [-m MiB] [-t SECONDS] [-n]
#                                             boot it (foreground; QEMU's exit status). In WORK:
#                                             fifo/NAME.in|.out (the ports' pipe chardevs), qmp.sock,
#                                             console.log, qemu.log, share/ (9p, /vta in the guest);
#                                             -n: no ports and no virtio-serial controller (for attach)
#   systemd-guest.sh boot-libvirt -w WORK -n NAME [-c CPUS] [-m MiB]
#                                             the same guest as a transient libvirt domain NAME (TCG,
#                                             QEMU as root, no ports, a virtio-serial controller),
#                                             virtlogd and libvirtd started first if not running;
#                                             stays in the foreground while the domain runs and
#                                             destroys it on SIGTERM. In WORK: domain.xml,
#                                             console.log, share/
#   systemd-guest.sh exec WORK [-t SECONDS] -- COMMAND...
#                                             run COMMAND (bash -c) in the booted guest as root;
#                                             prints its output, exits with its status (124: timeout)
#   systemd-guest.sh qmp WORK JSON...         send QMP commands (needs python3); prints the replies
#   systemd-guest.sh selftest [WORK]          the whole scenario from the shell, with timings
#
# The guest: the kernel of prepare-guest.sh's package (its modules are
# copied into the root), a busybox initramfs that mounts the cached root read-only over 9p
# (tag "root") under an overlayfs with a tmpfs upper layer, mounts WORK/share (tag "work") on
# /vta and switch_roots into /lib/systemd/systemd. A small service (vta-exec) runs the
# command files the host drops into /vta/cmd: NAME.sh -> NAME.out, NAME.rc.
# The package is installed with dpkg inside the root (chroot), so its postinst runs: it makes
# the AppCDS archive; it does not enable the unit (no running systemd), so only the udev rule
# can start the service.
#
# Env: VTA_SYSTEMD_GUEST_CACHE (default /var/cache/virtio-trace-agent/systemd-guest),
#      VTA_DEB (default: the newest deb/target/trace-agent_*.deb),
#      VTA_ROOTFS_TAR (default: systemd/test/build-image.sh's tarball, built if missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
cache=${VTA_SYSTEMD_GUEST_CACHE:-/var/cache/virtio-trace-agent/systemd-guest}
say() { echo "systemd-guest: $*" >&2; }
die() { say "$*"; exit 125; }

# ---------------------------------------------------------------------------------------
rootfs_tar() {
  if [ -n "${VTA_ROOTFS_TAR:-}" ]; then echo "$VTA_ROOTFS_TAR"; return; fi
  local img=/var/cache/virtio-trace-agent/systemd-image mirror key
  # the key build-image.sh uses for its default package list
  mirror=${MIRROR:-$(grep -hs '^URIs:.*debian/\?$' /etc/apt/sources.list.d/*.sources | awk '{print $2; exit}' || true)}
  [ -n "$mirror" ] || mirror=$(grep -hs '^deb .*debian/\? ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2; exit}' || true)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  key=$(printf '%s\n' bookworm "$mirror" "systemd,systemd-sysv,dbus,udev,procps" "v1" | sha256sum | cut -c1-16)
  if [ ! -s "$img/rootfs-bookworm-$key.tar" ]; then
    say "no $img/rootfs-bookworm-$key.tar: running systemd/test/build-image.sh"
    CONTAINERS_CONF=${CONTAINERS_CONF:-$repo/systemd/test/containers.conf} \
      bash "$repo/systemd/test/build-image.sh" >&2 || true
  fi
  [ -s "$img/rootfs-bookworm-$key.tar" ] || die "no rootfs tarball $img/rootfs-bookworm-$key.tar"
  echo "$img/rootfs-bookworm-$key.tar"
}

deb_file() {
  if [ -n "${VTA_DEB:-}" ]; then echo "$VTA_DEB"; return; fi
  local d
  d=$(ls -t "$repo"/deb/target/trace-agent_*.deb 2>/dev/null | head -1 || true)
  [ -n "$d" ] || die "no $repo/deb/target/trace-agent_*.deb: build the package first"
  echo "$d"
}

# The busybox /init of the initramfs.
write_init() {
  cat > "$1" <<'EOF'
#!/bin/busybox sh
# /init: root = the cached Debian tree (9p "root", read-only) under a tmpfs overlay;
# /vta = the host's work share (9p "work"); then systemd as PID 1.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
log() { echo "vta-init[$(cut -d' ' -f1 /proc/uptime)]: $*" > /dev/console; }
fail() { log "$*"; sleep 1; poweroff -f; }
for m in virtio_pci 9pnet_virtio 9p overlay; do modprobe "$m" || log "modprobe $m failed"; done
o9=trans=virtio,version=9p2000.L,msize=262144
mkdir -p /lower /rw /newroot
mount -t 9p -o "$o9,ro,cache=loose" root /lower || fail "cannot mount the root (9p)"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
  || fail "cannot mount the overlay root"
mkdir -p /newroot/vta
mount -t 9p -o "$o9,cache=none" work /newroot/vta || fail "cannot mount the work share"
cut -d' ' -f1 /proc/uptime > /newroot/vta/uptime-at-switch-root
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /lib/systemd/systemd
EOF
  chmod 755 "$1"
}

# The guest's command runner (vta-exec.service).
write_exec_loop() {
  cat > "$1" <<'EOF'
#!/bin/bash
# Runs each /vta/cmd/NAME.sh the host drops (one at a time, in name order) as root with
# bash; writes NAME.out (stdout+stderr) then NAME.rc (exit status), removes NAME.sh.
cd /vta/cmd || exit 1
# sleep without forking /bin/sleep (a fork costs under TCG): read with a timeout from a FIFO
# nobody writes
[ -p /run/vta-exec.idle ] || mkfifo /run/vta-exec.idle
exec 9<> /run/vta-exec.idle
cut -d' ' -f1 /proc/uptime > /vta/exec-ready.part && mv /vta/exec-ready.part /vta/exec-ready
while :; do
  for f in *.sh; do
    [ -e "$f" ] || break
    n=${f%.sh}
    bash "$f" > "$n.out.part" 2>&1 < /dev/null
    rc=$?
    mv "$n.out.part" "$n.out"
    echo $rc > "$n.rc.part" && mv "$n.rc.part" "$n.rc"
    rm -f "$f"
  done
  read -r -t 0.1 -u 9 _ || true
done
EOF
  chmod 755 "$1"
}

prepare() {
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
  command -v depmod >/dev/null || { say "installing kmod (depmod)"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kmod >&2; }
  { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || \
    { say "installing busybox-static"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends busybox-static >&2; }
  local tar deb pkg kver kdir key gdir
  tar=$(rootfs_tar)
  deb=$(deb_file)
  # the kernel package of the other guest tests (prepare-guest.sh's choice)
  pkg=${VTA_GUEST_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')}
  [ -n "$pkg" ] || { apt-get update -q >&2; pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}'); }
  kver=${pkg#linux-image-}
  mkdir -p "$cache"

  # 1. the kernel and its modules, once per kernel version
  kdir=$cache/kernel-$kver
  if [ ! -f "$kdir/done" ]; then
    say "fetching $pkg"
    rm -rf "$kdir"; mkdir -p "$kdir/dl"
    (cd "$kdir/dl" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2) \
      || { apt-get update -q >&2; (cd "$kdir/dl" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2); }
    dpkg -x "$kdir"/dl/"$pkg"_*.deb "$kdir/x"
    mkdir -p "$kdir/lib/modules"
    mv "$kdir/x/lib/modules/$kver" "$kdir/lib/modules/$kver"
    depmod -b "$kdir" "$kver"
    cp "$kdir/x/boot/vmlinuz-$kver" "$kdir/vmlinuz"
    # as prepare-guest.sh: an uncompressed ELF kernel boots through PVH, faster under TCG
    if grep -q '^CONFIG_PVH=y' "$kdir/x/boot/config-$kver"; then
      local off
      off=$(LC_ALL=C grep -abo "$(printf '\3757zXZ')" "$kdir/vmlinuz" | head -1 | cut -d: -f1 || true)
      if [ -n "$off" ]; then
        tail -c +$((off + 1)) "$kdir/vmlinuz" | xz -dc > "$kdir/vmlinux.part" 2>/dev/null || true
        [ "$(head -c 4 "$kdir/vmlinux.part" | tail -c 3)" = ELF ] && mv "$kdir/vmlinux.part" "$kdir/vmlinux"
        rm -f "$kdir/vmlinux.part"
      fi
    fi
    rm -rf "$kdir/x" "$kdir/dl"
    touch "$kdir/done"
  fi

  # 2. the root tree and initramfs, keyed by rootfs, package, kernel and this script
  key=$( { echo "$tar $(stat -c '%s %Y' "$tar")"; sha256sum < "$deb"; echo "$kver"; declare -f prepare write_init write_exec_loop; } | sha256sum | cut -c1-16)
  gdir=$cache/$key
  if [ ! -f "$gdir/done" ]; then
    say "building the guest root in $gdir (rootfs $(basename "$tar"), $(basename "$deb"), kernel $kver)"
    local t0=$SECONDS
    for old in "$cache"/*/; do # other keys' trees (keep the kernels)
      case $(basename "$old") in kernel-*) ;; *) rm -rf "$old" ;; esac
    done
    mkdir -p "$gdir/root"
    local r=$gdir/root
    tar --numeric-owner -xpf "$tar" -C "$r"
    mkdir -p "$r/lib/modules"
    cp -a "$kdir/lib/modules/$kver" "$r/lib/modules/"
    # install the package as apt would (its postinst runs, chrooted: the AppCDS archive)
    cp "$deb" "$r/root/trace-agent.deb"
    mount -t proc proc "$r/proc"
    local drc=0
    chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      dpkg -i /root/trace-agent.deb >&2 || drc=$?
    umount "$r/proc"
    [ $drc = 0 ] || die "dpkg -i in the guest root failed ($drc)"
    rm -f "$r/root/trace-agent.deb"
    [ -s "$r/usr/lib/trace-agent/trace-agent.jsa" ] && say "AppCDS archive made by the postinst" \
      || say "WARNING: the postinst made no AppCDS archive"
    # the test's plumbing: the command runner, no getty/firstboot, a fixed hostname
    mkdir -p "$r/vta" "$r/usr/local/sbin" "$r/etc/systemd/system/multi-user.target.wants"
    write_exec_loop "$r/usr/local/sbin/vta-exec"
    cat > "$r/etc/systemd/system/vta-exec.service" <<'EOF'
[Unit]
Description=virtio-trace test: run the host's commands from /vta/cmd
[Service]
ExecStartPre=/bin/mkdir -p /vta/cmd
ExecStart=/usr/local/sbin/vta-exec
[Install]
WantedBy=multi-user.target
EOF
    ln -sf ../vta-exec.service "$r/etc/systemd/system/multi-user.target.wants/vta-exec.service"
    for u in serial-getty@ttyS0.service getty@tty1.service systemd-firstboot.service \
             systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer man-db.timer \
             dpkg-db-backup.timer kmod-static-nodes.service; do
      ln -sf /dev/null "$r/etc/systemd/system/$u"
    done
    : > "$r/etc/machine-id"
    echo vta-guest > "$r/etc/hostname"
    passwd -R "$r" -d root >/dev/null 2>&1 || sed -i 's/^root:[^:]*:/root::/' "$r/etc/shadow"
    # the initramfs
    local ird=$gdir/initramfs
    mkdir -p "$ird"/{bin,dev,proc,sys,lib/modules/"$kver"}
    cp /bin/busybox "$ird/bin/busybox"
    write_init "$ird/init"
    local mods=$kdir/lib/modules/$kver
    for m in virtio_pci 9pnet_virtio 9p overlay; do
      grep -E "(^|/)$m\.ko[^:]*:" "$mods/modules.dep" | tr -d ':' | tr ' ' '\n'
    done | sort -u | while read -r f; do
      [ -n "$f" ] || continue
      mkdir -p "$ird/lib/modules/$kver/$(dirname "$f")"
      cp "$mods/$f" "$ird/lib/modules/$kver/$f"
    done
    busybox depmod -b "$ird" "$kver"
    (cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$gdir/initramfs.cpio.gz"
    rm -rf "$ird"
    touch "$gdir/done"
    say "guest root ready in $((SECONDS - t0)) s"
  fi
  echo "ROOT=$gdir/root"
  if [ -f "$kdir/vmlinux" ]; then echo "KERNEL=$kdir/vmlinux"; else echo "KERNEL=$kdir/vmlinuz"; fi
  echo "INITRD=$gdir/initramfs.cpio.gz"
}

# ---------------------------------------------------------------------------------------
boot() {
  local cpus=2 mem=1536 timeout=900 work= ports=1 o
  OPTIND=1
  while getopts "c:m:t:w:n" o; do
    case $o in c) cpus=$OPTARG ;; m) mem=$OPTARG ;; t) timeout=$OPTARG ;; w) work=$OPTARG ;; n) ports=0 ;; *) exit 125 ;; esac
  done
  [ -n "$work" ] || die "boot: -w WORK missing"
  mkdir -p "$work/fifo" "$work/share/cmd"
  work=$(cd "$work" && pwd)
  eval "$(prepare)"
  rm -f "$work"/share/cmd/* "$work/share/exec-ready" "$work/qmp.sock"
  local names=(agent-ctl-path) n end
  for ((i = 0; i < cpus; i++)); do names+=("trace-path-cpu$i"); done
  for n in "${names[@]}"; do
    for end in in out; do [ -p "$work/fifo/$n.$end" ] || mkfifo "$work/fifo/$n.$end"; done
  done
  local args=(-machine pc -accel tcg -cpu max -smp "$cpus" -m "${mem}M"
      -nodefaults -no-user-config -display none -no-reboot -nic none
      -kernel "$KERNEL" -initrd "$INITRD"
      -append "console=ttyS0 panic=-1 loglevel=4 systemd.show_status=1"
      -serial "file:$work/console.log"
      -qmp "unix:$work/qmp.sock,server=on,wait=off"
      -device virtio-rng-pci
      -virtfs "local,path=$ROOT,mount_tag=root,security_model=none,readonly=on,multidevs=remap"
      -virtfs "local,path=$work/share,mount_tag=work,security_model=none,multidevs=remap")
  if [ "$ports" = 1 ]; then
    args+=(-device virtio-serial-pci,id=vser0
      -chardev "pipe,id=ctl,path=$work/fifo/agent-ctl-path"
      -device virtserialport,bus=vser0.0,nr=1,chardev=ctl,name=agent-ctl-path,id=ctlport)
    for ((i = 0; i < cpus; i++)); do
      args+=(-chardev "pipe,id=trace$i,path=$work/fifo/trace-path-cpu$i"
             -device "virtserialport,bus=vser0.0,nr=$((i + 2)),chardev=trace$i,name=trace-path-cpu$i,id=traceport$i")
    done
  fi
  exec timeout --kill-after=5 "$timeout" qemu-system-x86_64 "${args[@]}" > "$work/qemu.log" 2>&1
}

# ---------------------------------------------------------------------------------------
boot_libvirt() {
  local cpus=2 mem=1536 work= name= o
  OPTIND=1
  while getopts "c:m:w:n:" o; do
    case $o in c) cpus=$OPTARG ;; m) mem=$OPTARG ;; w) work=$OPTARG ;; n) name=$OPTARG ;; *) exit 125 ;; esac
  done
  [ -n "$work" ] && [ -n "$name" ] || die "boot-libvirt: -w WORK and -n NAME are needed"
  command -v virsh >/dev/null && command -v libvirtd >/dev/null \
    || die "boot-libvirt: no libvirt (apt-get install libvirt-daemon-system libvirt-clients)"
  mkdir -p "$work/share/cmd"
  work=$(cd "$work" && pwd)
  eval "$(prepare)"
  rm -f "$work"/share/cmd/* "$work/share/exec-ready"
  # no systemd here: the daemons by hand, as root (a privileged libvirtd does not start virtlogd)
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  local i=0
  until virsh -c qemu:///system version >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || die "libvirtd does not answer"
    sleep 0.1
  done
  cat > "$work/domain.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>$cpus</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$KERNEL</kernel>
    <initrd>$INITRD</initrd>
    <cmdline>console=ttyS0 panic=-1 loglevel=4 systemd.show_status=1</cmdline>
  </os>
  <cpu mode='maximum'/>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <serial type='file'><source path='$work/console.log'/><target port='0'/></serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <filesystem type='mount' accessmode='passthrough' multidevs='remap'><source dir='$ROOT'/><target dir='root'/><readonly/></filesystem>
    <filesystem type='mount' accessmode='passthrough' multidevs='remap'><source dir='$work/share'/><target dir='work'/></filesystem>
    <controller type='virtio-serial' index='0'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>
</domain>
XML
  virsh -c qemu:///system destroy "$name" >/dev/null 2>&1 || true
  virsh -c qemu:///system create "$work/domain.xml" >&2 || die "virsh create failed"
  trap 'virsh -c qemu:///system destroy "$name" >/dev/null 2>&1; exit 0' TERM INT
  # (not "virsh ... | grep -q": grep leaves early, virsh dies of SIGPIPE, and pipefail ends the loop)
  local state
  while state=$(virsh -c qemu:///system domstate "$name" 2>/dev/null) && [[ $state == running* ]]; do sleep 1; done
}

# ---------------------------------------------------------------------------------------
guest_exec() {
  local work=$1; shift
  local timeout=60
  [ "${1:-}" = -t ] && { timeout=$2; shift 2; }
  [ "${1:-}" = -- ] && shift
  local cmd=$work/share/cmd
  [ -d "$cmd" ] || die "exec: no $cmd (is the guest booted with -w $work?)"
  local n
  n=$(date +%s%N)-$$
  printf '%s\n' "$*" > "$cmd/$n.sh.part"
  mv "$cmd/$n.sh.part" "$cmd/$n.sh"
  local end=$((SECONDS + timeout))
  while [ ! -f "$cmd/$n.rc" ]; do
    [ $SECONDS -lt $end ] || { rm -f "$cmd/$n.sh"; say "exec: no answer within $timeout s"; return 124; }
    sleep 0.1
  done
  cat "$cmd/$n.out"
  local rc
  rc=$(cat "$cmd/$n.rc")
  rm -f "$cmd/$n.out" "$cmd/$n.rc"
  return "$rc"
}

qmp() {
  local work=$1; shift
  python3 - "$work/qmp.sock" "$@" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()  # greeting
def cmd(c):
    f.write(c + "\n"); f.flush()
    while True:
        line = f.readline()
        if not line:
            sys.exit("qmp: connection closed")
        r = json.loads(line)
        if "return" in r or "error" in r:
            return line.strip()
        print(line.strip())  # an event
cmd('{"execute":"qmp_capabilities"}')
rc = 0
for c in sys.argv[2:]:
    r = cmd(c)
    print(r)
    if '"error"' in r:
        rc = 1
sys.exit(rc)
EOF
}

# ---------------------------------------------------------------------------------------
selftest() {
  local work=${1:-$(mktemp -d /tmp/vta-systemd-guest.XXXXXX)}
  mkdir -p "$work"; work=$(cd "$work" && pwd)
  local t0=$SECONDS fail=0 f=$work/fifo
  ok() { echo "ok   $*"; }
  bad() { echo "FAIL $*"; fail=1; }
  g() { guest_exec "$work" -t "${T:-60}" -- "$@"; }
  state() { g "systemctl show -p ActiveState,SubState,StatusText trace-agent" | tr '\n' ' '; }
  wait_state() { # ActiveState SubState seconds
    local end=$((SECONDS + $3)) s
    while :; do
      s=$(state || true)
      case "$s" in *"ActiveState=$1 "*"SubState=$2 "*) echo "$s"; return 0 ;; esac
      [ $SECONDS -lt $end ] || { echo "$s"; return 1; }
      sleep 1
    done
  }
  prepare > /dev/null
  echo "== prepared in $((SECONDS - t0)) s; booting (work dir $work)"
  local tb=$SECONDS
  "$0" boot -w "$work" > "$work/boot.log" 2>&1 &
  local qpid=$!
  trap 'kill $qpid 2>/dev/null || true; wait' EXIT
  while [ ! -f "$work/share/exec-ready" ]; do
    kill -0 $qpid 2>/dev/null || { cat "$work/boot.log"; tail -30 "$work/console.log"; return 1; }
    [ $((SECONDS - tb)) -lt 180 ] || { bad "no vta-exec within 180 s"; tail -30 "$work/console.log"; return 1; }
    sleep 0.2
  done
  echo "== guest userspace up after $((SECONDS - tb)) s (uptime $(cat "$work/share/exec-ready"))"
  local s
  if s=$(wait_state active running 120); then ok "(1,2) started by udev, ready: $s"; else bad "not active/running: $s"; fi
  echo "   READY after $((SECONDS - tb)) s from QEMU start"
  case "$s" in *"StatusText=waiting for the host's start order"*) ok "StatusText" ;; *) bad "StatusText: $s" ;; esac
  echo "   is-enabled: $(g 'systemctl is-enabled trace-agent' || true); the port's device unit: $(g 'systemctl show -p Id,Wants "$(systemd-escape -p --suffix=device "/sys$(udevadm info -q path /dev/virtio-ports/agent-ctl-path)")"' | tr '\n' ' ')"
  echo "   ports: $(g 'ls -l /dev/virtio-ports/ | tail -n +2 | awk "{print \$9 \$10 \$11}"; ls -l /dev/vport*' | tr '\n' ' ')"
  # (3) orders move pages
  g "echo 1 > /sys/kernel/tracing/events/sched/enable" >/dev/null
  cat "$f/trace-path-cpu0.out" > "$work/cpu0.raw" & local c0=$!
  cat "$f/trace-path-cpu1.out" > "$work/cpu1.raw" & local c1=$!
  echo 1 > "$f/agent-ctl-path.in"
  sleep 4
  echo 0 > "$f/agent-ctl-path.in"
  sleep 3
  kill $c0 $c1 2>/dev/null; wait $c0 $c1 2>/dev/null || true
  local b0 b1
  b0=$(stat -c %s "$work/cpu0.raw"); b1=$(stat -c %s "$work/cpu1.raw")
  if [ "$b0" -gt 0 ] && [ "$b1" -gt 0 ] && [ $((b0 % 4096)) = 0 ] && [ $((b1 % 4096)) = 0 ]; then
    ok "(3) host got $b0 + $b1 bytes (whole 4096-byte pages)"
  else bad "(3) host got $b0 + $b1 bytes"; fi
  echo "   state after 0: $(state)"
  # (6) journal
  local j
  j=$(g "journalctl -u trace-agent --no-pager -o cat")
  echo "$j" > "$work/journal.txt"
  if grep -q "ready:" <<<"$j" && grep -q "start order" <<<"$j" && grep -q "stop order" <<<"$j"; then
    ok "(6) journal has ready/start/stop lines"; else bad "(6) journal:"; echo "$j"; fi
  # (4) unplug the control port
  local tu=$SECONDS
  qmp "$work" '{"execute":"device_del","arguments":{"id":"ctlport"}}' > "$work/qmp-del.log" || bad "device_del: $(cat "$work/qmp-del.log")"
  if s=$(wait_state inactive dead 60); then ok "(4) unplug stopped it in $((SECONDS - tu)) s: $s"; else bad "(4) after unplug: $s"; fi
  # re-plug
  tu=$SECONDS
  qmp "$work" '{"execute":"device_add","arguments":{"driver":"virtserialport","bus":"vser0.0","nr":1,"chardev":"ctl","name":"agent-ctl-path","id":"ctlport"}}' \
    > "$work/qmp-add.log" || bad "device_add: $(cat "$work/qmp-add.log")"
  if s=$(wait_state active running 90); then ok "(4b) re-plug started it again in $((SECONDS - tu)) s: $s"; else bad "(4b) after re-plug: $s"; fi
  g "journalctl -u trace-agent --no-pager -o short-monotonic" > "$work/journal-full.txt" || true
  g "systemd-analyze; systemd-analyze blame | head -15; systemctl --failed --no-legend" > "$work/analyze.txt" 2>&1 || true
  echo "systemctl poweroff" > "$work/share/cmd/z-poweroff.sh.part" # no answer will come: do not wait
  mv "$work/share/cmd/z-poweroff.sh.part" "$work/share/cmd/z-poweroff.sh"
  local tp=$SECONDS
  local end=$((SECONDS + 30))
  while kill -0 $qpid 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.5; done
  kill -0 $qpid 2>/dev/null && { qmp "$work" '{"execute":"quit"}' >/dev/null 2>&1 || kill $qpid; }
  wait $qpid 2>/dev/null || true
  echo "   powered off in $((SECONDS - tp)) s"
  trap - EXIT
  echo "== done in $((SECONDS - t0)) s; $( [ $fail = 0 ] && echo PASS || echo FAIL ); logs in $work"
  return $fail
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  boot) shift; boot "$@" ;;
  boot-libvirt) shift; boot_libvirt "$@" ;;
  exec) shift; guest_exec "$@" ;;
  qmp) shift; qmp "$@" ;;
  selftest) shift; selftest "$@" ;;
  *) sed -n '2,37p' "$0" >&2; exit 125 ;;
esac
