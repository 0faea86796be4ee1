package org.virtiotrace.core.heartbeat;

import java.nio.ByteBuffer;

/**
 * The heartbeat record in a CPU's stream (docs/heartbeat.md): the agent writes {@link #SIZE}
 * bytes to {@code trace_marker_raw}, which the kernel stores as an {@code ftrace:raw_data} event
 * on the writer's CPU: the 8-byte trace_entry (its type first), then the record. All in the
 * guest's byte order. Written by {@link HeartbeatMarker}, found by {@link Newest} and
 * {@link BeatWalk}, and by the shim's {@code vt_page_walk}, which reads the same offsets.
 */
public final class HeartbeatRecord {
    /** The default raw_data id of a heartbeat: "VTHB". */
    public static final int DEFAULT_ID = 0x56544842;
    /** {@link #DEFAULT_ID} as the command lines' defaults spell it. */
    public static final String DEFAULT_ID_TEXT = "0x56544842";
    /** Bytes written to trace_marker_raw: id, CPU, counter, guest CLOCK_MONOTONIC, guest CLOCK_REALTIME. */
    public static final int SIZE = 32;

    // offsets in the event's payload, which starts with the 8-byte trace_entry
    static final int TYPE = 0;
    static final int ID = 8;
    static final int CPU = 12;
    static final int COUNTER = 16;
    static final int MONOTONIC = 24;
    static final int REALTIME = 32;
    /** A heartbeat event's payload is at least the trace_entry and the record (a 6.1 kernel adds 4). */
    public static final int MIN_PAYLOAD = 8 + SIZE;

    private HeartbeatRecord() {
    }

    /** Sets the guest CLOCK_MONOTONIC of a record {@link #put} at {@code record}'s start. */
    public static void stampMonotonic(ByteBuffer record, long monotonicNs) {
        record.putLong(MONOTONIC - ID, monotonicNs);
    }

    /** The record's bytes, at {@code into}'s position, in its byte order. */
    public static void put(ByteBuffer into, int id, int cpu, long counter, long monotonicNs, long realtimeNs) {
        into.putInt(id).putInt(cpu).putLong(counter).putLong(monotonicNs).putLong(realtimeNs);
    }

    /**
     * What the walk looks for, in one long: the raw_data event's type id in the guest's formats
     * (high 32 bits) and the heartbeat's id (low 32); -1 (look for none) when the type is unknown.
     */
    public static long key(int rawDataType, int heartbeatId) {
        return rawDataType < 0 ? -1 : (long) rawDataType << 32 | Integer.toUnsignedLong(heartbeatId);
    }

    /** Whether the data event at {@code payload} is a heartbeat as {@code key} describes it. */
    static boolean matches(ByteBuffer b, int typeLen, int payload, int length, long key) {
        return key != -1 && typeLen > 0 && length >= MIN_PAYLOAD
                && (b.getShort(payload + TYPE) & 0xffff) == key >>> 32 && b.getInt(payload + ID) == (int) key;
    }

    /** One heartbeat's times: its CPU's trace clock, and the guest CLOCK_MONOTONIC it carries (a sync point). */
    public record Beat(long traceNs, long monoNs) {
    }

    /** Notes the newest heartbeat of the events it sees (a {@link org.virtiotrace.core.page.PageWalker.Visitor}). */
    public static final class Newest implements org.virtiotrace.core.page.PageWalker.Visitor {
        private final ByteBuffer b;
        private final long key;
        private final long[] beat;

        /** Fills {@code beat} as the shim does: [0] the counter (-1: none), [1] its time, [2] its monotonic ns. */
        public Newest(ByteBuffer b, long key, long[] beat) {
            this.b = b;
            this.key = key;
            this.beat = beat;
            beat[0] = -1;
        }

        @Override
        public void event(long time, int typeLen, int payload, int length) {
            if (matches(b, typeLen, payload, length, key)) {
                long counter = b.getLong(payload + COUNTER);
                if (counter > beat[0]) {
                    beat[0] = counter;
                    beat[1] = time;
                    beat[2] = b.getLong(payload + MONOTONIC);
                }
            }
        }
    }
}
