#!/bin/bash
# See the whole path on one machine: boots a QEMU guest with the virtio-trace ports, runs
# the agent built here inside it, plays the host (echo 1 / echo 0 on agent-ctl-path.in,
# cat of every trace-path-cpuN.out) and decodes what arrived with trace-cmd.
#   agent/src/test/qemu/see-it-end-to-end.sh [SECONDS]      (as root; build first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
seconds=${1:-3}
launcher=$root/agent/target/trace-agent
[ -x "$launcher" ] || { echo "no $launcher: build it first with: mvn -B -DskipTests package" >&2; exit 1; }
command -v trace-cmd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends trace-cmd
work=$(mktemp -d /tmp/virtio-trace-e2e.XXXXXX)
printf 'EVENTS="sched irq"\nMETA=1\n' > "$work/guest-env"

echo "== booting a 2-vCPU guest (TCG), the agent starts inside it; work dir $work"
"$here/run-guest.sh" -c 2 -w "$work" -- "$here/guest-agent.sh" "$launcher" > "$work/run-guest.log" 2>&1 &
guest=$!
until [ -e "$work/agent-ready" ]; do
  kill -0 $guest 2>/dev/null || { cat "$work/run-guest.log" "$work/agent.log" 2>/dev/null; exit 1; }
  sleep 0.2
done
sed 's/^/   guest: /' "$work/agent.log"
fifo=$work/fifo
for c in 0 1; do cat "$fifo/trace-path-cpu$c.out" > "$work/cpu$c.raw" & done
echo "== host: echo 1 > agent-ctl-path.in; tracing for $seconds s"
echo 1 > "$fifo/agent-ctl-path.in"
sleep "$seconds"
echo "== host: echo 0 > agent-ctl-path.in"
echo 0 > "$fifo/agent-ctl-path.in"
sleep 2
touch "$work/host-done"
wait $guest || true
wait
sed 's/^/   guest: /' "$work/agent.log" | tail -n +2
ls -l "$work"/cpu*.raw | awk '{print "   host received " $5 " bytes in " $NF}'
echo "== trace-cmd report (first 25 events of $(cd "$work" && trace-cmd restore -c -t meta -k meta/kallsyms -o head.dat >/dev/null 2>&1 && trace-cmd restore -i head.dat -o trace.dat cpu0.raw cpu1.raw >/dev/null 2>&1 && trace-cmd report -i trace.dat 2>/dev/null | grep -c ': ') decoded)"
(cd "$work" && trace-cmd report -i trace.dat 2>/dev/null | grep ': ' | head -25)
