#!/bin/bash
# Runs inside the test guest (run-guest.sh -x): one session of the agent, as an admin would
# run it, with some trace load, the kernel's counters taken around it.
#
#   guest-agent.sh start SESSION LAUNCHER [AGENT ARGS...]   returns once the agent is ready
#   guest-agent.sh stop SESSION                             SIGTERM (timed), then tidy up
#
# SESSION is a directory on the shared work directory (made here). Optional SESSION/guest-env:
# EVENTS="sched irq" (event groups, or system/event), BUFFER_KB=N (per CPU), LOAD=0 (no marker
# loops: an idle guest), META=1 (at stop, export the tracefs metadata for trace-cmd into
# SESSION/meta: ~10 s under TCG), AGENT=cstandin (run c-agent-standin.sh, the kernel's C
# trace-agent as a host sees it, instead of LAUNCHER), EXPORT_META=DIR (run 'LAUNCHER export-meta
# DIR' first, for the host's --meta), KILL_AFTER=SECONDS (SIGKILL the agent that long after the
# host made SESSION/host-started), STEP_CLOCK_AFTER=SECONDS (that long after the start order,
# step the guest's wall clock 5 s forward, as settimeofday or an NTP step would), NO_UDEV=1
# (hide the /dev/virtio-ports links while the agent starts: it must find the ports in sysfs).
# In SESSION: agent.log, agent.out, stats-before, stats-after (cpuN "read events" overrun),
# agent-ready, agent-rc, agent-term-ms, pace-ms, agent-killed, clock-stepped, meta/. At stop the guest's
# tracefs is put back as it was: events off, buffer size, buffer emptied.
set -u
T=/sys/kernel/tracing
here=$(dirname "$(readlink -f "$0")")
what=$1; session=$2; shift 2
mkdir -p "$session"
cd "$session" || exit 3
EVENTS=sched; BUFFER_KB=; META=0; AGENT=; EXPORT_META=; KILL_AFTER=; LOAD=1; STEP_CLOCK_AFTER=; NO_UDEV=0
[ -f guest-env ] && . ./guest-env

stats() { # cpuN "read events" overrun
  for d in $T/per_cpu/cpu*; do
    echo "${d##*/} $(sed -n 's/^read events: //p' "$d/stats") $(sed -n 's/^overrun: //p' "$d/stats")"
  done
}

start() {
  local launcher=$1; shift
  cat $T/buffer_size_kb > buffer-kb-before
  [ -n "$BUFFER_KB" ] && echo "$BUFFER_KB" > $T/buffer_size_kb
  for e in $EVENTS; do echo 1 > "$T/events/$e/enable"; done
  # the guest's /tmp is the host's, read-only: the JVM and jffi unpack native code into TMPDIR
  export TRACE_AGENT_JAVA_OPTS="-Djava.io.tmpdir=${TMPDIR:-/tmp}"
  if [ -n "$EXPORT_META" ]; then
    "$launcher" export-meta "$EXPORT_META" > export-meta.log 2>&1 || { echo "export-meta failed:"; cat export-meta.log; exit 3; }
  fi
  [ "$NO_UDEV" = 1 ] && mv /dev/virtio-ports /dev/virtio-ports.hidden
  stats > stats-before
  # a wrapper waits for the agent and keeps its status: 'stop' runs in another shell
  if [ "$AGENT" = cstandin ]; then
    setsid bash -c '"$0" > agent.out 2> agent.log & echo $! > agent.pid; wait $!; echo $? > agent-rc.part; mv agent-rc.part agent-rc' \
      "$here/c-agent-standin.sh" < /dev/null > /dev/null 2>&1 &
  else
    setsid bash -c '"$@" > agent.out 2> agent.log & echo $! > agent.pid; wait $!; echo $? > agent-rc.part; mv agent-rc.part agent-rc' \
      _ "$launcher" "$@" < /dev/null > /dev/null 2>&1 &
  fi
  local i=0
  until grep -q "ready:" agent.log 2>/dev/null; do
    [ -e agent-rc ] && { echo "agent exited $(cat agent-rc) before ready:"; cat agent.log; exit 3; }
    i=$((i + 1)); [ $i -lt 2400 ] || { echo "agent not ready within 120 s:"; cat agent.log; exit 3; }
    sleep 0.05
  done
  [ "$NO_UDEV" = 1 ] && mv /dev/virtio-ports.hidden /dev/virtio-ports
  touch agent-ready
  local pid; pid=$(cat agent.pid)
  if [ -n "$KILL_AFTER" ]; then
    setsid bash -c 'until [ -e host-started ] || [ -e host-done ]; do sleep 0.05; done
      [ -e host-done ] || { sleep "$0"; kill -KILL "$1" && cut -d" " -f1 /proc/uptime > agent-killed; }' \
      "$KILL_AFTER" "$pid" < /dev/null > /dev/null 2>&1 &
  fi
  if [ -n "$STEP_CLOCK_AFTER" ]; then
    setsid bash -c 'until grep -q "start order" agent.log || [ -e host-done ]; do sleep 0.05; done
      [ -e host-done ] || { sleep "$0"; date -s "@$(( $(date +%s) + 5 ))" > clock-stepped 2>&1; }' \
      "$STEP_CLOCK_AFTER" < /dev/null > /dev/null 2>&1 &
  fi
  # a steady load on every vCPU: trace markers, until the host is done
  : > load.pids
  if [ "$LOAD" = 1 ]; then
    for ((c = 0; c < $(nproc); c++)); do
      setsid taskset -c $c bash -c 'i=0; until [ -e host-done ]; do echo "vta-e2e $i" > '$T'/trace_marker; i=$((i+1)); done' \
        < /dev/null > /dev/null 2>&1 &
      echo $! >> load.pids
    done
  fi
}

# milliseconds for a fixed piece of shell work: 20000 rounds of a loop
pace() {
  local p0; p0=$(date +%s%N)
  local n=0; while [ $n -lt 20000 ]; do n=$((n + 1)); done
  echo $(( ($(date +%s%N) - p0) / 1000000 ))
}

stop() {
  touch host-done
  for p in $(cat load.pids 2>/dev/null); do
    while kill -0 "$p" 2>/dev/null; do sleep 0.02; done
  done
  stats > stats-after
  if [ ! -e agent-rc ]; then
    # the guest's pace (a TCG guest on a busy host runs slower), timed just before the SIGTERM and
    # just after the exit: load on the host comes and goes, so the slower of the two stands for both
    local before; before=$(pace)
    local t0; t0=$(date +%s%N)
    kill -TERM "$(cat agent.pid)"
    until [ -e agent-rc ]; do sleep 0.01; done
    echo $(( ($(date +%s%N) - t0) / 1000000 )) > agent-term-ms
    local after; after=$(pace)
    echo $(( before > after ? before : after )) > pace-ms
  fi
  [ "$META" = 1 ] && "$here/export-tracefs-meta.sh" meta ftrace $EVENTS
  # the tracefs as the next session expects it
  echo 0 > $T/events/enable
  if [ -n "$BUFFER_KB" ]; then # "7 (expanded: 1408)" before first use: the expanded size is the size
    local kb; kb=$(sed -n 's/.*expanded: \([0-9]*\).*/\1/p' buffer-kb-before)
    echo "${kb:-$(cut -d' ' -f1 buffer-kb-before)}" > $T/buffer_size_kb
  fi
  echo > $T/trace
  return 0
}

case "$what" in
  start) start "$@" ;;
  stop) stop ;;
  *) sed -n '2,22p' "$0" >&2; exit 2 ;;
esac
