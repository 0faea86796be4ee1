#!/bin/bash
# See the whole path on one machine: boots a QEMU guest with the virtio-trace ports, runs
# the agent built here inside it, plays the host (echo 1 / echo 0 on agent-ctl-path.in,
# cat of every trace-path-cpuN.out) and decodes what arrived with trace-cmd.
#   testkit/src/main/qemu/see-it-end-to-end.sh [SECONDS]      (as root; build first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
seconds=${1:-3}
launcher=$root/agent/target/trace-agent
[ -x "$launcher" ] || { echo "no $launcher: build it first with: mvn -B -DskipTests package" >&2; exit 1; }
command -v trace-cmd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends trace-cmd
work=$(mktemp -d /tmp/virtio-trace-e2e.XXXXXX)
session=$work/session
mkdir -p "$session"
printf 'EVENTS="sched irq"\nMETA=1\n' > "$session/guest-env"

guest() { # runs a command in the guest (its command loop), prints its output, returns its status
  local n; n=$(date +%s%N)
  printf '%s\n' "$*" > "$work/share/cmd/$n.sh.part" && mv "$work/share/cmd/$n.sh.part" "$work/share/cmd/$n.sh"
  until [ -f "$work/share/cmd/$n.rc" ]; do kill -0 "$vm" 2>/dev/null || { tail "$work/console.log"; exit 1; }; sleep 0.1; done
  cat "$work/share/cmd/$n.out"; return "$(cat "$work/share/cmd/$n.rc")"
}

echo "== booting a 2-vCPU guest (TCG), the agent starts inside it; work dir $work"
"$here/run-guest.sh" -x -c 2 -w "$work" > "$work/run-guest.log" 2>&1 &
vm=$!
until [ -e "$work/share/exec-ready" ]; do
  kill -0 $vm 2>/dev/null || { cat "$work/run-guest.log"; exit 1; }
  sleep 0.2
done
guest "$here/guest-agent.sh" start "$session" "$launcher"
sed 's/^/   guest: /' "$session/agent.log"
fifo=$work/fifo
for c in 0 1; do cat "$fifo/trace-path-cpu$c.out" > "$session/cpu$c.raw" & done
echo "== host: echo 1 > agent-ctl-path.in; tracing for $seconds s"
echo 1 > "$fifo/agent-ctl-path.in"
sleep "$seconds"
echo "== host: echo 0 > agent-ctl-path.in"
echo 0 > "$fifo/agent-ctl-path.in"
sleep 2
guest "$here/guest-agent.sh" stop "$session"
touch "$work/share/poweroff"
wait $vm || true
kill %2 %3 2>/dev/null || true
sed 's/^/   guest: /' "$session/agent.log" | tail -n +2
ls -l "$session"/cpu*.raw | awk '{print "   host received " $5 " bytes in " $NF}'
cd "$session"
trace-cmd restore -c -t meta -k meta/kallsyms -o head.dat >/dev/null 2>&1
trace-cmd restore -i head.dat -o trace.dat cpu0.raw cpu1.raw >/dev/null 2>&1
echo "== trace-cmd report (first 25 events of $(trace-cmd report -i trace.dat 2>/dev/null | grep -c ': ') decoded)"
trace-cmd report -i trace.dat 2>/dev/null | grep ': ' | head -25
