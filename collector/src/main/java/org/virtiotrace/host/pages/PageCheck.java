package org.virtiotrace.host.pages;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.virtiotrace.core.heartbeat.BeatWalk;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageWalker;
import org.virtiotrace.core.page.RingBufferPage;

/**
 * Checks one CPU's pages as they arrive, cheaply enough for the hot path: the header must
 * be sane (commit within the page) and timestamps must not go back. The kernel's own marks
 * of overwritten events (commit bits 31 and 30, the count stored after the data) are summed
 * here: the "lost" of the progress line. A page that fails is torn; {@link #realign} then
 * looks for where whole pages start again, with the full event walk to be sure.
 */
public final class PageCheck {
    static final long RESYNC_WINDOW_NS = 60L * 60 * 1_000_000_000;
    /** How many pages back a tear may be undone (see {@link #forgetLast}): the last accepted one. */
    static final int UNDO = 1;

    private final PageFormat format;
    private final int pageSize;
    private final BeatWalk walk;
    private long lastTimestamp = Long.MIN_VALUE;
    /** The time of the last accepted page's last event. */
    private long lastEnd = Long.MIN_VALUE;
    /** The times to follow again if the last accepted page is found torn later. */
    private long beforeLastTimestamp;
    private long beforeLastEnd;
    private boolean canForget;
    private boolean tookBack;
    /** What a heartbeat looks like (see {@link #beatKey}), or -1 to look for none. */
    private long beatKey = -1;
    private final long[] beat = new long[3];
    /** Each accepted page's newest heartbeat: its trace time and the guest CLOCK_MONOTONIC in it. */
    private final List<HeartbeatRecord.Beat> beatTimes = new ArrayList<>();
    /** Enough for a day of one heartbeat a second; more says nothing new about a clock. */
    static final int MAX_BEAT_TIMES = 86_400;
    // written by the collector's thread only, read by the progress line
    private volatile long lastHeartbeat = -1;
    private volatile long lostEvents;
    private volatile long pagesWithUncountedLoss;

    public PageCheck(PageFormat format) {
        this.format = format;
        this.pageSize = format.pageSize();
        this.walk = new BeatWalk(format);
    }

    public PageFormat format() {
        return format;
    }

    /** From now on the walk also notes the newest heartbeat of the accepted pages ({@link HeartbeatRecord#key}). Before the first page. */
    public void watchHeartbeats(long key) {
        this.beatKey = key;
    }

    /** Each accepted page's newest heartbeat's times, in order; read once the collector's thread has ended. */
    public List<HeartbeatRecord.Beat> heartbeatTimes() {
        return Collections.unmodifiableList(beatTimes);
    }

    /** The newest heartbeat counter in the accepted pages, -1 before the first. */
    public long lastHeartbeat() {
        return lastHeartbeat;
    }

    /**
     * True when the page at {@code at} is whole and follows the last one; counts its losses.
     * Whole means its events walk exactly to its commit, and it begins no earlier than the last
     * page's last event: bytes lost inside a stream shift what looks like a header onto event
     * payloads, which can pass a header check page after page (the same payload at the same
     * offset of each page), but not the walk and the times together. The walk costs about a
     * tenth of the collector's CPU at the heaviest load measured here.
     */
    boolean accept(ByteBuffer b, int at) {
        if (!plausible(b, at)) {
            return false;
        }
        long ts = b.getLong(at);
        long end = walk.walk(b, at, beatKey, beat);
        if (end == PageWalker.TORN || (lastEnd != Long.MIN_VALUE && Long.compareUnsigned(ts, lastEnd) < 0)) {
            return false;
        }
        beforeLastTimestamp = lastTimestamp;
        beforeLastEnd = lastEnd;
        canForget = true;
        lastTimestamp = ts;
        lastEnd = end;
        if (beat[0] > lastHeartbeat) {
            lastHeartbeat = beat[0];
            if (beatTimes.size() < MAX_BEAT_TIMES) {
                beatTimes.add(new HeartbeatRecord.Beat(beat[1], beat[2]));
            }
        }
        long missed = RingBufferPage.missedCount(b, at, format);
        if (missed > 0) {
            lostEvents += missed;
        } else if (missed < 0) {
            pagesWithUncountedLoss++;
        }
        return true;
    }

    private boolean plausible(ByteBuffer b, int at) {
        return defect(b, at) == null;
    }

    /** Why {@link #accept} refused the page at {@code at}: the header, or its events. */
    String reason(ByteBuffer b, int at) {
        String d = defect(b, at);
        if (d != null) {
            return d;
        }
        RingBufferPage p = RingBufferPage.parse(b.order(format.order()), at, format);
        return p.isValid() ? "timestamp " + p.timestamp() + " is before the last page's last event, " + lastEnd
                : "its events do not fit its commit (" + p.defect() + ")";
    }

    /** Why the header of the page at {@code at} cannot be a whole page following the last one, or null. */
    String defect(ByteBuffer b, int at) {
        b.order(format.order());
        long ts = b.getLong(at);
        long commit = RingBufferPage.commitWord(b, at, format);
        if (RingBufferPage.hasStrayBits(commit) || RingBufferPage.dataBytes(commit) > format.dataCapacity()) {
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
     * After a tear: the offset in (lo, hi] where two pages in a row walk cleanly and follow
     * each other (and the last accepted page) in time, or -1 when none is found in the bytes
     * there are. Event payloads can pass for a page header and even for a walk
     * (measured: in marker-heavy pages an empty "page" whose timestamp is a payload value
     * does, at some offsets, page after page), but hardly with a long walk: the earliest offset
     * whose two pages are at least half full wins (a busy stream's pages are nearly full, and
     * the pages after the true start pass too, so the earliest), else the one with the most data.
     */
    int realign(ByteBuffer b, int lo, int hi, int limit) {
        int best = -1;
        long bestData = 0;
        for (int k = lo + 1; k <= hi && k + 2 * pageSize <= limit; k++) {
            long ts = b.order(format.order()).getLong(k);
            long next = b.getLong(k + pageSize);
            int first = RingBufferPage.dataBytes(RingBufferPage.commitWord(b, k, format));
            long data = first + RingBufferPage.dataBytes(RingBufferPage.commitWord(b, k + pageSize, format));
            if (data <= bestData || first == 0 || !plausible(b, k)
                    || !soon(lastTimestamp, ts) || !soon(ts, next) || defectAfter(b, k + pageSize, ts) != null
                    || (lastEnd != Long.MIN_VALUE && Long.compareUnsigned(ts, lastEnd) < 0)) {
                continue;
            }
            // the strong test, for the few offsets left: both pages walk to their commit, and
            // the first one's last event comes no later than the second page begins
            long firstEnd = PageWalker.walk(b, k, format);
            if (firstEnd != PageWalker.TORN && Long.compareUnsigned(firstEnd, next) <= 0
                    && PageWalker.walk(b, k + pageSize, format) != PageWalker.TORN) {
                if (data >= pageSize) {
                    return k; // two pages at least half full that walk: the earliest such is the one
                }
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
     * After a tear at {@code pos}: where whole pages start again, or -1. The bytes were lost
     * inside the last page accepted (its header came before the loss, and its events may still
     * walk by chance) or inside the refused one; with {@code lastHeld} (that page can still be
     * taken back) the search starts at its start, under the times from before it, and
     * {@link #tookBackLast()} then says whether the new start lies inside it.
     */
    int recover(ByteBuffer b, int pos, boolean lastHeld, int limit) {
        long ts = lastTimestamp;
        long end = lastEnd;
        boolean couldForget = canForget;
        boolean rolled = lastHeld && forgetLast();
        int next = realign(b, rolled ? pos - pageSize : pos, pos + pageSize, limit);
        // a start inside the last page: it lost bytes; the refused page itself following the page
        // before the last: the last was the odd one (its header damaged in place, a time far ahead)
        tookBack = rolled && next >= 0 && next <= pos;
        if (rolled && !tookBack) { // the last page stands: follow it again
            lastTimestamp = ts;
            lastEnd = end;
            canForget = couldForget;
        }
        return next;
    }

    /** Whether the last {@link #recover} found the last accepted page torn. */
    boolean tookBackLast() {
        return tookBack;
    }

    /**
     * The last accepted page turned out torn (its event walk failed once a tear showed up after
     * it): the timestamp to follow is the one before it again. False when nothing is left to undo.
     */
    boolean forgetLast() {
        if (!canForget) {
            return false;
        }
        canForget = false;
        lastTimestamp = beforeLastTimestamp;
        lastEnd = beforeLastEnd;
        return true;
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

    public long lostEvents() {
        return lostEvents;
    }

    public long pagesWithUncountedLoss() {
        return pagesWithUncountedLoss;
    }
}
