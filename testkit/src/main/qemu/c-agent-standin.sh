#!/bin/bash
# A stand-in for the kernel's C trace-agent (tools/virtio/virtio-trace) in the test guest,
# as a host sees it: reads orders from the control port line by line; on "1" one cat per
# CPU moves per_cpu/cpuN/trace_pipe_raw to trace-path-cpuN, on "0" those cats are killed;
# anything else (such as virtio-trace's "?hello/1" requests) is ignored, and nothing is
# ever written to the control port. Logs "ready:" on stderr once the ports are there, as
# the agent does; exits on SIGTERM.
#   c-agent-standin.sh          (ports in /dev/virtio-ports, tracefs in /sys/kernel/tracing)
set -u
P=/dev/virtio-ports
T=/sys/kernel/tracing
ctl=$P/agent-ctl-path
cpus=$(nproc)
cats=()
log() { echo "c-agent-standin: $*" >&2; }
stop() { [ ${#cats[@]} -eq 0 ] || { kill "${cats[@]}" 2>/dev/null; wait "${cats[@]}" 2>/dev/null; }; cats=(); }
trap 'stop; log "SIGTERM: exiting"; exit 0' TERM
for ((c = 0; c < cpus; c++)); do [ -e "$P/trace-path-cpu$c" ] || { log "no $P/trace-path-cpu$c"; exit 1; }; done
[ -e "$ctl" ] || { log "no $ctl"; exit 1; }
log "ready: $cpus CPUs, waiting for orders on $ctl"
while true; do
  # the port reads end of file while no host is connected: open it again
  while IFS= read -r line; do
    line=${line%$'\r'}
    case "$line" in
      1) if [ ${#cats[@]} -eq 0 ]; then
           for ((c = 0; c < cpus; c++)); do
             cat "$T/per_cpu/cpu$c/trace_pipe_raw" > "$P/trace-path-cpu$c" &
             cats+=($!)
           done
           log "start order: $cpus cats"
         fi ;;
      0) stop; log "stop order: cats killed" ;;
      *) log "ignored: $line" ;;
    esac
  done < "$ctl"
  sleep 0.1
done
