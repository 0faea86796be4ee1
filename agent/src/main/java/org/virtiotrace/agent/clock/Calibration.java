package org.virtiotrace.agent.clock;

/**
 * One reading of a trace clock against CLOCK_MONOTONIC: the trace clock read {@code trace}
 * at a moment between the two monotonic reads. The guest stamps clock-sync probes with the
 * exact monotonic clock and carries them into the trace clock with this, so the way the
 * trace clock is read (a marker read back from a ring buffer takes tens of microseconds)
 * never lands between a probe's arrival and its reply.
 */
public record Calibration(long trace, long monoBefore, long monoAfter) {
    /** Trace clock minus CLOCK_MONOTONIC, at the middle of the bracket. */
    public long offset() {
        return trace - (monoBefore + (monoAfter - monoBefore) / 2);
    }

    /** Half the bracket: how far off {@link #offset()} can be. */
    public long error() {
        return (monoAfter - monoBefore + 1) / 2;
    }
}
