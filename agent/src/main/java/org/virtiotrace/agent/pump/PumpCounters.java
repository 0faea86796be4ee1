package org.virtiotrace.agent.pump;

/** What one pump has delivered; written by the pump only, readable from any thread. */
public final class PumpCounters {
    private volatile long bytes;
    private volatile long flushedPages;

    void addBytes(long n) {
        bytes += n; // single writer: the pump thread
    }

    void addFlushedPage() {
        flushedPages++;
    }

    public long bytes() {
        return bytes;
    }

    /** Partial pages delivered on stop or exit. */
    public long flushedPages() {
        return flushedPages;
    }
}
