#!/usr/bin/python3
"""Stand-in for /usr/bin/trace-agent in the systemd test container (no JVM there).

Makes the system calls the real agent makes, under the unit's sandbox, and says for each
one whether it worked: OK <what> / FAIL <what>: <error> / DENIED-AS-EXPECTED <what>.
Then it speaks sd_notify like the agent (READY=1, STATUS=, STOPPING=1 on SIGTERM) and
exits 0 on SIGTERM. Exit 1 at start if anything that must work did not.
"""
import ctypes, errno, fcntl, mmap, os, select, signal, socket, sys, threading, time

T = os.environ.get("TRACEFS", "/sys/kernel/tracing")
failures = []


def log(msg):
    print(msg, flush=True)


def check(what, fn, expect_fail=False):
    try:
        r = fn()
        if expect_fail:
            failures.append(what)
            log(f"FAIL {what}: should have been denied")
        else:
            log(f"OK {what}" + (f": {r}" if r not in (None, "") else ""))
        return r
    except Exception as e:  # noqa: BLE001 - report everything
        if expect_fail:
            log(f"DENIED-AS-EXPECTED {what}: {e}")
        else:
            failures.append(what)
            log(f"FAIL {what}: {e}")


def notify(msg):
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.connect(addr)
        s.sendall(msg.encode())


libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def c_check(r, name):
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{name}: {os.strerror(e)}")
    return r


def read_page(cpu):
    fd = os.open(f"{T}/per_cpu/cpu{cpu}/trace_pipe_raw", os.O_RDONLY | os.O_NONBLOCK)
    try:
        r, w = os.pipe()
        fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ 1 MiB
        fcntl.flock(r, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            n = os.splice(fd, w, 4096, flags=os.SPLICE_F_NONBLOCK)
        except BlockingIOError:
            n = "EAGAIN (no full page yet)"
        c_check(libc.ioctl(fd, 0, 0), "ioctl(trace_pipe_raw, 0)")
        os.close(r); os.close(w)
        return f"splice -> {n}"
    finally:
        os.close(fd)


def pinned(cpu, out):
    try:
        os.sched_setaffinity(0, {cpu})
        out[cpu] = sorted(os.sched_getaffinity(0))
    except OSError as e:
        out[cpu] = e


def affinity():
    out = {}
    cpus = sorted(os.sched_getaffinity(0))
    ts = [threading.Thread(target=pinned, args=(c, out)) for c in cpus]
    [t.start() for t in ts]
    [t.join() for t in ts]
    bad = {c: v for c, v in out.items() if v != [c]}
    if bad:
        raise OSError(f"sched_setaffinity: {bad}")
    return f"one thread pinned to each of CPUs {cpus}"


def wx_memory():
    PROT = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC
    m = mmap.mmap(-1, 4096, prot=PROT)
    m.close()
    return "mmap(PROT_WRITE|PROT_EXEC)"


def control_socket():
    path = "/run/trace-agent/agent.sock"
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    return f"{path} mode {oct(os.stat('/run/trace-agent').st_mode & 0o777)}"


def main():
    log(f"uid={os.getuid()} caps={open('/proc/self/status').read().split('CapEff:')[1].split()[0]}")
    check("tracefs in /proc/mounts", lambda: next(l for l in open("/proc/mounts") if " tracefs " in l).strip())
    check("read /sys/devices/system/cpu/online", lambda: open("/sys/devices/system/cpu/online").read().strip())
    check("list /sys/class/virtio-ports", lambda: os.listdir("/sys/class/virtio-ports") if os.path.isdir("/sys/class/virtio-ports") else "absent (no virtio-serial here)")
    check("read per_cpu/cpu0/stats", lambda: open(f"{T}/per_cpu/cpu0/stats").readline().strip())
    for cpu in sorted(os.sched_getaffinity(0)):
        check(f"open+F_SETPIPE_SZ+flock+splice+ioctl cpu{cpu}/trace_pipe_raw", lambda c=cpu: read_page(c))
    check("write tracing_on", lambda: open(f"{T}/tracing_on", "w").write("1"))
    inst = f"{T}/instances/stub-agent-{os.getpid()}"
    check("mkdir+rmdir instances/NAME", lambda: (os.mkdir(inst), os.rmdir(inst)))
    check("eventfd + poll", lambda: (lambda fd: (os.eventfd_write(fd, 1), select.poll().register(fd, select.POLLIN), os.close(fd)))(os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)) and "ok")
    check("sched_setaffinity per thread", affinity)
    check("W+X memory (JIT, jffi)", wx_memory)
    check("AF_UNIX control socket", control_socket)
    check("write /var/lib/trace-agent", lambda: open("/var/lib/trace-agent/probe", "w").write("x"))
    check("write /tmp (private; java.io.tmpdir, jffi)", lambda: open("/tmp/probe", "w").write("x"))
    check("open /dev/null rw", lambda: os.close(os.open("/dev/null", os.O_RDWR)))
    # What the sandbox must refuse:
    check("mount tracefs", lambda: c_check(libc.mount(b"nodev", b"/tmp", b"tracefs", 0, None), "mount"), expect_fail=True)
    check("AF_INET socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM), expect_fail=True)
    check("write /etc", lambda: open("/etc/stub-agent-probe", "w"), expect_fail=True)
    dev = next((d for d in ("/dev/vda", "/dev/sda", "/dev/loop0", "/dev/mem") if os.path.exists(d)), None)
    if dev:
        check(f"open {dev} (DevicePolicy=closed)", lambda: os.close(os.open(dev, os.O_RDONLY)), expect_fail=True)
    # raw setrlimit(2) (@resources, denied); glibc's setrlimit() uses prlimit64 (@default, allowed)
    check("raw setrlimit syscall", lambda: c_check(libc.syscall(160, 7, (ctypes.c_ulong * 2)(512, 512)), "setrlimit"), expect_fail=True)
    check("prlimit64 (glibc setrlimit; the JVM raises its nofile limit)", lambda: __import__("resource").setrlimit(7, __import__("resource").getrlimit(7)))
    check("write /proc/sys/kernel/hostname", lambda: open("/proc/sys/kernel/hostname", "w").write("x"), expect_fail=True)
    if failures:
        log(f"stub-agent: {len(failures)} check(s) failed: {failures}")
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    notify("READY=1\nSTATUS=waiting for orders (stub)")
    log("stub-agent: ready")
    stop.wait()
    notify("STOPPING=1\nSTATUS=stopping")
    log("stub-agent: SIGTERM, exiting 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
