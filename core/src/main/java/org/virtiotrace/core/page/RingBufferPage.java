package org.virtiotrace.core.page;

import java.nio.ByteBuffer;

/**
 * One ring-buffer sub-buffer as trace_pipe_raw hands it out (events/header_page): the u64
 * timestamp of its first event, the commit word (bytes of events in its low 27 bits, as the
 * kernel's and libtraceevent's readers mask it; bit 31 "events were missed before this page",
 * bit 30 "and their count is stored after the data"), then the events, walked by
 * {@link PageWalker}. The header's fields are read here and nowhere else.
 */
public final class RingBufferPage {
    /** The commit word's bits that count bytes of events. */
    public static final long COMMIT_MASK = (1L << 27) - 1;
    /** The kernel overwrote events between the previous page and this one. */
    public static final long MISSED_EVENTS = 1L << 31;
    /** ... and stored how many after the page's data, in a long. */
    public static final long MISSED_STORED = 1L << 30;

    private final long timestamp;
    private final int dataBytes;
    private final boolean missedEvents;
    private final int events;
    private final String defect;
    private final long endTimestamp;

    private RingBufferPage(long timestamp, int dataBytes, boolean missedEvents, int events, String defect,
                           long endTimestamp) {
        this.timestamp = timestamp;
        this.dataBytes = dataBytes;
        this.missedEvents = missedEvents;
        this.events = events;
        this.defect = defect;
        this.endTimestamp = endTimestamp;
    }

    /** The page at {@code at}, read in the buffer's byte order (set it to the format's). */
    public static RingBufferPage parse(ByteBuffer b, int at, PageFormat f) {
        long commit = commitWord(b, at, f);
        int[] count = {0};
        long end = PageWalker.walk(b, at, f, (time, typeLen, payload, length) -> count[0]++);
        String defect = end == PageWalker.TORN ? PageWalker.defect(b, at, f) : null;
        return new RingBufferPage(b.getLong(at), dataBytes(commit), (commit & (MISSED_EVENTS | MISSED_STORED)) != 0,
                count[0], defect, end);
    }

    /**
     * The commit word's low 32 bits, where its count and flags are: the kernel adds the flags as an
     * int, so on a 64-bit kernel bit 31 sign-extends into the upper half (0xffffffffc0000fc8).
     */
    public static long commitWord(ByteBuffer b, int at, PageFormat f) {
        return f.longSize() == 8 ? b.getLong(at + 8) & 0xffff_ffffL : Integer.toUnsignedLong(b.getInt(at + 8));
    }

    /** Bytes of events a commit word counts. */
    public static int dataBytes(long commitWord) {
        return (int) (commitWord & COMMIT_MASK);
    }

    /** True when a commit word has bits a page's never has: the header is not a page's. */
    public static boolean hasStrayBits(long commitWord) {
        return (commitWord & ~(COMMIT_MASK | MISSED_EVENTS | MISSED_STORED)) != 0;
    }

    /**
     * Events the kernel says it overwrote before this page: the count stored after the data, or
     * -1 when the page says some were missed without a count; 0 when none were.
     */
    public static long missedCount(ByteBuffer b, int at, PageFormat f) {
        long commit = commitWord(b, at, f);
        if ((commit & MISSED_EVENTS) == 0) {
            return 0;
        }
        int after = at + f.dataOffset() + dataBytes(commit);
        if ((commit & MISSED_STORED) == 0 || dataBytes(commit) + f.longSize() > f.dataCapacity()) {
            return -1;
        }
        return f.longSize() == 8 ? b.getLong(after) : Integer.toUnsignedLong(b.getInt(after));
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
