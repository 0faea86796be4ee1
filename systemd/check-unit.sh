#!/bin/bash
# Checks the systemd packaging files without a running systemd:
#  1. systemd-analyze verify of systemd/trace-agent.service, in a throw-away root that holds
#     the distribution's units and a stub /usr/bin/trace-agent (so the unit is checked
#     unmodified; verify only warns about a missing binary, and any warning fails here);
#  2. systemd-analyze security --offline: fails when the exposure level is above MAX_EXPOSURE
#     (2.5; --threshold takes the level times ten);
#  3. the udev rule, with udevadm where there is one (`udevadm verify` from systemd 254 on);
#  4. the EnvironmentFile sets TRACE_AGENT_OPTS and nothing a shell would misread.
# Installs the systemd package if systemd-analyze is missing (a fresh Debian 12, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXPOSURE=${MAX_EXPOSURE:-2.5}
unit=systemd/trace-agent.service
rules=systemd/60-trace-agent.rules
defaults=systemd/trace-agent.default
fail=0

if ! command -v systemd-analyze >/dev/null; then
  echo "check-unit: installing systemd (for systemd-analyze)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends systemd >/dev/null
fi
echo "check-unit: $(systemd-analyze --version | head -1)"

# 1. verify
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/etc/default"
ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/sbin "$root/sbin"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\nexit 0\n' > "$root/usr/bin/trace-agent"
chmod 755 "$root/usr/bin/trace-agent"
cp "$unit" "$root/etc/systemd/system/trace-agent.service"
cp "$defaults" "$root/etc/default/trace-agent"
# --man=no: Documentation=man:trace-agent(1) names the page the package ships; it is not
# installed here.
if out=$(systemd-analyze verify --man=no --root="$root" trace-agent.service 2>&1) && [ -z "$out" ]; then
  echo "ok: systemd-analyze verify $unit"
else
  echo "FAIL: systemd-analyze verify $unit:"; printf '%s\n' "$out" | sed 's/^/  /'; fail=1
fi
# [Install] must enable through the control port's device unit.
if out=$(systemctl --root="$root" enable trace-agent.service 2>&1) &&
   [ -L "$root/etc/systemd/system/dev-virtio\\x2dports-agent\\x2dctl\\x2dpath.device.wants/trace-agent.service" ]; then
  echo "ok: systemctl enable links it to dev-virtio\\x2dports-agent\\x2dctl\\x2dpath.device"
else
  echo "FAIL: systemctl --root enable:"; printf '%s\n' "$out" | sed 's/^/  /'; fail=1
fi

# 2. security
threshold=$(awk -v m="$MAX_EXPOSURE" 'BEGIN { printf "%d", m * 10 + 0.5 }')
rc=0
report=$(systemd-analyze security --offline=true --threshold="$threshold" "$unit" 2>&1) || rc=$?
level=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ "$rc" = 0 ] && [ -n "$level" ]; then
  echo "ok: exposure level $level (at most $MAX_EXPOSURE)"
else
  printf '%s\n' "$report" | grep -E '✗|Overall' | sed 's/^/  /'
  echo "FAIL: exposure level ${level:-unknown} above $MAX_EXPOSURE (systemd-analyze exit $rc)"; fail=1
fi

# 3. udev rule
if command -v udevadm >/dev/null && udevadm verify --help >/dev/null 2>&1; then
  if udevadm verify "$rules"; then echo "ok: udevadm verify $rules"; else echo "FAIL: udevadm verify $rules"; fail=1; fi
else
  # No `udevadm verify` before systemd 254: check the keys the rule must have.
  flat=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$rules" | grep -v '^#' | grep .)
  if [ "$(printf '%s\n' "$flat" | wc -l)" = 1 ] &&
     printf '%s' "$flat" | grep -q 'SUBSYSTEM=="virtio-ports"' &&
     printf '%s' "$flat" | grep -q 'ATTR{name}=="agent-ctl-path"' &&
     printf '%s' "$flat" | grep -q 'TAG+="systemd"' &&
     printf '%s' "$flat" | grep -q 'ENV{SYSTEMD_WANTS}+="trace-agent.service"'; then
    echo "ok: $rules has the expected keys (no udevadm verify in systemd 252; the QEMU guest test runs it under udev)"
  else
    echo "FAIL: $rules is not the one expected rule"; fail=1
  fi
fi

# 4. EnvironmentFile: assignments and comments only, and TRACE_AGENT_OPTS is set.
if grep -vE '^[[:space:]]*(#.*)?$' "$defaults" | grep -qvE '^[A-Z_]+="[^"$`\\]*"$'; then
  echo "FAIL: $defaults has a line that is not NAME=\"value\""; fail=1
elif ! grep -q '^TRACE_AGENT_OPTS=' "$defaults"; then
  echo "FAIL: $defaults does not set TRACE_AGENT_OPTS"; fail=1
else
  echo "ok: $defaults"
fi

if [ "$fail" = 0 ]; then echo "check-unit: OK"; else echo "check-unit: FAILED"; fi
exit "$fail"
