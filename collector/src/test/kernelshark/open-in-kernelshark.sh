#!/usr/bin/env bash
# open-in-kernelshark.sh FILE.dat OUT.png
#
# Why: a trace.dat that `trace-cmd report` reads can still be one that KernelShark refuses, and
# KernelShark is what people open these files with. This proves, from a test, that KernelShark
# 2.2.1 (Debian 12, Qt5) really opens FILE: it runs kernelshark on FILE under a private Xvfb
# display, waits (bounded) for the main window titled "Kernel Shark (FILE)", lets it settle,
# takes a screenshot of the whole screen into OUT.png, and then checks that kernelshark is still
# running, that no other top-level window (error/warning dialog) is open, and that kernelshark's
# output (kept in OUT's name with .kernelshark.log) has no error line. Then it quits kernelshark
# (Ctrl+Q) and stops Xvfb.
#
# Debian 12 packages needed (the minimal set, with apt-get install -y --no-install-recommends):
#   kernelshark xvfb xdotool imagemagick
# (kernelshark pulls trace-cmd, Qt5, Mesa and fonts-freefont-ttf; Xvfb is started directly, so no
# xauth/xvfb-run; windows are listed with xdotool, so no x11-utils; `import` is imagemagick's.)
#
# Exit: 0 opened fine; 1 a check failed (one line on stderr says which); 2 usage;
# 3 kernelshark/Xvfb/xdotool/import missing. Env: KS_OPEN_TIMEOUT (seconds, default 60).
#
# How KernelShark behaves here (found by trying it, as root):
#  - As root it first shows a modal "KernelShark is running with Root privileges" box (window
#    title "kernelshark") unless noRootWarn=true is in $KS_USER_CACHE_DIR/setting.ini; if
#    KS_USER_CACHE_DIR does not exist it asks to create it (title "KernelShark"). Both block
#    loading, so a private, pre-filled cache dir is made below. Without XDG_RUNTIME_DIR Qt warns.
#  - A file it cannot read does NOT make it exit: it prints "ERROR: -17 while opening file ..."
#    and "ERROR: File ... contains no data." on stderr and shows a modal QErrorMessage titled
#    "kernelshark" (its progress window "KernelShark" stays up); the title stays "Kernel Shark".
#  - A missing file: "ERROR: Unable to find file ...", same dialog (this script exits 2 first).
#  - A file whose header is fine but whose event pages are damaged opens WITHOUT any message (it
#    shows the events up to the damage): check such files with `trace-cmd report` as well.
#  On a failed check OUT.png is still written when possible (it shows the dialog).
set -euo pipefail

readonly PACKAGES="kernelshark xvfb xdotool imagemagick"
readonly SCREEN_W=1280 SCREEN_H=800
readonly TIMEOUT=${KS_OPEN_TIMEOUT:-60}
readonly ME=open-in-kernelshark

if [[ $# -ne 2 || -z $1 || -z $2 ]]; then
    echo "usage: $0 FILE.dat OUT.png" >&2
    exit 2
fi
if [[ ! -f $1 || ! -r $1 ]]; then
    echo "$ME: usage: $1 is not a readable file" >&2
    exit 2
fi
FILE=$(realpath -- "$1")
OUT=$2
case $OUT in *.png) LOG=${OUT%.png}.kernelshark.log ;; *) LOG=$OUT.kernelshark.log ;; esac

for tool in kernelshark Xvfb xdotool import; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$ME: $tool is not installed; run: apt-get install -y --no-install-recommends $PACKAGES" >&2
        exit 3
    fi
done

mkdir -p -- "$(dirname -- "$OUT")"
rm -f -- "$OUT" "$LOG"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/$ME.XXXXXX")
XVFB_PID="" KS_PID=""

stop() { # stop SECONDS PID TARGET...: TERM the targets, wait up to SECONDS for PID to end, KILL; reaps PID
    local secs=$1 pid=$2 i
    shift 2
    kill -TERM -- "$@" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "$@" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    if [[ -n $KS_PID ]]; then # kernelshark's process group (it and anything it started)
        for ((i = 0; i < 20; i++)); do [[ -s $TMP/ks.pid ]] && break; sleep 0.1; done
        if [[ -s $TMP/ks.pid ]]; then
            stop 3 "$KS_PID" "-$(<"$TMP/ks.pid")"
        else
            stop 1 "$KS_PID" "$KS_PID"
        fi
    fi
    [[ -n $XVFB_PID ]] && stop 5 "$XVFB_PID" "$XVFB_PID"
    rm -rf -- "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "$ME: FAIL: $*" >&2
    exit 1
}

# --- a private X display (Xvfb picks a free display number and writes it to fd 3 when ready)
: >"$TMP/display"
Xvfb -displayfd 3 -screen 0 "${SCREEN_W}x${SCREEN_H}x24" -nolisten tcp \
    3>"$TMP/display" >"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
for ((i = 0; i < 100; i++)); do
    [[ $(<"$TMP/display") == *[0-9]* ]] && break
    kill -0 "$XVFB_PID" 2>/dev/null || fail "Xvfb exited at start: $(tail -n 1 "$TMP/xvfb.log")"
    sleep 0.1
done
DISP=$(tr -dc 0-9 <"$TMP/display")
[[ -n $DISP ]] || fail "Xvfb gave no display within 10 s"
export DISPLAY=":$DISP"

# --- a private KernelShark/Qt environment (see the header: root warning, cache dir)
mkdir -p "$TMP/ks-cache" "$TMP/xdg-config" "$TMP/xdg-cache" "$TMP/xdg-data"
mkdir -m 700 "$TMP/runtime"
printf '[General]\nnoRootWarn=true\n' >"$TMP/ks-cache/setting.ini"
unset WAYLAND_DISPLAY SESSION_MANAGER || true

# kernelshark runs in its own session (its pid, written to ks.pid, is its process group) under
# a subshell that records its exit status; the subshell's stderr is dropped so that bash's own
# "Segmentation fault" job report does not add a line to ours (kernelshark's output is in LOG).
(
    st=0
    env QT_QPA_PLATFORM=xcb KS_USER_CACHE_DIR="$TMP/ks-cache" XDG_RUNTIME_DIR="$TMP/runtime" \
        XDG_CONFIG_HOME="$TMP/xdg-config" XDG_CACHE_HOME="$TMP/xdg-cache" XDG_DATA_HOME="$TMP/xdg-data" \
        sh -c 'echo $$ >"$1" && exec setsid kernelshark "$2"' sh "$TMP/ks.pid" "$FILE" </dev/null >"$LOG" 2>&1 || st=$?
    echo "$st" >"$TMP/ks.status"
) 2>/dev/null &
KS_PID=$! # the subshell: alive exactly as long as kernelshark
START=$SECONDS T0=${EPOCHREALTIME/[.,]/}

# Visible top-level windows as "ID<TAB>title" lines (no window manager: top level = child of root).
windows() {
    local root w
    root=$(timeout 5 xdotool search --maxdepth 0 --name '' 2>/dev/null | head -n 1) || true
    for w in $(timeout 5 xdotool search --maxdepth 1 --onlyvisible --name '' 2>/dev/null); do
        [[ $w == "$root" ]] && continue
        printf '%s\t%s\n' "$w" "$(timeout 5 xdotool getwindowname "$w" 2>/dev/null)"
    done
}
titles() { cut -f2- | sed "s/.*/'&'/" | paste -sd, - | sed 's/,/, /g; s/^$/(none)/'; }
first_error() {
    grep -m 1 -i -E '^ERROR|error|fail|unable|cannot|can.t|corrupt|invalid' "$LOG" || echo "no error line in its output"
}
ks_reap() { # sets KS_ST to how the (dead) kernelshark ended, and forgets it
    local st
    wait "$KS_PID" 2>/dev/null || true
    KS_PID=""
    st=$(cat "$TMP/ks.status" 2>/dev/null || echo '?')
    if [[ $st =~ ^[0-9]+$ ]] && ((st > 128)); then
        KS_ST="$st, killed by SIG$(kill -l $((st - 128)) 2>/dev/null)"
    else
        KS_ST=$st
    fi
}

MAIN="" state=timeout other=0
base=$(basename -- "$FILE")
while ((SECONDS - START < TIMEOUT)); do
    if ! kill -0 "$KS_PID" 2>/dev/null; then state=died; break; fi
    wins=$(windows)
    MAIN=$(B="$base)" awk -F'\t' '{ b = ENVIRON["B"] }
        index($2, "Kernel Shark (") == 1 && substr($2, length($2) - length(b) + 1) == b { print $1; exit }' <<<"$wins")
    if [[ -n $MAIN ]]; then state=loaded; break; fi
    # An error is printed just before its modal dialog opens; a titled window that is neither the
    # main window nor the "KernelShark" progress window, seen on two looks in a row, is a dialog:
    # stop waiting for the title. (Qt maps some windows briefly, untitled or not yet renamed,
    # while the main window comes up: one look is not enough.)
    if awk -F'\t' '$1 != "" && $2 != "" && $2 !~ /^Kernel ?Shark/ { f = 1 } END { exit !f }' <<<"$wins"; then
        other=$((other + 1))
    else
        other=0
    fi
    if grep -q '^ERROR' "$LOG" || ((other >= 2)); then
        state=error; break
    fi
    sleep 0.25
done
T1=${EPOCHREALTIME/[.,]/}
LOAD_TIME=$(((T1 - T0) / 1000000)).$(printf %01d $(((T1 - T0) / 100000 % 10)))

# Let the graph draw and any dialog appear; show the main window full-screen for the picture.
[[ $state == loaded ]] && timeout 5 xdotool windowmove "$MAIN" 0 0 windowsize "$MAIN" "$SCREEN_W" "$SCREEN_H" >/dev/null 2>&1 || true
[[ $state != died ]] && sleep 1.5
if kill -0 "$XVFB_PID" 2>/dev/null; then
    timeout 30 import -window root "$OUT" 2>>"$TMP/import.log" \
        || fail "could not take the screenshot $OUT: $(tail -n 1 "$TMP/import.log")"
fi

case $state in
died) ks_reap; fail "kernelshark exited (status $KS_ST) while opening $FILE: $(first_error) (log: $LOG)" ;;
timeout) fail "kernelshark did not show 'Kernel Shark ($FILE)' within $TIMEOUT s; windows: $(windows | titles) (log: $LOG)" ;;
esac

# --- the checks, after loading
if ! kill -0 "$KS_PID" 2>/dev/null; then
    ks_reap; fail "kernelshark exited (status $KS_ST) after opening $FILE: $(first_error) (log: $LOG)"
fi
# Any window but the main one ("Kernel Shark...") and the loading progress one ("KernelShark").
wins=$(windows)
dialogs=$(awk -F'\t' '$1 != "" && $2 !~ /^Kernel Shark/ && $2 != "KernelShark"' <<<"$wins")
if [[ -n $dialogs ]]; then
    fail "dialog $(titles <<<"$dialogs") open in kernelshark after opening $FILE: $(first_error) (screenshot: $OUT, log: $LOG)"
fi
if awk -F'\t' '$2 == "KernelShark" { f = 1 } END { exit !f }' <<<"$wins"; then
    fail "kernelshark's loading window 'KernelShark' is still open after opening $FILE: $(first_error) (log: $LOG)"
fi
if [[ $state != loaded ]]; then # cannot happen (an error without a window), but never pass it
    fail "kernelshark did not load $FILE: $(first_error); windows: $(windows | titles) (log: $LOG)"
fi
if err=$(grep -m 1 -i -E 'error|fail|unable|cannot|can.t|corrupt|invalid' "$LOG"); then
    fail "kernelshark printed about $FILE: $err (log: $LOG)"
fi

# --- quit KernelShark the way a user does (Ctrl+Q), then Xvfb (in the EXIT trap)
timeout 5 xdotool windowfocus --sync "$MAIN" key --clearmodifiers ctrl+q >/dev/null 2>&1 || true
for ((i = 0; i < 100; i++)); do
    kill -0 "$KS_PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$KS_PID" 2>/dev/null; then
    fail "kernelshark did not quit on Ctrl+Q within 10 s after opening $FILE"
fi
ks_reap
[[ $KS_ST == 0 ]] || fail "kernelshark exited with status $KS_ST on Ctrl+Q after opening $FILE (log: $LOG)"

echo "$ME: OK: kernelshark opened $FILE in $LOAD_TIME s (screenshot: $OUT, log: $LOG)"
