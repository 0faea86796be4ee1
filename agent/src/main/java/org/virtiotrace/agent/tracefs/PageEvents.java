package org.virtiotrace.agent.tracefs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Walks the events of one ring-buffer page with each one's absolute time, for readers that
 * need what an event says (clock-sync markers), not only how many there are. The layout is
 * {@link RingBufferPage}'s.
 */
public final class PageEvents {
    /** Sees each data event: its time in the trace clock, and where its payload lies in the buffer. */
    public interface Visitor {
        void event(long time, int payloadOffset, int payloadLength);
    }

    private PageEvents() {
    }

    /**
     * Calls {@code v} for each data event of the page at {@code offset}; stops at the first
     * defect (a damaged page yields the events before it).
     */
    public static void forEach(ByteBuffer buf, int offset, int size, Visitor v) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        long time = b.getLong(offset);
        int data = (int) (b.getLong(offset + 8) & ((1L << 30) - 1));
        int pos = offset + RingBufferPage.HEADER_SIZE;
        int end = pos + Math.min(data, size - RingBufferPage.HEADER_SIZE);
        while (end - pos >= 4) {
            int header = b.getInt(pos);
            int typeLen = header & 0x1f;
            long delta = header >>> 5;
            if (typeLen == 0 || typeLen <= 28) {
                int payload = pos + (typeLen == 0 ? 8 : 4);
                int length = typeLen == 0 ? (end - pos >= 8 ? b.getInt(pos + 4) - 4 : -1) : typeLen * 4;
                if (length < 0 || payload + length > end) {
                    return;
                }
                time += delta;
                v.event(time, payload, length);
                pos = payload + length;
            } else if (typeLen == 29) {
                if (delta == 0 || end - pos < 8) {
                    return; // padding to the end of the page
                }
                pos += 4 + b.getInt(pos + 4);
            } else {
                if (end - pos < 8) {
                    return;
                }
                long high = Integer.toUnsignedLong(b.getInt(pos + 4)) << 27;
                time = typeLen == 30 ? time + delta + high : high | delta;
                pos += 8;
            }
        }
    }
}
