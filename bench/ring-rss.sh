#!/bin/bash
# RSS of the agent over a long heavy run with --sink memory, once the rings are full.
# The rings are allocated at start and never grow, so RSS must stay flat (within 5 %).
#
#   bench/ring-rss.sh [SECONDS] [RING_SIZE]       (default 60 s of samples, 1M rings)
#
# Needs root, tracefs, ../shared/bench/agent-bench and a built agent (mvn -DskipTests package).
set -euo pipefail
secs=${1:-60}
ring=${2:-1M}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${AGENT_BENCH:-$here/../shared/bench/agent-bench}
sock=$(mktemp -d)/agent.sock
log=$(mktemp)
"$bench" --mode heavy --runs 1 --duration $((secs + 15)) -- \
  "$here/agent/target/trace-agent" --port-dir {port_dir} --tracefs {tracing} --sink memory \
  --ring-size "$ring" --socket "$sock" >"$log" 2>&1 &
bench_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.2; done
pid=$(pgrep -f -- "java.*--socket $sock" | head -1)
sleep 10 # start order, warm-up, rings fill
"$here/agent/target/trace-agent" status --socket "$sock" | sed 's/^/# /'
samples=()
for _ in $(seq "$secs"); do
  samples+=("$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")")
  sleep 1
done
"$here/agent/target/trace-agent" status --socket "$sock" | sed 's/^/# /'
wait "$bench_pid" || true
grep -E '^SUMMARY' "$log" | tr ' ' '\n' | grep -E '^(lost_max|MBps_med|events_per_s_med|rss_peak_kb_max)=' | tr '\n' ' '
echo
printf '%s\n' "${samples[@]}" | sort -n | awk -v n="$secs" '
  NR == 1 {min = $1} {max = $1}
  END {
    spread = (max - min) * 100 / min
    printf "RSS over %d s after the rings filled: min %d KiB, max %d KiB, spread %.1f %%: %s\n",
      n, min, max, spread, spread <= 5 ? "flat" : "NOT FLAT"
    exit spread <= 5 ? 0 : 1
  }'
