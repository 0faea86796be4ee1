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
    /** How many pages back a tear may be undone (see {@link #forgetLast}). */
    static final int UNDO = 4;

    private final int pageSize;
    private final ByteOrder order;
    private final int longSize;
    private long lastTimestamp = Long.MIN_VALUE;
    /** The timestamps before the last {@link #UNDO} accepted pages, to undo a page found torn later. */
    private final long[] recent = new long[UNDO];
    private int recentCount;
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
        recent[recentCount++ % recent.length] = lastTimestamp;
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
     * pages in a row walk cleanly and follow each other in time, or -1 when none is found in
     * the bytes there are. Event payloads can pass for a page header and even for a walk
     * (measured: in marker-heavy pages an empty "page" whose timestamp is a payload value
     * does, at some offsets, page after page). So of the offsets that pass, the one whose two
     * pages hold the most data wins: a busy stream's pages are nearly full.
     */
    int realign(ByteBuffer b, int at, int limit) {
        int best = -1;
        long bestData = 0;
        for (int k = at + 1; k <= at + pageSize && k + 2 * pageSize <= limit; k++) {
            long ts = b.order(order).getLong(k);
            long next = b.getLong(k + pageSize);
            long data = (commitWord(b, k) & COMMIT_MASK) + (commitWord(b, k + pageSize) & COMMIT_MASK);
            if (data <= bestData || (commitWord(b, k) & COMMIT_MASK) == 0 || !plausible(b, k)
                    || !soon(lastTimestamp, ts) || !soon(ts, next) || defectAfter(b, k + pageSize, ts) != null) {
                continue;
            }
            // the strong test, for the few offsets left: both pages walk to their commit, and
            // the first one's last event comes no later than the second page begins
            RingBufferPage first = RingBufferPage.parse(b, k, pageSize);
            if (first.isValid() && Long.compareUnsigned(first.endTimestamp(), next) <= 0
                    && RingBufferPage.parse(b, k + pageSize, pageSize).isValid()) {
                best = k;
                bestData = data;
            }
        }
        return best;
    }

    /**
     * Event payloads hold numbers that look like page headers (hrtimer expiry times are
     * nanoseconds on the same clock): a page found by searching must also come within
     * {@link #RESYNC_WINDOW_NS} of the one before it.
     */
    private static boolean soon(long before, long ts) {
        return before == Long.MIN_VALUE || (Long.compareUnsigned(ts, before) >= 0 && ts - before < RESYNC_WINDOW_NS);
    }

    /**
     * The last accepted page turned out torn (its event walk failed once a tear showed up after
     * it): the timestamp to follow is the one before it again. False when nothing is left to undo.
     */
    boolean forgetLast() {
        if (recentCount == 0) {
            return false;
        }
        lastTimestamp = recent[--recentCount % recent.length];
        return true;
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
