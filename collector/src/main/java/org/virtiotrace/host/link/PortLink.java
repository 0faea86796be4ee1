package org.virtiotrace.host.link;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The host's end of one virtio-serial port: a FIFO pair of QEMU's pipe chardev, or a unix
 * socket of its socket chardev. One thread owns a link; only {@link #wake()} may be called
 * from another.
 */
public interface PortLink extends AutoCloseable {
    /** What to name in messages: the path read from. */
    String describe();

    /**
     * Reads what is there into {@code dst}, waiting up to {@code timeoutMs} for the first byte.
     * Returns bytes read, 0 on timeout or {@link #wake()}, -1 when the other side has gone
     * (QEMU exited, the socket closed).
     */
    int read(ByteBuffer dst, int timeoutMs) throws IOException;

    /** Writes all of {@code src}, waiting up to {@code timeoutMs}; throws when it cannot. */
    void write(ByteBuffer src, int timeoutMs) throws IOException;

    /** Makes a read in progress on the owning thread return 0 now. Any thread. */
    void wake();

    @Override
    void close();
}
