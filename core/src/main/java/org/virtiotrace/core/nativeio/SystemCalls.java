package org.virtiotrace.core.nativeio;

/**
 * The native calls that set things up rather than move data: FIFOs for ports, mounting tracefs,
 * asking whether a stream is a terminal. Bound from libc with the data path's calls (one library,
 * one load, one door), but apart from {@link Native} so the hot path's interface stays the hot
 * path's. Everything else a setup needs (permissions, owners, groups) the JDK's file API does.
 */
public interface SystemCalls {
    /** Standard error's descriptor, for {@link #isTerminal}. */
    int STDERR = 2;

    static SystemCalls get() {
        return NativeHolder.systemCalls();
    }

    /** mkfifo(3) with {@code mode} (the umask may take bits away: set them afterwards if they matter). */
    void mkfifo(String path, int mode) throws NativeException;

    /** mount(2) of a pseudo file system with no source device: {@code mount -t FSTYPE nodev TARGET}. */
    void mount(String fsType, String target) throws NativeException;

    /** isatty(3): whether a progress line may be drawn on this descriptor. */
    boolean isTerminal(int fd);
}
