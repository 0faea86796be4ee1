package org.virtiotrace.agent.pump;

/** What one pump has delivered; written by the pump only, readable from any thread. */
public final class PumpCounters {
    private volatile long bytes;
    private volatile long flushedPages;
    private volatile long wakeups;
    private volatile long chunks;

    void addBytes(long n) {
        bytes += n; // single writer: the pump thread
    }

    void addFlushedPage() {
        flushedPages++;
    }

    void addWakeup() {
        wakeups++;
    }

    void addChunk() {
        chunks++;
    }

    /** Times the pump slept and woke up while running. */
    public long wakeups() {
        return wakeups;
    }

    /** splice calls that took pages from the kernel. */
    public long chunks() {
        return chunks;
    }

    public long bytes() {
        return bytes;
    }

    /** Partial pages delivered on stop or exit. */
    public long flushedPages() {
        return flushedPages;
    }
}
