package org.virtiotrace.host.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.virtiotrace.agent.tracefs.RingBufferPage;

/**
 * Checks one CPU's pages as they arrive, cheaply enough for the hot path: the header must
 * be sane (commit within the page) and timestamps must not go back. The kernel's own marks
 * of overwritten events (commit bits 31 and 30, the count stored after the data) are summed
 * here: the "lost" of the progress line. A page that fails is torn; {@link #realign} then
 * looks for where whole pages start again, with the full event walk to be sure.
 */
final class PageCheck {
    private static final long MISSED_EVENTS = 1L << 31;
    private static final long MISSED_STORED = 1L << 30;
    private static final long COMMIT_MASK = (1L << 27) - 1;

    static final long RESYNC_WINDOW_NS = 60L * 60 * 1_000_000_000;

    private final int pageSize;
    private final ByteOrder order;
    private final int longSize;
    private long lastTimestamp = Long.MIN_VALUE;
    // written by the collector's thread only, read by the progress line
    private volatile long lostEvents;
    private volatile long pagesWithUncountedLoss;

    PageCheck(int pageSize, ByteOrder order, int longSize) {
        this.pageSize = pageSize;
        this.order = order;
        this.longSize = longSize;
    }

    /** True when the page at {@code at} is whole and follows the last one; counts its losses. */
    boolean accept(ByteBuffer b, int at) {
        if (!plausible(b, at)) {
            return false;
        }
        long commit = commitWord(b, at);
        lastTimestamp = b.getLong(at);
        if ((commit & MISSED_EVENTS) != 0) {
            int data = (int) (commit & COMMIT_MASK);
            if ((commit & MISSED_STORED) != 0 && 16 + data + longSize <= pageSize) {
                lostEvents += longSize == 8 ? b.getLong(at + 16 + data) : Integer.toUnsignedLong(b.getInt(at + 16 + data));
            } else {
                pagesWithUncountedLoss++;
            }
        }
        return true;
    }

    private boolean plausible(ByteBuffer b, int at) {
        return defect(b, at) == null;
    }

    /**
     * The commit field's low 32 bits: the kernel adds the missed-events flags as an int, so on a
     * 64-bit kernel bit 31 sign-extends into the upper half (0xffffffffc0000fc8).
     */
    private long commitWord(ByteBuffer b, int at) {
        long c = b.order(order).getLong(at + 8);
        return longSize == 8 ? c & 0xffff_ffffL : c;
    }

    /** Why the page at {@code at} cannot be a whole page following the last one, or null. */
    String defect(ByteBuffer b, int at) {
        b.order(order);
        long ts = b.getLong(at);
        long commit = commitWord(b, at);
        long data = commit & COMMIT_MASK;
        if ((commit & ~(COMMIT_MASK | MISSED_EVENTS | MISSED_STORED)) != 0 || data > pageSize - 16) {
            return String.format("commit field 0x%x is not a page's", commit);
        }
        if (ts == 0) {
            return "timestamp 0";
        }
        if (lastTimestamp != Long.MIN_VALUE && Long.compareUnsigned(ts, lastTimestamp) < 0) {
            return "timestamp " + ts + " goes back from " + lastTimestamp;
        }
        return null;
    }

    /**
     * After a torn page at {@code at}: the first offset in (at, at + pageSize] where two
     * pages in a row walk cleanly and follow each other (one could by chance), or -1 when
     * none is found in the bytes there are.
     */
    int realign(ByteBuffer b, int at, int limit) {
        for (int k = at + 1; k <= at + pageSize && k + 2 * pageSize <= limit; k++) {
            long ts = b.order(order).getLong(k);
            long next = b.getLong(k + pageSize);
            if (plausible(b, k) && soon(lastTimestamp, ts) && soon(ts, next) && walks(b, k)
                    && walks(b, k + pageSize) && defectAfter(b, k + pageSize, ts) == null) {
                return k;
            }
        }
        return -1;
    }

    /**
     * Event payloads hold numbers that look like page headers (hrtimer expiry times are
     * nanoseconds on the same clock): a page found by searching must also come within
     * {@link #RESYNC_WINDOW_NS} of the one before it.
     */
    private static boolean soon(long before, long ts) {
        return before == Long.MIN_VALUE || (Long.compareUnsigned(ts, before) >= 0 && ts - before < RESYNC_WINDOW_NS);
    }

    /** The full event walk: every event header inside the page, ending exactly at commit. */
    boolean walks(ByteBuffer b, int at) {
        return RingBufferPage.parse(b, at, pageSize).isValid();
    }

    private String defectAfter(ByteBuffer b, int at, long previousTimestamp) {
        long saved = lastTimestamp;
        lastTimestamp = previousTimestamp;
        try {
            return defect(b, at);
        } finally {
            lastTimestamp = saved;
        }
    }

    long lostEvents() {
        return lostEvents;
    }

    long pagesWithUncountedLoss() {
        return pagesWithUncountedLoss;
    }
}
