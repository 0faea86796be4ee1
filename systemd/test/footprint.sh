#!/bin/bash
# The installed service's footprint, measured under a real systemd (PID 1 of a privileged
# podman container, Debian 12, no JDK), with the package the build made:
#   - start to READY=1 (systemd's own timestamps: ExecMainStart -> ActiveEnter), 5 starts
#   - RSS (VmRSS of the main process) after 30 s of light load, and its peak (VmHWM)
#   - CPU while waiting for the host's "1", and while started with no events
#
#   systemd/test/footprint.sh            (after mvn package; root, podman, runc, debootstrap)
#   TRY_JAVA_OPTS="-X..." systemd/test/footprint.sh   (the same with extra JVM flags in
#                                        /etc/default/trace-agent, to try one)
#
# FIFOs stand in for the ports; the unit is the shipped one minus its binding to the
# control port's device (a container has no virtio ports).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
deb=$(ls "$repo"/deb/target/trace-agent_*.deb | head -1)
name=vta-footprint-$$
inst=vta-footprint-$$
"$here/build-image.sh" >/dev/null
podman run -d --name "$name" --privileged "localhost/vta-debian-systemd:12" /sbin/init >/dev/null
cleanup() {
  podman exec "$name" sh -c "systemctl stop trace-agent; rmdir /sys/kernel/tracing/instances/$inst" >/dev/null 2>&1 || true
  podman rm -f "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT
x() { podman exec "$name" sh -c "$1"; }
x "systemctl is-system-running --wait" >/dev/null || true
podman cp "$deb" "$name:/root/trace-agent.deb"
x "apt-get install -y -q /root/trace-agent.deb" >/dev/null
x "mkdir /sys/kernel/tracing/instances/$inst"
x "sed -e '/^BindsTo=dev-/d' -e '/^After=dev-/d' /lib/systemd/system/trace-agent.service > /etc/systemd/system/trace-agent.service && systemctl daemon-reload"
x "mkdir -p /run/ports && cd /run/ports && mkfifo agent-ctl-path && for c in \$(seq 0 \$((\$(nproc) - 1))); do mkfifo trace-path-cpu\$c; done"
# QEMU's pipe chardev holds the host's end of the control port open: so does this
x "(sleep infinity > /run/ports/agent-ctl-path &)"
x "echo 'TRACE_AGENT_OPTS=\"--port-dir /run/ports --instance $inst\"' > /etc/default/trace-agent"
[ -n "${TRY_JAVA_OPTS:-}" ] && x "echo 'TRACE_AGENT_JAVA_OPTS=\"$TRY_JAVA_OPTS\"' >> /etc/default/trace-agent"

ready=()
for _ in 1 2 3 4 5; do
  x "systemctl restart trace-agent"
  ready+=("$(x "systemctl show trace-agent -p ExecMainStartTimestampMonotonic -p ActiveEnterTimestampMonotonic" |
    awk -F= '{v[$1]=$2} END {print int((v["ActiveEnterTimestampMonotonic"] - v["ExecMainStartTimestampMonotonic"]) / 1000)}')")
done
echo "start to READY=1: ${ready[*]} ms"

ticks() { x "cut -d' ' -f14,15 /proc/\$(systemctl show -p MainPID --value trace-agent)/stat" | awk '{print $1 + $2}'; }
hz=$(getconf CLK_TCK)
idle() { # seconds label
  local a b; a=$(ticks); sleep "$1"; b=$(ticks)
  awk -v t=$((b - a)) -v s="$1" -v hz="$hz" -v l="$2" 'BEGIN {printf "CPU %s: %.3f %% of one CPU over %d s\n", l, t * 100 / hz / s, s}'
}
sleep 5
idle 60 "waiting for the host's 1"

# light load: sched events plus ~2000 markers/s on every CPU, the host reading every port
x "echo 1 > /sys/kernel/tracing/instances/$inst/events/sched/enable"
x "cd /run/ports && for p in trace-path-cpu*; do (cat \$p > /dev/null &) ; done"
x "echo 1 > /run/ports/agent-ctl-path"
x "for c in \$(seq 0 \$((\$(nproc) - 1))); do (timeout 30 taskset -c \$c sh -c 'i=0; while :; do echo m\$i; i=\$((i+1)); [ \$((i % 200)) = 0 ] && sleep 0.1; done > /sys/kernel/tracing/instances/$inst/trace_marker' &); done; sleep 31"
x "grep -E '^(VmRSS|VmHWM)' /proc/\$(systemctl show -p MainPID --value trace-agent)/status" | tr -s ' \t' ' ' | tr '\n' ' '
echo "(after 30 s of light load)"
x "echo 0 > /sys/kernel/tracing/instances/$inst/events/sched/enable"
sleep 5
idle 60 "started, no events"
x "trace-agent status" | sed 's/^/  /'
