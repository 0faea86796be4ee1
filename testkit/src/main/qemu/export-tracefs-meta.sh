#!/bin/bash
# Copies what trace-cmd needs to decode this machine's raw ring-buffer pages into DIR,
# laid out like tracefs (trace-cmd restore -c -t DIR -k DIR/kallsyms). tracefs files
# report size 0, so they are read with cat, never copied by size.
#   export-tracefs-meta.sh DIR [GROUP...]
# With GROUPs (e.g. ftrace sched), only those event groups' formats are copied: one cat per
# file costs ~50 ms under TCG and a kernel has ~2000 formats.
set -eu
out=$1; shift
T=${TRACEFS:-/sys/kernel/tracing}
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=('*')
mkdir -p "$out/events"
cat $T/events/header_page > "$out/events/header_page"
cat $T/events/header_event > "$out/events/header_event"
for g in "${groups[@]}"; do for f in $T/events/$g/*/format; do
  rel=${f#$T/}
  mkdir -p "$out/$(dirname "$rel")"
  cat "$f" > "$out/$rel"
done; done
cat $T/printk_formats > "$out/printk_formats"
cat $T/saved_cmdlines > "$out/saved_cmdlines"
cat /proc/kallsyms > "$out/kallsyms"
