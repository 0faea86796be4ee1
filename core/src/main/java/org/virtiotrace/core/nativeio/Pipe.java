package org.virtiotrace.core.nativeio;

/** Both ends of a pipe and the capacity the kernel granted. */
public record Pipe(Fd readEnd, Fd writeEnd, int capacity) implements AutoCloseable {
    @Override
    public void close() {
        readEnd.close();
        writeEnd.close();
    }
}
