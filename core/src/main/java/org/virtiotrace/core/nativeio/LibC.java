package org.virtiotrace.core.nativeio;

import java.nio.ByteBuffer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls the agent makes besides the shim's, each with five arguments or fewer
 * (jnr-ffi #181). Bound here rather than through jnr-posix: jnr-posix generates its
 * whole ~300-function libc binding at first use, measured at 350 ms of start-up here,
 * most of the agent's 500 ms budget to an open control port.
 */
public interface LibC {
    int open(String path, int flags, int mode);

    int close(int fd);

    @ssize_t long read(int fd, @Out ByteBuffer buf, @size_t long count);

    @ssize_t long write(int fd, @In ByteBuffer buf, @size_t long count);

    int flock(int fd, int operation);

    int eventfd(int initval, int flags);

    int pipe2(@Out int[] fds, int flags);

    int fcntl(int fd, int cmd, int arg);

    int mkfifo(String path, int mode);

    int mount(String source, String target, String fstype, long flags, String data);

    /** struct timespec on LP64 is two longs: seconds, nanoseconds. */
    int clock_gettime(int clockId, @Out long[] timespec);

    int sched_getcpu();

    int isatty(int fd);
}
