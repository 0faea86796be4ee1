#!/bin/bash
# What clock sync and the heartbeat cost the guest: the agent's CPU (utime+stime from
# /proc/PID/stat) during an idle recording with `virtio-trace record` taking a burst of
# probes every second (the default), against the same recording with --sync-probes 0, and
# against an agent started with --no-heartbeat as well. The agent runs on this machine on a
# private trace instance (its default clock, local: the marker method, the costlier one),
# the FIFO pairs of `virtio-trace setup` standing in for the ports.
#
#   bench/sync-cost.sh [ROUNDS] [SECONDS]      (default 3 rounds of 20 s)
#
# Prints, per mode and round, the agent's ms of CPU per second of recording, and the bound and
# drift record's summary reports. Needs root, tracefs and a build (mvn -DskipTests package).
set -euo pipefail
rounds=${1:-3}
secs=${2:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
agent=$here/agent/target/trace-agent
vt=$here/collector/target/virtio-trace
T=/sys/kernel/tracing
inst=vt-sync-cost-$$
work=$(mktemp -d)
hz=$(getconf CLK_TCK)
cleanup() {
  [ -n "${apid:-}" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null || true
  rmdir "$T/instances/$inst" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$T/instances/$inst"
echo 1 > "$T/instances/$inst/events/sched/sched_switch/enable"
"$vt" setup --cpus "$(nproc)" "$work/vm" > /dev/null
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # MODE AGENT-ARGS... -- RECORD-ARGS...
  local mode=$1; shift
  local aargs=() rargs=()
  while [ "$1" != -- ]; do aargs+=("$1"); shift; done; shift
  rargs=("$@")
  "$agent" --tracefs "$T" --instance "$inst" --port-dir "$work/vm" --no-socket "${aargs[@]}" 2> "$work/agent.log" &
  apid=$!
  until grep -q "ready:" "$work/agent.log"; do sleep 0.1; done
  sleep 1
  local t0; t0=$(ticks "$apid")
  "$vt" record "$work/vm" -o "$work/g.dat" --duration "$secs" --no-progress "${rargs[@]}" 2> "$work/rec.log"
  local t1; t1=$(ticks "$apid")
  kill "$apid"; wait "$apid" 2>/dev/null || true; apid=
  local ms=$(( (t1 - t0) * 1000 / hz ))
  printf '%-22s %6.2f ms CPU per s  %s\n' "$mode" "$(echo "$ms / $secs" | bc -l)" \
    "$(grep -o 'error bound: .*' "$work/rec.log" | head -1)"
}
for r in $(seq "$rounds"); do
  echo "round $r ($secs s each)"
  run "sync + heartbeat" -- 
  run "heartbeat, no sync" -- --sync-probes 0
  run "neither" --no-heartbeat -- --sync-probes 0
done
