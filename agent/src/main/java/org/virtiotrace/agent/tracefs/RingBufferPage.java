package org.virtiotrace.agent.tracefs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One ring-buffer sub-buffer as trace_pipe_raw hands it out (events/header_page):
 * u64 timestamp at 0, u64 commit at 8 (bytes of data in the low bits, "events were
 * missed before this page" in bit 31, "the missed count is stored after the data" in
 * bit 30), then the events.
 * The events are walked by {@link PageEvents}.
 */
public final class RingBufferPage {
    public static final int HEADER_SIZE = 16;
    private static final long MISSED_EVENTS = 1L << 31;
    private static final long MISSED_STORED = 1L << 30;
    private static final long COMMIT_MASK = (1L << 30) - 1;

    private final long timestamp;
    private final int dataBytes;
    private final boolean missedEvents;
    private final int events;
    private final String defect;
    private long endTimestamp;

    private RingBufferPage(long timestamp, int dataBytes, boolean missedEvents, int events, String defect) {
        this.timestamp = timestamp;
        this.dataBytes = dataBytes;
        this.missedEvents = missedEvents;
        this.events = events;
        this.defect = defect;
    }

    /** Reads the page of {@code size} bytes at {@code buf}'s position (native byte order). */
    public static RingBufferPage parse(ByteBuffer buf, int offset, int size) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        long ts = b.getLong(offset);
        long commit = b.getLong(offset + 8);
        int[] count = {0};
        PageEvents.Walk walk = PageEvents.walk(buf, offset, size, (time, at, length) -> count[0]++);
        RingBufferPage page = new RingBufferPage(ts, (int) (commit & COMMIT_MASK),
                (commit & (MISSED_EVENTS | MISSED_STORED)) != 0, count[0], walk.defect());
        page.endTimestamp = walk.endTime();
        return page;
    }

    /**
     * The time of the page's last event (the page's timestamp plus every delta, extends and
     * absolute stamps applied); the next page of the same CPU starts no earlier. Only for a
     * valid page.
     */
    public long endTimestamp() {
        return endTimestamp;
    }

    public long timestamp() {
        return timestamp;
    }

    /** Bytes of events in the page (the commit field without its flags). */
    public int dataBytes() {
        return dataBytes;
    }

    /** The kernel overwrote events between the previous page and this one. */
    public boolean missedEvents() {
        return missedEvents;
    }

    /** Data events in the page (time extends, time stamps and padding are not events). */
    public int events() {
        return events;
    }

    public boolean isValid() {
        return defect == null;
    }

    /** What is wrong with the page, or null. */
    public String defect() {
        return defect;
    }
}
