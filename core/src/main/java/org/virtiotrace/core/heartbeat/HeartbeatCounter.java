package org.virtiotrace.core.heartbeat;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The agent's heartbeat: a counter that goes up by one every second while the agent runs
 * (the seed's vdev trace counter). It is computed from where it was last set, not ticked by a
 * thread, so every reader sees the same value at the same moment and nothing has to run for it.
 * The host may read and set it over the control port. Any thread.
 */
public final class HeartbeatCounter {
    private static final long SECOND = 1_000_000_000L;

    /** The value {@code value} held from {@code since} (System.nanoTime) on. */
    private record Base(long value, long since) {
    }

    private final AtomicReference<Base> base;

    public HeartbeatCounter() {
        base = new AtomicReference<>(new Base(0, System.nanoTime()));
    }

    /** The counter at {@code now} (System.nanoTime). */
    public long valueAt(long now) {
        Base b = base.get();
        return b.value + Math.max(0, now - b.since) / SECOND;
    }

    public long value() {
        return valueAt(System.nanoTime());
    }

    /** Sets the counter to {@code value} from now on; returns what it was. */
    public long set(long value) {
        long now = System.nanoTime();
        Base old = base.getAndSet(new Base(value, now));
        return old.value + Math.max(0, now - old.since) / SECOND;
    }

    /** When (System.nanoTime) the counter next goes up, after {@code now}. */
    public long nextTickAfter(long now) {
        Base b = base.get();
        long elapsed = Math.max(0, now - b.since);
        return b.since + (elapsed / SECOND + 1) * SECOND;
    }
}
