package org.virtiotrace.agent.tracefs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One ring-buffer sub-buffer as trace_pipe_raw hands it out (events/header_page):
 * u64 timestamp at 0, u64 commit at 8 (bytes of data in the low bits, "events were
 * missed before this page" in bit 31, "the missed count is stored after the data" in
 * bit 30), then the events.
 *
 * <p>Events (events/header_event): a u32 header, type_len in the low 5 bits and a
 * 27-bit time delta; 1..28 = data of type_len*4 bytes, 0 = length in the next u32,
 * 29 = padding, 30 = time extend, 31 = absolute time stamp.
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
        int data = (int) (commit & COMMIT_MASK);
        boolean missed = (commit & (MISSED_EVENTS | MISSED_STORED)) != 0;
        if (data > size - HEADER_SIZE) {
            return new RingBufferPage(ts, data, missed, 0, "commit " + data + " exceeds the page");
        }
        int pos = offset + HEADER_SIZE;
        int end = pos + data;
        int count = 0;
        long time = ts;
        while (pos < end) {
            if (end - pos < 4) {
                return new RingBufferPage(ts, data, missed, count, "truncated event header at " + (pos - offset));
            }
            int header = b.getInt(pos);
            int typeLen = header & 0x1f;
            long delta = header >>> 5;
            int length;
            if (typeLen == 0) {
                if (end - pos < 8) {
                    return new RingBufferPage(ts, data, missed, count, "truncated length at " + (pos - offset));
                }
                length = 4 + b.getInt(pos + 4);
                count++;
                time += delta;
            } else if (typeLen <= 28) {
                length = 4 + typeLen * 4;
                count++;
                time += delta;
            } else if (typeLen == 29) {
                int timeDelta = header >>> 5;
                if (timeDelta == 0) {
                    break; // null padding: the rest of the page is unused
                }
                length = 4 + b.getInt(pos + 4);
            } else {
                if (end - pos < 8) {
                    return new RingBufferPage(ts, data, missed, count, "truncated time event at " + (pos - offset));
                }
                long high = Integer.toUnsignedLong(b.getInt(pos + 4)) << 27;
                time = typeLen == 30 ? time + delta + high : high | delta; // time extend, absolute stamp
                length = 8;
            }
            if (length < 4 || pos + length > end) {
                return new RingBufferPage(ts, data, missed, count,
                        "event of " + length + " bytes at " + (pos - offset) + " runs past commit " + data);
            }
            pos += length;
        }
        RingBufferPage page = new RingBufferPage(ts, data, missed, count, null);
        page.endTimestamp = time;
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
