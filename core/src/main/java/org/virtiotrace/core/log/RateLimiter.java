package org.virtiotrace.core.log;

/**
 * Lets at most {@code burst} events through per window, then one "suppressed" note:
 * a host writing garbage in a loop must not turn into a log flood.
 */
public final class RateLimiter {
    private final int burst;
    private final long windowNanos;
    private long windowStart;
    private int count;

    public RateLimiter(int burst, long windowNanos) {
        this.burst = burst;
        this.windowNanos = windowNanos;
        this.windowStart = System.nanoTime() - windowNanos;
    }

    /** 1 = log it, 0 = log that further ones are suppressed, -1 = stay quiet. */
    public synchronized int admit() {
        long now = System.nanoTime();
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            count = 0;
        }
        count++;
        return count <= burst ? 1 : count == burst + 1 ? 0 : -1;
    }
}
