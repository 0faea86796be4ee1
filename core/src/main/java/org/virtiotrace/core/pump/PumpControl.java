package org.virtiotrace.core.pump;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * What one pump should be doing, and the eventfd that tells it to look.
 *
 * <p>Happens-before: the mode is written (atomically) before the eventfd is signalled;
 * the pump clears the eventfd before it reads the mode. A change made at any moment is
 * therefore either seen at the pump's next read or leaves the eventfd set, so the
 * pump's next poll returns at once. SHUTDOWN is final: a late order cannot undo it.
 */
public final class PumpControl implements AutoCloseable {
    public enum Mode { PAUSED, RUNNING, SHUTDOWN }

    private final Native nat;
    private final Fd wake;
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.PAUSED);
    /** Set when a run ends: the pump must flush even if it never saw RUNNING ("1\n0\n" in one write). */
    private final AtomicBoolean stopPending = new AtomicBoolean();
    /** A source for the next run, handed over by {@link #follow}; taken by the pump before it reads the mode. */
    private final AtomicReference<TraceSource> nextSource = new AtomicReference<>();
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private volatile long startedAt;

    public PumpControl(Native nat) throws NativeException {
        this.nat = nat;
        this.wake = nat.eventFd();
    }

    public void start() {
        startedAt = System.nanoTime();
        set(Mode.RUNNING);
    }

    /** When the last start order was given (System.nanoTime), for latency reports. */
    long startedAt() {
        return startedAt;
    }

    /**
     * The next run reads {@code source} (a private instance's pipe), and only that run: at the end
     * of its stop's tail the pump closes it, calls its {@code released} and goes back to its own
     * buffer. Call while paused, before {@link #start}: the pump takes it before it looks at the
     * mode, so a start right after is a start on the new source.
     */
    public void follow(TraceSource source) {
        TraceSource old = nextSource.getAndSet(source);
        if (old != null) {
            old.trace().close(); // never taken: still the caller's, so close it here
            old.released().run();
        }
        wakeUp();
    }

    /** The source handed over since the last look, or null. */
    TraceSource takeSource() {
        // a plain read first: the pump looks at every turn of its loop, a write each time would cost
        return nextSource.get() == null ? null : nextSource.getAndSet(null);
    }

    public void pause() {
        set(Mode.PAUSED);
    }

    /** Stop for good; work still in hand may continue until {@code deadlineNanos} (System.nanoTime). */
    public void shutdown(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
        if (mode.getAndSet(Mode.SHUTDOWN) == Mode.RUNNING) {
            stopPending.set(true);
        }
        wakeUp();
    }

    Mode mode() {
        return mode.get();
    }

    /** True once shutdown was ordered and its grace period is over. */
    boolean shutdownExpired() {
        return mode.get() == Mode.SHUTDOWN && System.nanoTime() - deadlineNanos >= 0;
    }

    Fd wakeFd() {
        return wake;
    }

    void acknowledgeWake() throws NativeException {
        nat.clearSignal(wake);
    }

    /** Consumes the "a run ended" mark. */
    boolean takeStopPending() {
        return stopPending.getAndSet(false);
    }

    /** Milliseconds left of shutdown's grace period, or {@code otherwise} when not shutting down. */
    int msLeftOr(int otherwise) {
        if (mode.get() != Mode.SHUTDOWN) {
            return otherwise;
        }
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        return (int) Math.max(0, Math.min(otherwise, left + 1));
    }

    private void set(Mode next) {
        Mode prev = mode.getAndUpdate(m -> m == Mode.SHUTDOWN ? m : next);
        if (prev == Mode.RUNNING && next == Mode.PAUSED) {
            stopPending.set(true);
        }
        if (prev != Mode.SHUTDOWN && prev != next) {
            wakeUp();
        }
    }

    /** Makes the pump look at once (its poll returns), as any order does. */
    void wakeUp() {
        try {
            nat.signal(wake);
        } catch (NativeException | IllegalStateException e) {
            // the pump has already gone: nothing left to wake
        }
    }

    @Override
    public void close() {
        wake.close();
    }
}
