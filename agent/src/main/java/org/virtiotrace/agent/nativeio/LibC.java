package org.virtiotrace.agent.nativeio;

import jnr.ffi.annotations.Out;

/** The libc calls jnr-posix lacks; all have five arguments or fewer (jnr-ffi #181). */
public interface LibC {
    int eventfd(int initval, int flags);

    int pipe2(@Out int[] fds, int flags);

    int fcntl(int fd, int cmd, int arg);

    int mkfifo(String path, int mode);

    int mount(String source, String target, String fstype, long flags, String data);
}
