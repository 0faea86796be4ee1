package org.virtiotrace.host.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Finds the agent's heartbeats in one CPU's stream as it arrives (docs/heartbeat.md), without
 * walking the events: a heartbeat's id is at a 4-byte aligned offset (events are 4-byte
 * aligned in a page), so a scan of aligned words for the id, confirmed by the event header
 * before it (a 40-byte data event of type raw_data) and the CPU number after it, costs a
 * fraction of the event walk. The collector thread owns it; the counters are read by others.
 */
final class HeartbeatScan {
    /** type_len of a 40-byte event: 8 bytes of trace_entry, the id, 28 bytes of heartbeat. */
    private static final int TYPE_LEN = 10;

    private final int cpu;
    private final int id;
    private final int rawDataType;
    private final ByteOrder order;
    private long streamOffset;
    private volatile long last = -1;
    private volatile long count;

    /** @param rawDataType the ftrace raw_data event's type id in the guest's formats, or -1 when unknown */
    HeartbeatScan(int cpu, int id, int rawDataType, ByteOrder order) {
        this.cpu = cpu;
        this.id = id;
        this.rawDataType = rawDataType;
        this.order = order;
    }

    /** Looks at {@code n} bytes that arrived, ending at {@code buf}'s position. */
    void scan(ByteBuffer buf, int n) {
        if (rawDataType < 0) {
            return;
        }
        ByteBuffer b = buf.duplicate().order(order);
        int from = b.position() - n;
        int skew = (int) ((4 - streamOffset % 4) % 4);
        streamOffset += n;
        int end = b.position() - 12; // room for the cpu and counter after the id
        for (int p = from + skew + 12; p <= end; p += 4) {
            if (b.getInt(p) == id && b.getInt(p + 4) == cpu && (b.getInt(p - 12) & 0x1f) == TYPE_LEN
                    && (b.getShort(p - 8) & 0xffff) == rawDataType) {
                last = Math.max(last, b.getLong(p + 8));
                count++;
            }
        }
    }

    /** The newest heartbeat counter seen, -1 before the first. */
    long last() {
        return last;
    }

    long count() {
        return count;
    }
}
