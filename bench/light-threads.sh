#!/bin/bash
# Where a light load's CPU goes inside the agent: each thread's CPU (schedstat) and voluntary
# wake-ups over a 10 s window, AFTER seconds after the start order.
#
#   bench/light-threads.sh [AFTER]            (default 2: the window the yardstick measures)
#   AGENT=/other/tree/agent/target/trace-agent bench/light-threads.sh 40
#   TRACE_AGENT_JAVA_OPTS=-XX:+PrintCompilation bench/light-threads.sh   (the agent's log is
#                                             kept in $LOG, default /tmp/light-threads.log)
#
# The load: a pinned perl loop per CPU making 200 getppid() calls every 10 ms, its syscall
# events traced in a private instance (~20k events/s a CPU, close to the yardstick's light
# mode); the ports are FIFO pairs made by `virtio-trace setup`, drained by cat.
# Needs root, tracefs, perl and a built tree (mvn -DskipTests package).
set -euo pipefail
after=${1:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
agent=${AGENT:-$here/agent/target/trace-agent}
log=${LOG:-/tmp/light-threads.log}
inst=vt-light-$$
dir=/sys/kernel/tracing/instances/$inst
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo 0 > "$dir/events/enable" 2>/dev/null || true
  rmdir "$dir" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$dir"
"$here/collector/target/virtio-trace" setup --cpus 2 "$work/vm" >/dev/null 2>&1
for c in 0 1; do
  taskset -c $c perl -e 'while (1) { getppid() for 1..200; select(undef, undef, undef, 0.01) }' &
  pids+=($!)
  echo $! >> "$dir/set_event_pid"
done
echo 1 > "$dir/events/syscalls/enable"
"$agent" --port-dir "$work/vm" --instance "$inst" --no-socket >"$log" 2>&1 &
apid=$!
pids+=($apid)
until grep -q "ready:" "$log"; do sleep 0.05; done
for c in 0 1; do cat "$work/vm/trace-path-cpu$c.out" >/dev/null & pids+=($!); done
cat "$work/vm/agent-ctl-path.out" >/dev/null & pids+=($!)
sleep 1
echo 1 > "$work/vm/agent-ctl-path.in"
sleep "$after"
snap() {
  for t in /proc/$apid/task/*; do
    echo "$(basename "$t") $(tr ' ' '_' < "$t/comm") $(awk '/^voluntary/ {print $2}' "$t/status") \
      $(awk '{print $1}' "$t/schedstat")"
  done | sort
}
snap > "$work/a"; sleep 10; snap > "$work/b"
join "$work/a" "$work/b" | awk '{ dv = $6 - $3; dc = $7 - $4; total += dc
  if (dv > 0 || dc > 0) printf "%-18s wake-ups %5d  cpu %7.2f ms\n", $2, dv, dc / 1e6 }
  END { printf "agent: %.2f ms of CPU in 10 s (%.3f %% of one CPU)\n", total / 1e6, total / 1e6 / 100 }'
