#!/bin/bash
# Host CPU per MB of `virtio-trace record` against `cat` reading the same FIFOs, under the
# heavy load of the shared yardstick (every kernel event, ~39 MB/s on 2 CPUs), with
# the agent on this machine playing the guest on the FIFO pairs `virtio-trace setup` makes.
#
#   bench/collector-bench.sh [ROUNDS] [SECONDS]     (RECORD_ARGS / AGENT_ARGS: more arguments for each)
#   bench/collector-bench.sh [ROUNDS] [SECONDS]     (default 3 rounds of 10 s: cat, record, session;
#                                                     MODES="record session" picks and orders them)
#
# "session" is record with --session LOG: its CPU per MB against record's is the cost of the
# session log, and the log's size against the data it holds (the pages' MB) is printed with it.
# "zstd" is record --compress zstd (trace.dat v7, the pages compressed as they come).
# COMPARE=1 with "session": also replays the log into a v7 zstd file, has trace-cmd convert the
# v6 file into its own v7 zstd, prints the three sizes and whether trace-cmd report prints the
# same for v6 and v7 (use a few seconds: report of a big file takes long).
#
# For each reader it prints MB received, its CPU (utime+stime from /proc/PID/stat) between the
# agent's start and stop orders (the steady state: JVM start, the metadata fetch and the
# trace.dat write are reported apart), ms of CPU per MB, for record also its CPU from the start
# order to its exit ("with the file": the tail, the final update and writing the trace.dat, where
# --compress spends most of its CPU), and the events the kernel overwrote
# (per_cpu stats "overrun" between the orders: lost before anyone could read them). Needs root, tracefs, perl, awk and
# a build (mvn -DskipTests package). Leaves nothing behind: a private trace instance, FIFOs in
# a temporary directory.
set -euo pipefail
pairs=${1:-3}
secs=${2:-10}
# getppid() calls per CPU per 10 ms: 1400 gives ~39 MB/s on 2 CPUs here, the heavy rate of
# ../shared/bench/agent-bench (every event, ~990k events/s)
ops=${OPS:-1400}
here=$(cd "$(dirname "$0")/.." && pwd)
agent=$here/agent/target/trace-agent
vt=$here/collector/target/virtio-trace
T=/sys/kernel/tracing
inst=$T/instances/vt-collector-bench-$$
work=$(mktemp -d)
ncpu=$(nproc)
gens=()
cleanup() {
  for p in "${gens[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f -- "--port-dir $work/vm" 2>/dev/null || true
  sleep 0.3
  [ -d "$inst" ] && { echo 0 > "$inst/tracing_on"; echo 0 > "$inst/events/enable"; rmdir "$inst" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$inst"
"$vt" setup --cpus "$ncpu" "$work/vm" >/dev/null 2>&1
# the load: per CPU, a pinned perl making OPS getppid() per 10 ms; every event, for them only
for ((c = 0; c < ncpu; c++)); do
  taskset -c "$c" perl -e 'while (1) { getppid() for 1..'"$ops"'; select(undef, undef, undef, 0.01) }' &
  gens+=($!)
done
echo "${gens[*]}" | tr ' ' '\n' > "$inst/set_event_pid"
echo 1 > "$inst/events/enable"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
overrun() { cat "$inst"/per_cpu/cpu*/stats | awk '/^overrun/ {s += $2} END {print s}'; }
hz=$(getconf CLK_TCK)

# run_one cat|record: the agent on fresh FIFOs, the reader, 1 ... SECONDS ... 0
run_one() {
  local mode=$1 log=$work/agent.log out=$work/out
  rm -rf "$out"; mkdir -p "$out"
  # the kernel's buffer starts empty and fills only once the reader is there
  echo 0 > "$inst/tracing_on"; echo > "$inst/trace"
  "$agent" --port-dir "$work/vm" --instance "${inst##*/}" --no-socket -v ${AGENT_ARGS:-} > "$log" 2>&1 &
  local apid=$!
  until grep -q "ready:" "$log"; do sleep 0.05; done
  local o0; o0=$(overrun)
  local rpid t0 t1 mb o1 after=
  if [ "$mode" = cat ]; then
    for ((c = 0; c < ncpu; c++)); do cat "$work/vm/trace-path-cpu$c.out" > "$out/cpu$c.raw" & done
    sleep 0.5
    local cats; cats=$(pgrep -f "^cat $work/vm/" | tr '\n' ' ')
    echo 1 > "$inst/tracing_on"
    echo 1 > "$work/vm/agent-ctl-path.in"
    until grep -q "start order" "$log"; do sleep 0.01; done
    t0=0; for p in $cats; do t0=$((t0 + $(cpu_ticks "$p"))); done
    sleep "$secs"
    t1=0; for p in $cats; do t1=$((t1 + $(cpu_ticks "$p"))); done
    o1=$(overrun)
    echo 0 > "$work/vm/agent-ctl-path.in"
    sleep 1
    kill $cats 2>/dev/null || true
    mb=$(du -cb "$out"/cpu*.raw | awk 'END {printf "%.1f", $1 / 1e6}')
  else
    local extra=(${RECORD_ARGS:-})
    [ "$mode" = session ] && extra+=(--session "$out/s.vtlog")
    [ "$mode" = zstd ] && extra+=(--compress zstd)
    # under time(1), for the CPU it spends after the stop order too (the tail, the update, the file)
    /usr/bin/time -o "$out/time" -f "%U %S" "$vt" record "$work/vm" -o "$out/t.dat" --duration "$secs" \
      --no-progress "${extra[@]}" 2> "$out/rec.log" &
    local tpid=$!
    until rpid=$(pgrep -P "$tpid"); do sleep 0.01; done
    until grep -q "answered ?meta" "$log"; do sleep 0.01; done
    echo 1 > "$inst/tracing_on"
    until grep -q "start order" "$log"; do sleep 0.01; done
    t0=$(cpu_ticks "$rpid")
    until grep -q "stop order" "$log"; do sleep 0.01; done
    t1=$(cpu_ticks "$rpid")
    o1=$(overrun)
    wait "$tpid" || true
    # whole-process CPU less what it had used by the start order: the recording and the file
    after=$(awk -v t0="$t0" -v hz="$hz" 'END {printf "%d", ($1 + $2) * 1000 - t0 * 1000 / hz}' "$out/time")
    mb=$(sed -n 's/.*CPUs, [0-9]* pages (\([0-9.]*\) MB).*/\1/p' "$out/rec.log")
    echo "#   $(grep -o 'metadata in [0-9]* ms' "$out/rec.log"), $(grep -o 'wrote .* in [0-9]* ms' "$out/rec.log" | sed 's/.*(\(.*\)) in/\1 written in/')"
    if [ "$mode" = session ]; then
      local data logsz
      logsz=$(stat -c %s "$out/s.vtlog")
      # the pages it holds: every vt_data chunk, summed from the records' own lengths
      data=$(sed -n 's/.*CPUs, \([0-9]*\) pages.*/\1/p' "$out/rec.log")
      awk -v l="$logsz" -v p="$data" 'BEGIN {printf "#   session log %.1f MB for %.1f MB of pages: %.3fx\n", l / 1e6, p * 4096 / 1e6, l / (p * 4096)}'
    fi
    if [ "$mode" = session ] && [ -n "${COMPARE:-}" ]; then
      # the same pages three ways: our v6, our v7 zstd (replayed from the log), trace-cmd's own
      # conversion of our v6; and whether trace-cmd report prints the same for v6 and v7
      local w0 w1 v6 v7 tc same
      w0=$(date +%s%N)
      "$vt" replay "$out/s.vtlog" --to-dat "$out/z.dat" --compress zstd > /dev/null 2>&1
      w1=$(date +%s%N)
      trace-cmd convert -i "$out/t.dat" -o "$out/theirs.dat" --file-version 7 --compression zstd > /dev/null 2>&1
      v6=$(stat -c %s "$out/t.dat"); v7=$(stat -c %s "$out/z.dat"); tc=$(stat -c %s "$out/theirs.dat")
      same=DIFFERENT
      [ "$(trace-cmd report -i "$out/t.dat" 2> /dev/null | md5sum)" = "$(trace-cmd report -i "$out/z.dat" 2> /dev/null | md5sum)" ] && same=identical
      awk -v a="$v6" -v b="$v7" -v c="$tc" -v s="$same" -v ms=$(( (w1 - w0) / 1000000 )) 'BEGIN {printf "#   v6 %.1f MB, v7 zstd %.2f MB (%.3fx v6), trace-cmd convert --compression zstd %.2f MB: ours %.3fx theirs; trace-cmd report v6 vs v7: %s; replay --to-dat --compress zstd took %d ms\n", a / 1e6, b / 1e6, b / a, c / 1e6, b / c, s, ms}'
    fi
  fi
  echo 0 > "$inst/tracing_on"
  kill -TERM "$apid"; wait "$apid" || true
  local ms=$(( (t1 - t0) * 1000 / hz ))
  awk -v m="$mode" -v mb="$mb" -v ms="$ms" -v o=$((o1 - o0)) -v all="${after:-}" \
    'BEGIN {printf "%-8s %8s MB %6d ms CPU %8.3f ms/MB  overrun %d", m, mb, ms, (mb > 0 ? ms / mb : 0), o;
            if (all != "") printf "   with the file: %d ms CPU %8.3f ms/MB", all, all / mb; printf "\n"}'
}

echo "# collector-bench: $pairs rounds x $secs s, $ncpu CPUs, every event for $ops getppid() per 10 ms per CPU"
for ((i = 0; i < pairs; i++)); do
  for m in ${MODES:-cat record session}; do run_one "$m"; done
done
