package org.virtiotrace.host.record;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGINT/SIGTERM as a recording sees them: the first asks it to stop (the stop order, the tail,
 * the final update, the files), a second to hurry (the waits that remain are skipped, nothing
 * else changes). Set from the signal thread, read by the recording's.
 */
final class StopRequest {
    private final CountDownLatch asked = new CountDownLatch(1);
    private volatile boolean hurry;

    /** Any thread, any number of times. */
    void interrupt() {
        if (asked.getCount() == 0) {
            hurry = true;
        }
        asked.countDown();
    }

    /** Waits up to {@code nanos} for a stop; true when one came. */
    boolean await(long nanos) throws InterruptedException {
        return asked.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** A stop was asked (no wait). */
    boolean asked() {
        return asked.getCount() == 0;
    }

    /** A second interrupt came: skip the waits. */
    boolean hurry() {
        return hurry;
    }
}
