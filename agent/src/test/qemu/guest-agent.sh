#!/bin/bash
# Runs inside the test guest, in the shared work directory: starts the agent as an admin
# would, keeps some trace load going, records the kernel's counters around the host's
# session, stops the agent with SIGTERM (timed) and copies the tracefs metadata out.
#   guest-agent.sh LAUNCHER [AGENT ARGS...]     (LAUNCHER: agent/target/trace-agent)
# Optional ./guest-env: EVENTS="sched irq" (event groups), BUFFER_KB=N (per CPU), LOAD=0 (no
# marker loops: an idle guest, for timing the agent's own work),
# META=1 (export the tracefs metadata for trace-cmd: ~10 s under TCG, so only on request),
# AGENT=cstandin (run c-agent-standin.sh, which acts as the kernel's C trace-agent, instead
# of LAUNCHER), EXPORT_META=DIR (run 'LAUNCHER export-meta DIR' before the agent starts, for
# the host's --meta), KILL_AFTER=SECONDS (SIGKILL the agent that long after the host made
# host-started; the guest still waits for host-done), STEP_CLOCK_AFTER=SECONDS (that long after
# the agent's start order, step the guest's wall clock 5 s forward, as settimeofday or an NTP
# step would).
# Host <-> guest: files in the work directory. The guest writes agent-ready, stats-before,
# stats-after, agent-rc, agent-term-ms, agent.log, agent.out, meta/, agent-killed; the host
# writes host-started (for KILL_AFTER) and host-done.
set -u
launcher=$1; shift
here=$(dirname "$(readlink -f "$0")")
T=/sys/kernel/tracing
EVENTS=sched; BUFFER_KB=; META=0; AGENT=; EXPORT_META=; KILL_AFTER=; LOAD=1; STEP_CLOCK_AFTER=
[ -f guest-env ] && . ./guest-env
[ -n "$BUFFER_KB" ] && echo "$BUFFER_KB" > $T/buffer_size_kb
for e in $EVENTS; do echo 1 > "$T/events/$e/enable"; done

stats() { # cpuN "read events" overrun
  for d in $T/per_cpu/cpu*; do
    echo "${d##*/} $(sed -n 's/^read events: //p' "$d/stats") $(sed -n 's/^overrun: //p' "$d/stats")"
  done
}
stats > stats-before
# the guest's /tmp is the host's, read-only: the JVM and jffi unpack native code into TMPDIR
export TRACE_AGENT_JAVA_OPTS="-Djava.io.tmpdir=${TMPDIR:-/tmp}"
if [ -n "$EXPORT_META" ]; then
  "$launcher" export-meta "$EXPORT_META" > export-meta.log 2>&1 || { echo "export-meta failed:"; cat export-meta.log; exit 3; }
fi
# the launcher, as users run it: its JVM flags and the AppCDS archive (the guest runs this
# machine's JDK over 9p, so the archive the build made fits)
if [ "$AGENT" = cstandin ]; then
  "$here/c-agent-standin.sh" > agent.out 2> agent.log &
else
  "$launcher" "$@" > agent.out 2> agent.log &
fi
pid=$!
until grep -q "ready:" agent.log; do
  kill -0 $pid 2>/dev/null || { echo "agent exited before ready:"; cat agent.log; exit 3; }
  sleep 0.05
done
touch agent-ready
if [ -n "$KILL_AFTER" ]; then
  (until [ -e host-started ] || [ -e host-done ]; do sleep 0.05; done
   [ -e host-done ] || { sleep "$KILL_AFTER"; kill -KILL $pid && cut -d' ' -f1 /proc/uptime > agent-killed; }) &
fi
if [ -n "$STEP_CLOCK_AFTER" ]; then
  (until grep -q "start order" agent.log || [ -e host-done ]; do sleep 0.05; done
   [ -e host-done ] || { sleep "$STEP_CLOCK_AFTER"; date -s "@$(( $(date +%s) + 5 ))" > clock-stepped 2>&1; }) &
fi

# a steady load on every vCPU: trace markers, until the host is done
load=()
[ "$LOAD" = 1 ] && for ((c = 0; c < $(nproc); c++)); do
  taskset -c $c bash -c 'i=0; until [ -e host-done ]; do echo "vta-e2e $i" > '$T'/trace_marker; i=$((i+1)); done' &
  load+=($!)
done
until [ -e host-done ]; do
  kill -0 $pid 2>/dev/null || [ -n "$KILL_AFTER" ] || break
  sleep 0.05
done
[ ${#load[@]} -eq 0 ] || wait "${load[@]}" 2>/dev/null  # a bare wait would wait for the agent too
stats > stats-after
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
echo $? > agent-rc
echo $(( ($(date +%s%N) - t0) / 1000000 )) > agent-term-ms
[ "$META" = 1 ] && "$here/export-tracefs-meta.sh" meta ftrace $EVENTS
exit 0
