#!/bin/bash
# Runs trace-agent.service under a real systemd (PID 1 of a privileged podman container,
# Debian 12) with a stand-in agent (stub-agent.py: the agent's system calls, sd_notify,
# SIGTERM) and checks that the unit's sandbox lets through what the agent needs and
# refuses the rest. Needs root, podman, runc, debootstrap; builds the image on first use.
#
#   systemd/test/test-unit-in-container.sh [--keep]
#
# The container has no virtio-serial ports, so the test copy of the unit drops the
# BindsTo=/After= on the control port's device (nothing else changes). DeviceAllow= for
# the port nodes themselves can only be checked in a guest with the ports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sysd=$(dirname "$here")
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
IMAGE=vta-debian-systemd:12-py
NAME=vta-unit-test-$$
keep=0; [ "${1:-}" = --keep ] && keep=1

if [ ! -d /sys/kernel/tracing/per_cpu ]; then
  mount -t tracefs nodev /sys/kernel/tracing
fi
"$here/build-image.sh" --extra python3 --tag "$IMAGE"

cleanup() { [ "$keep" = 1 ] && { echo "kept container $NAME"; return; }; podman rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

t0=$(date +%s%N)
podman run -d --name "$NAME" --privileged --systemd=always "$IMAGE" /sbin/init >/dev/null
state=
for _ in $(seq 1 120); do
  state=$(podman exec "$NAME" systemctl is-system-running 2>/dev/null || true)
  case $state in running|degraded) break ;; esac
  sleep 0.25
done
echo "container: systemd is '$state' after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
case $state in running|degraded) ;; *) podman logs "$NAME" | tail -20; exit 1 ;; esac

tmp=$(mktemp -d); trap 'rm -rf "$tmp"; cleanup' EXIT
grep -v -E '^(BindsTo|After)=dev-virtio' "$sysd/trace-agent.service" > "$tmp/trace-agent.service"
podman cp "$tmp/trace-agent.service" "$NAME:/etc/systemd/system/trace-agent.service"
podman cp "$sysd/trace-agent.default" "$NAME:/etc/default/trace-agent"
podman cp "$here/stub-agent.py" "$NAME:/usr/bin/trace-agent"
podman exec "$NAME" chmod 755 /usr/bin/trace-agent
podman exec "$NAME" systemctl daemon-reload

echo "== systemd-analyze verify (inside, binary present)"
podman exec "$NAME" systemd-analyze verify --man=no /etc/systemd/system/trace-agent.service
echo "== systemd-analyze security (inside, online)"
podman exec "$NAME" systemd-analyze security trace-agent.service | tail -1

echo "== udev rule (udevadm test parses every rules file and names bad lines)"
podman cp "$sysd/60-trace-agent.rules" "$NAME:/etc/udev/rules.d/60-trace-agent.rules"
out=$(podman exec "$NAME" udevadm test /sys/class/mem/null 2>&1 | grep '60-trace-agent.rules' || true)
printf '%s\n' "$out" | sed 's/^/   /'
if printf '%s\n' "$out" | grep -q '60-trace-agent.rules:[0-9]'; then echo "FAIL: udev rule"; exit 1; fi
printf '%s\n' "$out" | grep -q 'Reading rules file: /etc/udev/rules.d/60-trace-agent.rules' || { echo "FAIL: udev did not read the rule"; exit 1; }

echo "== start"
rc=0
podman exec "$NAME" systemctl start trace-agent.service || rc=$?
podman exec "$NAME" journalctl -u trace-agent.service -o cat --no-pager | sed 's/^/   /'
[ "$rc" = 0 ] || { echo "FAIL: systemctl start exited $rc"; podman exec "$NAME" systemctl status trace-agent --no-pager || true; exit 1; }
podman exec "$NAME" systemctl show trace-agent.service -p ActiveState -p SubState -p StatusText -p MainPID | sed 's/^/   /'

echo "== stop"
t0=$(date +%s%N)
podman exec "$NAME" systemctl stop trace-agent.service
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
res=$(podman exec "$NAME" systemctl show trace-agent.service -p Result --value)
st=$(podman exec "$NAME" systemctl show trace-agent.service -p ExecMainStatus --value)
podman exec "$NAME" journalctl -u trace-agent.service -o cat --no-pager | tail -3 | sed 's/^/   /'
echo "stop took ${ms} ms, Result=$res, exit status $st"
[ "$res" = success ] && [ "$st" = 0 ] || { echo "FAIL: unclean stop"; exit 1; }
echo "test-unit-in-container: OK"
