#!/bin/bash
# Boots one throw-away guest with the virtio-trace ports and runs one command in it.
#
#   run-guest.sh [-c CPUS] [-t SECONDS] [-U] [-S] -w WORKDIR -- COMMAND [ARGS...]
#
# The device options are the README's: a virtio-serial-pci controller, the control port
# agent-ctl-path (nr=1) and trace-path-cpuN (nr=N+2) per vCPU, each a pipe chardev on the
# host FIFOs WORKDIR/fifo/NAME.in and NAME.out (made here), or with -S a unix socket
# chardev (server=on,wait=off: QEMU listens on WORKDIR/sock/NAME, the host connects). The
# guest sees the host's / read-only at the same paths (so it runs this machine's JDK and the
# jar just built; TMPDIR is a guest tmpfs) and WORKDIR read-write; COMMAND runs there as
# root. -U: no udev links.
# Results in WORKDIR: guest.log (COMMAND's output), guest-rc, console.log.
# Exit status: COMMAND's, 124 on timeout, 125 if the guest could not start.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cpus=2; timeout=300; udev=1; work=; sock=0
while getopts "c:t:w:US" o; do
  case $o in
    c) cpus=$OPTARG ;; t) timeout=$OPTARG ;; w) work=$OPTARG ;; U) udev=0 ;; S) sock=1 ;;
    *) sed -n '2,14p' "$0" >&2; exit 125 ;;
  esac
done
shift $((OPTIND - 1))
[ -n "$work" ] && [ $# -gt 0 ] || { sed -n '2,14p' "$0" >&2; exit 125; }
dev=fifo; [ "$sock" = 0 ] || dev=sock
mkdir -p "$work/$dev"
work=$(cd "$work" && pwd)
eval "$("$here/prepare-guest.sh")"

{ echo "# written by run-guest.sh"; printf '%q ' "$@"; echo; } > "$work/guest-cmd.sh"
rm -f "$work/guest-rc"
names=(agent-ctl-path)
for ((i = 0; i < cpus; i++)); do names+=("trace-path-cpu$i"); done
for n in "${names[@]}"; do
  for end in in out; do [ "$sock" = 1 ] || [ -p "$work/fifo/$n.$end" ] || mkfifo "$work/fifo/$n.$end"; done
done
chardev() { # ID NAME
  if [ "$sock" = 1 ]; then echo "socket,id=$1,path=$work/sock/$2,server=on,wait=off"
  else echo "pipe,id=$1,path=$work/fifo/$2"; fi
}

args=(-machine pc -accel tcg -cpu max -smp "$cpus" -m 1024M
      -nodefaults -no-user-config -display none -no-reboot
      -kernel "$KERNEL" -initrd "$INITRD"
      -append "console=ttyS0 quiet panic=-1 vta.ports=${#names[@]} vta.work=$work vta.udev=$udev"
      -serial "file:$work/console.log"
      -virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
      -virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap"
      -device virtio-serial-pci,id=vser0
      -chardev "$(chardev ctl agent-ctl-path)"
      -device virtserialport,bus=vser0.0,nr=1,chardev=ctl,name=agent-ctl-path)
for ((i = 0; i < cpus; i++)); do
  args+=(-chardev "$(chardev trace$i trace-path-cpu$i)"
         -device "virtserialport,bus=vser0.0,nr=$((i + 2)),chardev=trace$i,name=trace-path-cpu$i")
done

timeout --kill-after=5 "$timeout" qemu-system-x86_64 "${args[@]}" > "$work/qemu.log" 2>&1 || qrc=$?
if [ ! -f "$work/guest-rc" ]; then
  echo "run-guest: no result from the guest (qemu exit ${qrc:-0}); console:" >&2
  tail -n 20 "$work/console.log" "$work/qemu.log" >&2
  [ "${qrc:-0}" = 124 ] && exit 124 || exit 125
fi
exit "$(cat "$work/guest-rc")"
