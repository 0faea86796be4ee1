package org.virtiotrace.core.nativeio;

import java.io.IOException;
import jnr.constants.platform.Errno;

/**
 * A failed system call: which path, which call, and the errno by name. Callers ask what kind
 * of failure it was through the predicates below, never by errno number: the errno stays inside
 * the native layer.
 */
public final class NativeException extends IOException {
    private final Errno errno;
    private final String path;

    private NativeException(String path, String call, Errno errno) {
        super(path + ": " + describe(errno) + (call.isEmpty() ? "" : " (" + call + ")"));
        this.errno = errno;
        this.path = path;
    }

    static NativeException of(String path, String call, int errnoValue) {
        return new NativeException(path, call, Errno.valueOf(errnoValue));
    }

    static NativeException of(String path, String call, Errno errno) {
        return new NativeException(path, call, errno);
    }

    /** Another process holds what was asked for exclusively (EBUSY): a second reader of a trace pipe. */
    public static NativeException busy(String path, String call) {
        return new NativeException(path, call, Errno.EBUSY);
    }

    /** An I/O error the kernel did not report but the caller found (a pipe that lost bytes): EIO. */
    public static NativeException ioError(String path, String call) {
        return new NativeException(path, call, Errno.EIO);
    }

    /** A descriptor already closed by its owner: EBADF. */
    public static NativeException closed(String path, String call) {
        return new NativeException(path, call, Errno.EBADF);
    }

    /** The same failure, with what to do about it in the call's place. */
    public NativeException explained(String what) {
        return new NativeException(path, what, errno);
    }

    private static String describe(Errno e) {
        return e.description() + " [" + e.name() + "]";
    }

    public String path() {
        return path;
    }

    /**
     * The errno as a number, for the one format that records it (the session log's
     * vt_port_error, as QEMU's replay log records a failed read). Decisions use the predicates.
     */
    public int errnoNumber() {
        return errno.intValue();
    }

    /** No such file or directory (ENOENT). */
    public boolean isMissing() {
        return errno == Errno.ENOENT;
    }

    /** A FIFO opened for writing without a reader (ENXIO): nobody reads it. */
    public boolean isWithoutReader() {
        return errno == Errno.ENXIO;
    }

    /** A pipe or FIFO whose reader went away (EPIPE). */
    public boolean isBrokenPipe() {
        return errno == Errno.EPIPE;
    }

    /** Held by someone else (EBUSY, or EWOULDBLOCK from a non-blocking lock). */
    public boolean isBusy() {
        return errno == Errno.EBUSY || errno == Errno.EWOULDBLOCK || errno == Errno.EAGAIN;
    }

    /** The device went away under an open descriptor (a hot-unplugged port): ENODEV or EIO. */
    public boolean isDeviceGone() {
        return errno == Errno.ENODEV || errno == Errno.EIO;
    }

    /** Not allowed (EPERM, EACCES): not root, or a read-only file system. */
    public boolean isNotPermitted() {
        return errno == Errno.EPERM || errno == Errno.EACCES || errno == Errno.EROFS;
    }

    /** The device or file system is full (ENOSPC, EDQUOT). */
    public boolean isFull() {
        return errno == Errno.ENOSPC || errno == Errno.EDQUOT;
    }

    /** Which side of a splice failed: the output's errors (EPIPE, ENOSPC, EIO), or the input's. */
    static boolean isOutputSide(int errnoValue) {
        Errno e = Errno.valueOf(errnoValue);
        return e == Errno.EPIPE || e == Errno.ENOSPC || e == Errno.EIO;
    }
}
