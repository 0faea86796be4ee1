package org.virtiotrace.core.nativeio;

import java.nio.ByteBuffer;

/**
 * The data path's door to the kernel (the agent's pumps and control thread, the collector's
 * port readers); {@link SystemCalls} is the set-up's. Everything above it sees {@link Fd} handles,
 * byte counts and {@link NativeException}s, never a raw errno or a native pointer.
 *
 * <p>Every descriptor opened here is non-blocking: no agent thread ever sleeps inside a
 * data syscall, it sleeps in {@link #poll} next to its wake-up eventfd, so stop and
 * shutdown can always reach it.
 */
public interface Native {

    /** Returned by the data calls when the kernel has nothing (or no room) right now. */
    long WOULD_BLOCK = -1;

    /** How a descriptor is opened; always with O_NONBLOCK and O_CLOEXEC. */
    enum Access { READ, WRITE, READ_WRITE }

    static Native get() {
        return NativeHolder.instance();
    }

    /** True when the shim and libc bindings loaded; see {@link #unavailabilityCause()}. */
    static boolean isAvailable() {
        return NativeHolder.cause() == null;
    }

    /** Why the native layer could not load, or null when it did. */
    static Throwable unavailabilityCause() {
        return NativeHolder.cause();
    }

    Fd open(String path, Access access) throws NativeException;

    /** A pipe whose capacity is set to {@code sizeBytes} (or what the kernel allowed). */
    Pipe pipe(int sizeBytes) throws NativeException;

    /**
     * Asks for a FIFO's (or pipe's) buffer to hold {@code sizeBytes}; returns what the kernel
     * granted (it may keep less: /proc/sys/fs/pipe-max-size). A reader of a busy FIFO wakes
     * once per buffer's worth instead of once per 64 KiB.
     */
    /** The capacity of the pipe or FIFO behind {@code fd}; fails (EBADF) for anything else. */
    int pipeSize(Fd fd) throws NativeException;

    int setPipeSize(Fd fd, int sizeBytes) throws NativeException;

    /** A non-blocking eventfd used to wake a thread out of {@link #poll}. */
    Fd eventFd() throws NativeException;

    /** splice(2) without blocking. Returns bytes moved, 0, or {@link #WOULD_BLOCK}. */
    long splice(Fd in, Fd out, long len) throws NativeException;

    /** read(2). Returns bytes read, 0 at end of file, or {@link #WOULD_BLOCK}. */
    int read(Fd fd, ByteBuffer dst) throws NativeException;

    /** write(2). Returns bytes written or {@link #WOULD_BLOCK}. */
    int write(Fd fd, ByteBuffer src) throws NativeException;

    /**
     * Waits until {@code a} or {@code b} (either may be null) is ready or the timeout
     * (ms, negative = forever) passes. Decode the result with {@link PollEvents}.
     */
    default int poll(Fd a, int eventsA, Fd b, int eventsB, int timeoutMs) throws NativeException {
        return poll(a, eventsA, b, eventsB, null, 0, timeoutMs);
    }

    /** Like the two-descriptor poll, with a third; decode with {@link PollEvents#third}. */
    int poll(Fd a, int eventsA, Fd b, int eventsB, Fd c, int eventsC, int timeoutMs) throws NativeException;

    /**
     * {@code size} bytes of memory that become resident only as they are written (mmap,
     * MAP_NORESERVE), as a direct buffer; never freed. For the rings: allocated once at
     * start, they cost nothing while no port needs them.
     */
    ByteBuffer mapAnonymous(int size) throws NativeException;

    /** Sends one sd_notify(3) datagram (READY=1, STATUS=...) to the socket systemd named. */
    void notifySystemd(String socketPath, String message) throws NativeException;

    /** Adds one to an eventfd: the thread polling it wakes up. */
    void signal(Fd eventFd) throws NativeException;

    /** Resets an eventfd to zero after a wake-up. */
    void clearSignal(Fd eventFd) throws NativeException;

    /**
     * flock(LOCK_EX|LOCK_NB). The kernel lets two processes read one trace_pipe_raw and
     * splits the pages between them (both traces get holes); agents lock each CPU's pipe
     * so a second agent is refused instead. Throws with EWOULDBLOCK when another holds it.
     */
    void lockExclusive(Fd fd) throws NativeException;

    /** Pins the calling thread to {@code cpu}. */
    void pinToCpu(int cpu) throws NativeException;

    /** The clock's current time in ns (clock_gettime), as the kernel's trace clocks of the same name read it. */
    long clockNanos(Clock clock) throws NativeException;

    /** The CPU the calling thread runs on now (sched_getcpu); it may move right after. */
    int currentCpu() throws NativeException;

    void close(Fd fd) throws NativeException;
}
