package org.virtiotrace.agent.tracefs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one walk over a ring-buffer page's events (events/header_event): a u32 header, type_len
 * in the low 5 bits and a 27-bit time delta; 1..28 = data of type_len*4 bytes, 0 = length in
 * the next u32, 29 = padding, 30 = time extend, 31 = absolute time stamp. {@link RingBufferPage}
 * counts and checks with it; readers that need what an event says (clock-sync markers,
 * heartbeats) get each data event with its absolute time.
 */
public final class PageEvents {
    /** Sees each data event: its time in the trace clock, and where its payload lies in the buffer. */
    public interface Visitor {
        void event(long time, int payloadOffset, int payloadLength);
    }

    /**
     * How a walk ended: the time after the last event (time extends and absolute stamps
     * applied), and what was wrong with the page, or null.
     */
    public record Walk(long endTime, String defect) {
    }

    private static final long COMMIT_MASK = (1L << 30) - 1;

    private PageEvents() {
    }

    /** Calls {@code v} for each data event of the page at {@code offset}; stops at the first defect. */
    public static void forEach(ByteBuffer buf, int offset, int size, Visitor v) {
        walk(buf, offset, size, v);
    }

    /**
     * Walks the page of {@code size} bytes at {@code offset} (native byte order) to its commit,
     * calling {@code v} for each data event; a damaged page yields the events before the damage.
     */
    public static Walk walk(ByteBuffer buf, int offset, int size, Visitor v) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        long time = b.getLong(offset);
        int data = (int) (b.getLong(offset + 8) & COMMIT_MASK);
        if (data > size - RingBufferPage.HEADER_SIZE) {
            return new Walk(time, "commit " + data + " exceeds the page");
        }
        int pos = offset + RingBufferPage.HEADER_SIZE;
        int end = pos + data;
        while (pos < end) {
            if (end - pos < 4) {
                return new Walk(time, "truncated event header at " + (pos - offset));
            }
            int header = b.getInt(pos);
            int typeLen = header & 0x1f;
            long delta = header >>> 5;
            int length;
            int payload = pos + 4;
            if (typeLen == 0 || typeLen == 29) {
                if (typeLen == 29 && delta == 0) {
                    break; // null padding: the rest of the page is unused
                }
                if (end - pos < 8) {
                    return new Walk(time, "truncated length at " + (pos - offset));
                }
                length = 4 + b.getInt(pos + 4);
                payload = pos + 8;
            } else if (typeLen <= 28) {
                length = 4 + typeLen * 4;
            } else {
                if (end - pos < 8) {
                    return new Walk(time, "truncated time event at " + (pos - offset));
                }
                long high = Integer.toUnsignedLong(b.getInt(pos + 4)) << 27;
                time = typeLen == 30 ? time + delta + high : high | delta; // time extend, absolute stamp
                length = 8;
            }
            if (length < 4 || pos + length > end) {
                return new Walk(time, "event of " + length + " bytes at " + (pos - offset) + " runs past commit "
                        + data);
            }
            if (typeLen <= 28) {
                time += delta;
                v.event(time, payload, pos + length - payload);
            }
            pos += length;
        }
        return new Walk(time, null);
    }
}
