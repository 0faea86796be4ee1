package org.virtiotrace.core.page;

import java.nio.ByteBuffer;

/**
 * The one walk over a ring-buffer page's events, as the kernel lays them out
 * (events/header_event) and libtraceevent's kbuffer reads them: a u32 header with type_len in
 * its low 5 bits and a 27-bit time delta; type_len 1..28 is a data event of type_len x 4 bytes,
 * 0 a data event whose length (counting itself) is the next u32, 29 padding (with a zero delta:
 * the rest of the page is unused), 30 a time extend (delta plus the next u32 shifted by 27),
 * 31 an absolute time stamp. The page is whole when its events end exactly at its commit.
 *
 * <p>Every reader of events goes through here: the page check, the demo's decoder, the
 * agent's clock-sync marker, the heartbeat scan. The shim's {@code vt_page_walk} is the same walk
 * in C for the host's hot path, and {@code BeatWalkTest} holds the two to identical results.
 *
 * <p>Reads in the buffer's byte order: set it to the format's first.
 */
public final class PageWalker {
    /** What {@link #walk} returns for a page whose events do not end exactly at its commit. */
    public static final long TORN = Long.MIN_VALUE;
    /** Where a small event's type_len ends: 1..28 say its length, the rest are special. */
    public static final int MAX_SMALL_TYPE_LEN = 28;

    /** Sees each data event of a page, in order. */
    public interface Visitor {
        /**
         * @param time     the event's time in the trace clock (page timestamp plus deltas)
         * @param typeLen  1..28 for a small event, 0 for one whose length came in its second word
         * @param payload  where the event's data (its trace_entry first) starts in the buffer
         * @param length   bytes of data
         */
        void event(long time, int typeLen, int payload, int length);
    }

    private static final Visitor NONE = (time, typeLen, payload, length) -> { };

    private PageWalker() {
    }

    /** The time of the page's last event, or {@link #TORN}; without looking at the events. */
    public static long walk(ByteBuffer b, int at, PageFormat f) {
        return walk(b, at, f, NONE, null);
    }

    /** The time of the page's last event, or {@link #TORN}; {@code v} sees each data event before any damage. */
    public static long walk(ByteBuffer b, int at, PageFormat f, Visitor v) {
        return walk(b, at, f, v, null);
    }

    /** What is wrong with the page's events, or null when they walk to its commit. */
    public static String defect(ByteBuffer b, int at, PageFormat f) {
        String[] why = new String[1];
        walk(b, at, f, NONE, why);
        return why[0];
    }

    private static long walk(ByteBuffer b, int at, PageFormat f, Visitor v, String[] why) {
        long time = b.getLong(at);
        int data = RingBufferPage.dataBytes(RingBufferPage.commitWord(b, at, f));
        if (data > f.dataCapacity()) {
            return torn(why, "commit " + data + " exceeds the page");
        }
        int pos = at + f.dataOffset();
        int end = pos + data;
        while (pos < end) {
            if (end - pos < 4) {
                return torn(why, "truncated event header at " + (pos - at));
            }
            int header = b.getInt(pos);
            int typeLen = header & 0x1f;
            long delta = header >>> 5;
            int length;
            int payload = pos + 4;
            if (typeLen >= 1 && typeLen <= MAX_SMALL_TYPE_LEN) {
                length = 4 + typeLen * 4;
                time += delta;
            } else if (typeLen == 29 && delta == 0) {
                return time; // null padding: the rest of the page is unused
            } else {
                if (end - pos < 8) {
                    return torn(why, "truncated " + (typeLen == 0 || typeLen == 29 ? "length" : "time event")
                            + " at " + (pos - at));
                }
                int word = b.getInt(pos + 4);
                if (typeLen == 0) {
                    length = 4 + word;
                    payload = pos + 8;
                    time += delta;
                } else if (typeLen == 29) {
                    length = 4 + word;
                } else {
                    long high = Integer.toUnsignedLong(word) << 27;
                    time = typeLen == 30 ? time + delta + high : high | delta; // extend, absolute stamp
                    length = 8;
                }
            }
            if (length < 4 || length > end - pos) {
                return torn(why, "event of " + length + " bytes at " + (pos - at) + " runs past commit " + data);
            }
            if (typeLen <= MAX_SMALL_TYPE_LEN) {
                v.event(time, typeLen, payload, pos + length - payload);
            }
            pos += length;
        }
        return time;
    }

    private static long torn(String[] why, String defect) {
        if (why != null) {
            why[0] = defect;
        }
        return TORN;
    }
}
