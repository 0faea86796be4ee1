package org.virtiotrace.agent.control;

import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;

/**
 * The control port as opened at start: its descriptor, how it was opened, and where replies go
 * when not on it (a FIFO's {@code NAME.out}), or null.
 */
public record ControlPort(Fd fd, Native.Access access, String replyPath) implements AutoCloseable {
    @Override
    public void close() {
        fd.close();
    }
}
