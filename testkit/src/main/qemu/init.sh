#!/bin/busybox sh
# /init of the test guest. Kernel command line:
#   vta.ports=N   wait for N named virtio-serial ports
#   vta.work=DIR  host directory shared read-write (9p tag "work"), mounted at the same
#                 path; commands run there, chrooted into the host's / (9p, read-only)
#   vta.udev=0    do not make the /dev/virtio-ports/NAME links udev would make, so the
#                 agent must find its ports through /sys/class/virtio-ports
# What runs: DIR/guest-cmd.sh once, if the host wrote one (then the guest powers off); else
# the command loop: each DIR/share/cmd/NAME.sh the host drops runs in turn (bash, as root),
# NAME.out gets its output and NAME.rc its status, as the systemd test guest's vta-exec does;
# DIR/share/poweroff ends the loop and the guest.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
log() { echo "vta-init[$(cut -d' ' -f1 /proc/uptime)]: $*" > /dev/console; }

ports=0; work=; udev=1
for a in $(cat /proc/cmdline); do
  case "$a" in
    vta.ports=*) ports=${a#vta.ports=} ;;
    vta.work=*) work=${a#vta.work=} ;;
    vta.udev=0) udev=0 ;;
  esac
done
for m in virtio_pci virtio_console 9pnet_virtio 9p; do modprobe "$m" || log "modprobe $m failed"; done
mount -t tracefs nodev /sys/kernel/tracing || log "no tracefs"

# The host names ports asynchronously (PORT_ADD, then PORT_NAME): wait until all are named.
i=0
while [ "$(cat /sys/class/virtio-ports/vport*/name 2>/dev/null | grep -c .)" -lt "$ports" ] && [ $i -lt 200 ]; do
  sleep 0.05; i=$((i + 1))
done
if [ "$udev" = 1 ]; then
  mkdir -p /dev/virtio-ports
  for d in /sys/class/virtio-ports/vport*; do
    [ -s "$d/name" ] && ln -sf "../${d##*/}" "/dev/virtio-ports/$(cat "$d/name")"
  done
fi

o9=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$o9,ro,cache=loose" host /host || log "cannot mount the host's /"
# The host's /tmp stays visible (read-only, like the rest): a checkout under /tmp must be
# reachable from the guest. Scratch space is /run/tmp (TMPDIR), a tmpfs.
mount -t tmpfs tmpfs /host/run
mkdir -p /host/run/tmp
for d in proc sys dev; do mount -o rbind /$d /host/$d; done
mount -t 9p -o "$o9,cache=none" work "/host$work" || log "cannot mount the work directory"
cut -d' ' -f1 /proc/uptime > "/host$work/guest-uptime-at-start"
in_host() { # runs bash -c SCRIPT in the host's tree, in the work directory
  chroot /host /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TMPDIR=/run/tmp WORK="$work" /bin/bash -c "cd \"\$WORK\" && $1"
}
if [ -f "/host$work/guest-cmd.sh" ]; then
  in_host 'exec /bin/bash ./guest-cmd.sh' > "/host$work/guest.log" 2>&1 < /dev/null
  echo $? > "/host$work/guest-rc"
else
  mkdir -p "/host$work/share/cmd"
  # one bash for the whole loop; it sleeps by reading a FIFO nobody writes (no fork a look)
  in_host 'cd share/cmd && mkfifo /run/tmp/idle && exec 9<> /run/tmp/idle &&
    cut -d" " -f1 /proc/uptime > ../exec-ready.part && mv ../exec-ready.part ../exec-ready &&
    until [ -e ../poweroff ]; do
      for f in *.sh; do
        [ -e "$f" ] || break
        n=${f%.sh}
        (cd "$WORK" && bash "share/cmd/$f") > "$n.out.part" 2>&1 < /dev/null
        rc=$?
        mv "$n.out.part" "$n.out"
        echo $rc > "$n.rc.part" && mv "$n.rc.part" "$n.rc"
        rm -f "$f"
      done
      read -r -t 0.05 -u 9 _ || true
    done' > "/host$work/exec-loop.log" 2>&1 < /dev/null
fi
sync
poweroff -f
