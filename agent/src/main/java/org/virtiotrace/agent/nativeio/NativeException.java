package org.virtiotrace.agent.nativeio;

import java.io.IOException;
import jnr.constants.platform.Errno;

/** A failed system call: which path, which call, and the errno by name. */
public final class NativeException extends IOException {
    private final Errno errno;
    private final String path;

    public NativeException(String path, String call, Errno errno) {
        super(path + ": " + describe(errno) + (call.isEmpty() ? "" : " (" + call + ")"));
        this.errno = errno;
        this.path = path;
    }

    static NativeException of(String path, String call, int errnoValue) {
        return new NativeException(path, call, Errno.valueOf(errnoValue));
    }

    private static String describe(Errno e) {
        return e.description() + " [" + e.name() + "]";
    }

    public Errno errno() {
        return errno;
    }

    public String path() {
        return path;
    }

    public boolean is(Errno e) {
        return errno == e;
    }
}
