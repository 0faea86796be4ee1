package org.virtiotrace.core.sink;

import java.nio.ByteBuffer;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * Where one CPU's pages go. A pump moves whole pages from its pipe into the sink,
 * holding the sink for the whole chunk so that pages of different CPUs sharing one
 * sink (stdout) never interleave mid-page.
 */
public interface Sink extends AutoCloseable {

    /** The path or name, for messages. */
    String name();

    /** Moves up to {@code len} bytes out of {@code pipe}; bytes moved or Native.WOULD_BLOCK. */
    long drainFrom(Fd pipe, long len) throws NativeException;

    /** write(2) of {@code src}'s remaining bytes: bytes written, 0 when the sink is full right now. */
    int write(ByteBuffer src) throws NativeException;

    /**
     * Whether a reader may come back after EPIPE. A FIFO's host can reopen it; stdout's
     * reader (`trace-agent -o | head`) never does, so waiting for one would hang forever.
     */
    boolean readerCanReturn();

    /** What to poll for POLLOUT when {@link #drainFrom} would block. */
    Fd pollable();

    /** Exclusive use for one chunk; false when another pump held it for {@code timeoutMs}. */
    boolean acquire(long timeoutMs) throws InterruptedException;

    void release();

    @Override
    void close();
}
