#!/bin/bash
# Boots one throw-away test guest with the virtio-trace ports, and runs one command in it or
# takes commands until told to power off.
#
#   run-guest.sh [-c CPUS] [-t SECONDS] [-U] [-S] -w WORKDIR -- COMMAND [ARGS...]
#   run-guest.sh [-c CPUS] [-t SECONDS] [-U] [-S] -w WORKDIR -x
#
# The device options are those virtio-trace setup prints (docs/host.md): a virtio-serial-pci controller, the control port
# agent-ctl-path (nr=1) and trace-path-cpuN (nr=N+2) per vCPU, each a pipe chardev on the
# host FIFOs WORKDIR/fifo/NAME.in and NAME.out (made here). -S adds the same ports again over
# unix socket chardevs (server=on,wait=off: QEMU listens on WORKDIR/sock/NAME, the host
# connects), named sock-agent-ctl-path and sock-trace-path-cpuN in the guest. QMP listens on
# WORKDIR/qmp.sock. The guest sees the host's / read-only at the same paths (so it runs this
# machine's JDK and the jar just built; TMPDIR is a guest tmpfs) and WORKDIR read-write.
# -U: no udev links.
# With COMMAND: it runs in WORKDIR as root; results in WORKDIR: guest.log (its output),
# guest-rc; exit status COMMAND's. With -x: the guest runs each WORKDIR/share/cmd/NAME.sh
# the host drops (NAME.out, NAME.rc; share/exec-ready once it takes them) until
# WORKDIR/share/poweroff exists; exit status 0. Either way 124 on timeout, 125 if the guest
# could not start; console.log and qemu.log are kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cpus=2; timeout=300; udev=1; work=; sock=0; loop=0
usage() { sed -n '2,22p' "$0" >&2; exit 125; }
while getopts "c:t:w:USx" o; do
  case $o in
    c) cpus=$OPTARG ;; t) timeout=$OPTARG ;; w) work=$OPTARG ;; U) udev=0 ;; S) sock=1 ;; x) loop=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ -n "$work" ] || usage
{ [ "$loop" = 1 ] && [ $# -eq 0 ]; } || { [ "$loop" = 0 ] && [ $# -gt 0 ]; } || usage
mkdir -p "$work/fifo"
[ "$sock" = 0 ] || mkdir -p "$work/sock"
work=$(cd "$work" && pwd)
eval "$("$here/prepare-guest.sh")"

rm -f "$work/guest-rc" "$work/guest-cmd.sh" "$work/share/exec-ready" "$work/share/poweroff" "$work/qmp.sock"
[ "$loop" = 1 ] || { echo "# written by run-guest.sh"; printf '%q ' "$@"; echo; } > "$work/guest-cmd.sh"
names=(agent-ctl-path)
for ((i = 0; i < cpus; i++)); do names+=("trace-path-cpu$i"); done
for n in "${names[@]}"; do
  for end in in out; do [ -p "$work/fifo/$n.$end" ] || mkfifo "$work/fifo/$n.$end"; done
done

args=(-name guest=vta-test,debug-threads=on -machine pc -accel tcg -cpu max -smp "$cpus" -m 1024M
      -nodefaults -no-user-config -display none -no-reboot -nic none
      -kernel "$KERNEL" -initrd "$INITRD"
      -serial "file:$work/console.log"
      -qmp "unix:$work/qmp.sock,server=on,wait=off"
      -virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
      -virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap"
      -device virtio-serial-pci,id=vser0)
nr=1
port() { # CHARDEV-OPTIONS GUEST-NAME
  args+=(-chardev "$1,id=p$nr" -device "virtserialport,bus=vser0.0,nr=$nr,chardev=p$nr,name=$2,id=port$nr")
  nr=$((nr + 1))
}
for n in "${names[@]}"; do port "pipe,path=$work/fifo/$n" "$n"; done
if [ "$sock" = 1 ]; then
  for n in "${names[@]}"; do port "socket,path=$work/sock/$n,server=on,wait=off" "sock-$n"; done
fi
args+=(-append "console=ttyS0 quiet panic=-1 vta.ports=$((nr - 1)) vta.work=$work vta.udev=$udev")

timeout --kill-after=5 "$timeout" qemu-system-x86_64 "${args[@]}" > "$work/qemu.log" 2>&1 || qrc=$?
if [ "$loop" = 1 ]; then
  [ -f "$work/share/poweroff" ] && exit 0
  echo "run-guest: the guest ended before it was told to (qemu exit ${qrc:-0}); console:" >&2
  tail -n 20 "$work/console.log" "$work/qemu.log" >&2
  [ "${qrc:-0}" = 124 ] && exit 124 || exit 125
fi
if [ ! -f "$work/guest-rc" ]; then
  echo "run-guest: no result from the guest (qemu exit ${qrc:-0}); console:" >&2
  tail -n 20 "$work/console.log" "$work/qemu.log" >&2
  [ "${qrc:-0}" = 124 ] && exit 124 || exit 125
fi
exit "$(cat "$work/guest-rc")"
