package org.virtiotrace.host.sync;

/**
 * One clock-sync round trip. The host wrote the probe at {@code hostSent} and read the reply at
 * {@code hostReceived} (host CLOCK_MONOTONIC); the guest read the probe at {@code guestReceived}
 * and replied at {@code guestReplied} (guest trace clock). Causality alone bounds the offset:
 * the probe was read after it was sent and the reply sent before it was read, so
 * {@code guestReplied - hostReceived <= guest - host <= guestReceived - hostSent}. The
 * midpoint is the estimate; half the width (the round trip minus the guest's own time) is the
 * error bound, which holds whatever the two directions' delays were.
 *
 * @param guestRealtimeMinusMono guest CLOCK_REALTIME minus CLOCK_MONOTONIC (read one after the other)
 * @param hostRealtimeMinusMono  host CLOCK_REALTIME minus CLOCK_MONOTONIC when the probe was sent
 * @param clockError    how far off the guest's reading of its trace clock against its
 *                      CLOCK_MONOTONIC can be (0 for a trace clock that is a POSIX clock)
 * @param traceMinusMono the guest's trace clock minus its CLOCK_MONOTONIC, as the guest read them
 */
public record Probe(long hostSent, long guestReceived, long guestReplied, long hostReceived,
                    long guestRealtimeMinusMono, long hostRealtimeMinusMono, long clockError, long traceMinusMono) {

    /** The time the messages spent travelling: round trip minus the guest's time between its stamps. */
    public long delay() {
        return (hostReceived - hostSent) - (guestReplied - guestReceived);
    }

    /** Half the width of the interval the true offset lies in, plus the guest's own reading error. */
    public long bound() {
        return (delay() + 1) / 2 + clockError;
    }

    /** Guest trace clock at the middle of the guest's stamps. */
    public long guestTime() {
        return guestReceived + (guestReplied - guestReceived) / 2;
    }

    /** Host CLOCK_MONOTONIC at the middle of the exchange. */
    public long hostTime() {
        return hostSent + (hostReceived - hostSent) / 2;
    }

    /** host = guest + offset, estimated at the midpoints. */
    public long offset() {
        return hostTime() - guestTime();
    }

    /** Host CLOCK_MONOTONIC minus guest CLOCK_MONOTONIC. */
    public long monoOffset() {
        return offset() + traceMinusMono;
    }

    /**
     * Host CLOCK_REALTIME minus guest CLOCK_REALTIME (the guest's wall clock error): each side's
     * wall-minus-monotonic, read together, joined by the offset, so it is as good as the bound.
     */
    public long realtimeOffset() {
        return hostRealtimeMinusMono + monoOffset() - guestRealtimeMinusMono;
    }
}
