#!/bin/bash
# Several guests recorded by one `virtio-trace record` against one process per guest, on this
# machine: N agents play N guests, each on a private trace instance with FIFO ports of its own
# (`virtio-trace setup`), each under the same light load (markers written on every CPU).
#
#   bench/many-guests.sh [GUESTS] [SECONDS]        (default 8 guests, 10 s; MODES="one separate")
#   RATE=2000 SIZE=100 bench/many-guests.sh 8 10    (markers a second per guest CPU, bytes each)
#   CURVE="1 2 4 8 16 32" MODES=one bench/many-guests.sh - 10    (one line per guest count)
#
# For each mode it prints the record process(es)' peak RSS (the sum of VmHWM over the processes
# for "separate"), their CPU (utime+stime), the MB recorded, the events the guests' kernels
# overwrote (the recordings' own "events lost in the guest" summed) and every guest's exit status.
# KEEP=DIR keeps the record processes' stdout and stderr there. Needs root, tracefs, python3 and a
# build (mvn -DskipTests package). Leaves nothing behind.
set -euo pipefail
n=${1:-8}
secs=${2:-10}
rate=${RATE:-2000}
size=${SIZE:-100}
modes=${MODES:-one separate}
here=$(cd "$(dirname "$0")/.." && pwd)
agent=$here/agent/target/trace-agent
vt=$here/collector/target/virtio-trace
T=/sys/kernel/tracing
work=$(mktemp -d)
ncpu=$(nproc)
pids=()
insts=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for i in "${insts[@]}"; do rmdir "$i" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Marker writers, one thread per guest CPU pinned to it, RATE markers a second each, SIZE bytes.
load() {
  python3 - "$1" "$rate" "$size" "$ncpu" <<'EOF' &
import os, sys, threading, time
inst, rate, size, ncpu = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def run(cpu):
    os.sched_setaffinity(0, {cpu})
    fd = os.open(inst + "/trace_marker", os.O_WRONLY)
    text = b"vt-many " + b"x" * max(0, size - 8)
    tick, per, acc, nxt = 0.01, rate * 0.01, 0.0, time.monotonic()
    while True:
        acc += per
        k = int(acc)
        acc -= k
        for _ in range(k):
            try:
                os.write(fd, text)
            except OSError:
                pass
        nxt += tick
        d = nxt - time.monotonic()
        time.sleep(d) if d > 0 else None
for c in range(ncpu):
    threading.Thread(target=run, args=(c,), daemon=True).start()
threading.Event().wait()
EOF
  pids+=($!)
}

# CPU seconds and peak RSS (KiB) of a finished process, from the wait4 rusage /usr/bin/time reports
timed() {
  local out=$1; shift
  /usr/bin/time -f "%M %U %S" -o "$out.time" "$@" >"$out.out" 2>"$out.err" || echo $? >"$out.rc"
}

run_n() {
  local g=$1 mode=$2 dirs=() names=()
  for i in $(seq 1 "$g"); do
    local d=$work/g$g/vm$i
    mkdir -p "$work/g$g"
    local inst=$T/instances/vt-many-$$-$g-$i
    mkdir "$inst"; insts+=("$inst")
    echo 1024 >"$inst/buffer_size_kb"
    "$vt" setup --cpus "$ncpu" "$d" >/dev/null 2>&1
    "$agent" --port-dir "$d" --instance "$(basename "$inst")" --no-socket >"$d.agent.log" 2>&1 &
    pids+=($!)
    dirs+=("$d"); names+=(vm$i)
  done
  for d in "${dirs[@]}"; do
    until grep -q "ready:" "$d.agent.log" 2>/dev/null; do sleep 0.1; done
  done
  for i in $(seq 1 "$g"); do load "$T/instances/vt-many-$$-$g-$i"; done
  local rss=0 cpu=0 mb=0 lost=0 rcs=""
  if [ "$mode" = one ]; then
    timed "$work/g$g/one" "$vt" record "${dirs[@]}" -o "$work/g$g/out" --duration "$secs" --no-progress
    read -r m u s <"$work/g$g/one.time"
    rss=$m; cpu=$(echo "$u + $s" | bc)
    rcs=$(cat "$work/g$g/one.rc" 2>/dev/null || echo 0)
    errs=$work/g$g/one.err
  else
    local ps=()
    for i in $(seq 1 "$g"); do
      timed "$work/g$g/sep$i" "$vt" record "${dirs[$((i - 1))]}" -o "$work/g$g/sep$i.dat" --duration "$secs" \
        --no-progress &
      ps+=($!)
    done
    for p in "${ps[@]}"; do wait "$p" || true; done
    for i in $(seq 1 "$g"); do
      read -r m u s <"$work/g$g/sep$i.time"
      rss=$((rss + m)); cpu=$(echo "$cpu + $u + $s" | bc)
      rcs="$rcs$(cat "$work/g$g/sep$i.rc" 2>/dev/null || echo 0) "
    done
    cat "$work"/g$g/sep*.err >"$work/g$g/sep.err"
    errs=$work/g$g/sep.err
  fi
  mb=$(grep -o "pages ([0-9.]* MB)" "$errs" | grep -o "[0-9.]*" | paste -sd+ | bc)
  lost=$(grep -o "[0-9]* events lost in the guest" "$errs" | grep -o "^[0-9]*" | paste -sd+ | bc)
  [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$work/g$g"/*.out "$work/g$g"/*.err "$KEEP"/ 2>/dev/null
  printf "%-9s guests %3d: peak RSS %7.1f MiB  CPU %6.2f s  recorded %8.1f MB  lost %s  exit %s\n" "$mode" "$g" \
    "$(echo "$rss / 1024" | bc -l)" "$cpu" "${mb:-0}" "${lost:-?}" "$rcs"
  # this round's agents and loads go; the next round starts clean
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  for i in "${insts[@]}"; do rmdir "$i" 2>/dev/null || true; done
  insts=()
}

counts=${CURVE:-$n}
for g in $counts; do
  for m in $modes; do
    run_n "$g" "$m"
  done
done
