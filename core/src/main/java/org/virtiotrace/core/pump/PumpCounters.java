package org.virtiotrace.core.pump;

/** What one pump has delivered; written by the pump only, readable from any thread. */
public final class PumpCounters {
    private volatile long bytes;
    private volatile long flushedPages;
    private volatile long wakeups;
    private volatile long chunks;
    private volatile long ringBytes;

    void addBytes(long n) {
        bytes += n; // single writer: the pump thread
    }

    void addRingBytes(long n) {
        ringBytes += n;
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

    /** Bytes the sink (port or stdout) took, straight or from memory. */
    public long bytes() {
        return bytes;
    }

    /** Bytes that went into memory because the port was missing, stalled, or not wanted. */
    public long ringBytes() {
        return ringBytes;
    }

    /** Partial pages delivered on stop or exit. */
    public long flushedPages() {
        return flushedPages;
    }
}
