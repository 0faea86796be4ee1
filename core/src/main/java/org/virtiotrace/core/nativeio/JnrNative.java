package org.virtiotrace.core.nativeio;

import java.io.IOException;
import java.nio.ByteBuffer;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** {@link Native}, {@link SystemCalls} and {@link NativePageWalk} on jnr-ffi bindings of libc and of libvtshim. */
final class JnrNative implements Native, SystemCalls, NativePageWalk {
    private static final int SPLICE_F_MOVE = 1;
    private static final int SPLICE_F_NONBLOCK = 2;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int EFD_NONBLOCK = 04000;
    private static final int EFD_CLOEXEC = 02000000;
    private static final int EAGAIN = Errno.EAGAIN.intValue();
    private static final int EINTR = Errno.EINTR.intValue();
    private static final int O_NONBLOCK = OpenFlags.O_NONBLOCK.intValue();
    private static final int O_CLOEXEC = OpenFlags.O_CLOEXEC.intValue();

    private final LibC libc;
    private final Runtime libcRuntime;
    private final ShimLibrary shim;
    private final ThreadLocal<ByteBuffer> eventBuf =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder()));

    JnrNative() throws IOException {
        this.libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        this.libcRuntime = Runtime.getRuntime(libc);
        this.shim = ShimLoader.load();
    }

    @Override
    public Fd open(String path, Access access) throws NativeException {
        int mode = switch (access) {
            case READ -> OpenFlags.O_RDONLY.intValue();
            case WRITE -> OpenFlags.O_WRONLY.intValue();
            case READ_WRITE -> OpenFlags.O_RDWR.intValue();
        };
        int fd = libc.open(path, mode | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.of(path, "open", errno());
        }
        return new Fd(fd, path, true);
    }

    @Override
    public int pipeSize(Fd fd) throws NativeException {
        int size = libc.fcntl(fd.number(), F_GETPIPE_SZ, 0);
        if (size < 0) {
            throw NativeException.of(fd.path(), "fcntl(F_GETPIPE_SZ)", errno());
        }
        return size;
    }

    @Override
    public int setPipeSize(Fd fd, int sizeBytes) throws NativeException {
        libc.fcntl(fd.number(), F_SETPIPE_SZ, sizeBytes); // refused sizes leave the old one: read it back
        return pipeSize(fd);
    }

    @Override
    public Pipe pipe(int sizeBytes) throws NativeException {
        int[] fds = new int[2];
        if (libc.pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
            throw NativeException.of("pipe", "pipe2", errno());
        }
        Fd r = new Fd(fds[0], "pipe", true);
        Fd w = new Fd(fds[1], "pipe", true);
        // Above /proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE the kernel says EPERM;
        // the caller learns the granted capacity and decides whether that is worth a warning.
        libc.fcntl(fds[1], F_SETPIPE_SZ, sizeBytes);
        int granted = libc.fcntl(fds[1], F_GETPIPE_SZ, 0);
        if (granted < 0) {
            int err = errno();
            r.close();
            w.close();
            throw NativeException.of("pipe", "F_GETPIPE_SZ", err);
        }
        return new Pipe(r, w, granted);
    }

    @Override
    public Fd eventFd() throws NativeException {
        int fd = libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) {
            throw NativeException.of("eventfd", "eventfd", errno());
        }
        return new Fd(fd, "eventfd", true);
    }

    @Override
    public long splice(Fd in, Fd out, long len) throws NativeException {
        long n = shim.vt_splice(in.number(), out.number(), len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n >= 0) {
            return n;
        }
        if (n == -EAGAIN) {
            return WOULD_BLOCK;
        }
        // Name the side that failed: EPIPE/ENOSPC-like errors belong to the output,
        // EBUSY/EINVAL from the trace pipe to the input.
        int err = (int) -n;
        throw NativeException.of(NativeException.isOutputSide(err) ? out.path() : in.path(), "splice", err);
    }

    @Override
    public int read(Fd fd, ByteBuffer dst) throws NativeException {
        while (true) {
            int n = (int) libc.read(fd.number(), atPosition(dst), dst.remaining());
            if (n >= 0) {
                dst.position(dst.position() + n);
                return n;
            }
            int err = errno();
            if (err == EAGAIN) {
                return (int) WOULD_BLOCK;
            }
            if (err != EINTR) {
                throw NativeException.of(fd.path(), "read", err);
            }
        }
    }

    @Override
    public int write(Fd fd, ByteBuffer src) throws NativeException {
        while (true) {
            int n = (int) libc.write(fd.number(), atPosition(src), src.remaining());
            if (n >= 0) {
                src.position(src.position() + n);
                return n;
            }
            int err = errno();
            if (err == EAGAIN) {
                return (int) WOULD_BLOCK;
            }
            if (err != EINTR) {
                throw NativeException.of(fd.path(), "write", err);
            }
        }
    }

    /** errno of this thread's last libc call; jnr-ffi saves it right after each call. */
    private int errno() {
        return libcRuntime.getLastError();
    }

    @Override
    public long walk(ByteBuffer direct, int offset, int pageSize, long beatKey, long[] beat) {
        if (!direct.isDirect() || offset < 0 || offset > direct.limit() - pageSize) {
            throw new IllegalArgumentException("a page needs " + pageSize + " bytes of a direct buffer at " + offset);
        }
        Object[] cached = lastBuffer.get();
        if (cached[0] != direct) { // each collector thread walks pages of one buffer: wrap it once
            cached[0] = direct;
            cached[1] = jnr.ffi.Pointer.wrap(jnr.ffi.Runtime.getRuntime(shim), direct);
        }
        return shim.vt_page_walk((jnr.ffi.Pointer) cached[1], offset, pageSize, beatKey, beat);
    }

    private final ThreadLocal<Object[]> lastBuffer = ThreadLocal.withInitial(() -> new Object[2]);

    /** jnr passes a buffer's base address, not its position: hand it a view that starts there. */
    private static ByteBuffer atPosition(ByteBuffer b) {
        return b.position() == 0 ? b : b.slice();
    }

    @Override
    public int poll(Fd a, int eventsA, Fd b, int eventsB, Fd c, int eventsC, int timeoutMs) throws NativeException {
        int r = shim.vt_poll3(pack(a, eventsA), pack(b, eventsB), pack(c, eventsC), timeoutMs);
        if (r < 0) {
            throw NativeException.of(a == null ? "poll" : a.path(), "poll", -r);
        }
        return r;
    }

    private static long pack(Fd fd, int events) {
        return ((long) (fd == null ? -1 : fd.number()) << 16) | (events & 0xffff);
    }

    @Override
    public ByteBuffer mapAnonymous(int size) throws NativeException {
        long address = shim.vt_map_anonymous(size);
        if (address < 0 && address > -4096) {
            throw NativeException.of("anonymous memory of " + size + " bytes", "mmap", (int) -address);
        }
        return com.kenai.jffi.MemoryIO.getInstance().newDirectByteBuffer(address, size)
                .order(java.nio.ByteOrder.nativeOrder());
    }

    @Override
    public void notifySystemd(String socketPath, String message) throws NativeException {
        int r = shim.vt_notify(socketPath, message);
        if (r < 0) {
            throw NativeException.of(socketPath, "sendto", -r);
        }
    }


    @Override
    public void signal(Fd eventFd) throws NativeException {
        ByteBuffer b = eventBuf.get();
        b.clear();
        b.putLong(0, 1L);
        int n = write(eventFd, b);
        // WOULD_BLOCK means the counter is at its maximum: the reader is already awake.
        if (n == 0) {
            throw NativeException.ioError(eventFd.path(), "write");
        }
    }

    @Override
    public void clearSignal(Fd eventFd) throws NativeException {
        ByteBuffer b = eventBuf.get();
        b.clear();
        read(eventFd, b);
    }

    @Override
    public void lockExclusive(Fd fd) throws NativeException {
        if (libc.flock(fd.number(), LOCK_EX | LOCK_NB) < 0) {
            throw NativeException.of(fd.path(), "flock", errno());
        }
    }

    @Override
    public void pinToCpu(int cpu) throws NativeException {
        int r = shim.vt_pin_cpu(cpu);
        if (r < 0) {
            throw NativeException.of("cpu" + cpu, "sched_setaffinity", -r);
        }
    }

    @Override
    public long clockNanos(Clock clock) throws NativeException {
        long[] ts = new long[2];
        if (libc.clock_gettime(clock.id(), ts) < 0) {
            throw NativeException.of(clock.name(), "clock_gettime", errno());
        }
        return ts[0] * 1_000_000_000L + ts[1];
    }

    @Override
    public int currentCpu() throws NativeException {
        int cpu = libc.sched_getcpu();
        if (cpu < 0) {
            throw NativeException.of("cpu", "sched_getcpu", errno());
        }
        return cpu;
    }

    @Override
    public void mkfifo(String path, int mode) throws NativeException {
        if (libc.mkfifo(path, mode) < 0) {
            throw NativeException.of(path, "mkfifo", errno());
        }
    }

    @Override
    public void mount(String fsType, String target) throws NativeException {
        if (libc.mount("nodev", target, fsType, 0L, null) < 0) {
            throw NativeException.of(target, "mount -t " + fsType, errno());
        }
    }

    @Override
    public boolean isTerminal(int fd) {
        return libc.isatty(fd) == 1;
    }

    @Override
    public void close(Fd fd) throws NativeException {
        int n = fd.release();
        if (n >= 0 && libc.close(n) < 0) {
            throw NativeException.of(fd.path(), "close", errno());
        }
    }
}
