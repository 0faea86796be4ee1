package org.virtiotrace.core.heartbeat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Clock;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * One CPU's heartbeat in its own stream: written by that CPU's pump thread (pinned to it, so
 * the kernel puts the record in that CPU's ring buffer) to {@code trace_marker_raw}, once each
 * time the counter goes up while tracing: a {@link HeartbeatRecord}. Owned by the pump thread.
 */
public final class HeartbeatMarker implements AutoCloseable {

    private final Native nat;
    private Path path;
    private final int cpu;
    private final int id;
    private final HeartbeatCounter counter;
    private final ByteBuffer record = ByteBuffer.allocateDirect(HeartbeatRecord.SIZE).order(ByteOrder.nativeOrder());
    private Fd fd;
    private boolean broken;
    private long lastBeat = -1;
    private long beats;

    public HeartbeatMarker(Native nat, Path traceMarkerRaw, int cpu, int id, HeartbeatCounter counter) {
        this.nat = nat;
        this.path = traceMarkerRaw;
        this.cpu = cpu;
        this.id = id;
        this.counter = counter;
    }

    /** From now on beats go to this buffer's {@code trace_marker_raw} (the pump changed buffers). */
    public void writeTo(Path traceMarkerRaw) {
        if (traceMarkerRaw.equals(path)) {
            return;
        }
        close();
        fd = null;
        path = traceMarkerRaw;
        broken = false;
    }

    /** Tracing (re)started: the next look writes a beat at once, so a short run has one too. */
    public void restart() {
        lastBeat = -1;
    }

    /**
     * Writes a beat when the counter moved since the last one; returns the ms until the next
     * is due (a pump sleeps no longer than that while tracing).
     */
    public int beatIfDue(long now) {
        if (broken) {
            return Integer.MAX_VALUE;
        }
        long value = counter.valueAt(now);
        if (value != lastBeat) {
            lastBeat = value;
            write(value);
        }
        long next = counter.nextTickAfter(now);
        return (int) Math.max(1, (next - now + 999_999) / 1_000_000);
    }

    /** Beats written since the agent started. */
    public long beats() {
        return beats;
    }

    private void write(long value) {
        try {
            if (fd == null) {
                fd = nat.open(path.toString(), Native.Access.WRITE);
            }
            Instant wall = Instant.now();
            record.clear();
            HeartbeatRecord.put(record, id, cpu, value, 0, wall.getEpochSecond() * 1_000_000_000L + wall.getNano());
            record.flip();
            // the monotonic stamp last, right before the write: the host pairs it with the
            // event's trace time (a sync point), so nothing may come between them
            HeartbeatRecord.stampMonotonic(record, nat.clockNanos(Clock.MONOTONIC));
            if (nat.write(fd, record) == HeartbeatRecord.SIZE) {
                beats++;
            }
        } catch (NativeException e) {
            broken = true;
            Log.warn("cpu%d: %s; no heartbeats in this CPU's stream from now on", cpu, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (fd != null) {
            fd.close();
        }
    }
}
