package org.virtiotrace.agent.clock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Clock;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageWalker;
import org.virtiotrace.core.tracefs.TraceInstance;

/**
 * trace-cmd's way to read a trace clock that user space cannot call (local, global, perf,
 * uptime): write a marker to {@code trace_marker_raw} of a private instance on the same clock,
 * between two CLOCK_MONOTONIC reads, then read the marker's time back from that instance's
 * ring buffer. The instance holds our markers only, so the traced buffer never sees them.
 */
final class MarkerReader implements ClockReader {
    /** raw_data id of a sync marker ("VTCS"); the heartbeat has its own. */
    static final int MARKER_ID = 0x56544353;
    static final String PREFIX = "virtio-trace-sync-";
    /** struct trace_entry before raw_data's id: type u16, flags u8, preempt u8, pid i32. */
    private static final int ENTRY_HEADER = 8;
    private static final int MAX_PAGES_PER_READ = 64;

    private final Native nat;
    private final TraceInstance instance;
    private final int pageSize;
    private final Fd marker;
    private final Map<Integer, Fd> pipes = new HashMap<>();
    private final ByteBuffer out = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    private final ByteBuffer page;
    private final BitSet touched = new BitSet();
    private long seq;

    private MarkerReader(Native nat, TraceInstance instance, int pageSize) throws NativeException {
        this.nat = nat;
        this.instance = instance;
        this.pageSize = pageSize;
        this.page = ByteBuffer.allocateDirect(pageSize).order(ByteOrder.nativeOrder());
        this.marker = nat.open(instance.dir().resolve("trace_marker_raw").toString(), Native.Access.WRITE);
    }

    /** A private instance {@code virtio-trace-sync-PID} stamping with {@code clock}. */
    static MarkerReader open(Native nat, Path mount, String clock) throws IOException, NativeException {
        String name = PREFIX + ProcessHandle.current().pid();
        removeOrphans(mount.resolve("instances"));
        TraceInstance inst = TraceInstance.create(mount, name);
        try {
            inst.write("trace_clock", clock);
            inst.bufferSizeKb(16);
            return new MarkerReader(nat, inst, inst.tracefs().subBufferSize());
        } catch (IOException | RuntimeException e) {
            inst.close();
            throw e;
        }
    }

    /** Instances of agents that were killed (SIGKILL leaves them): their pid is gone, or is ours now. */
    private static void removeOrphans(Path instances) {
        try (var s = Files.list(instances)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(PREFIX)) {
                    try {
                        long pid = Long.parseLong(n.substring(PREFIX.length()));
                        if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).isEmpty()) {
                            Files.delete(p);
                        }
                    } catch (NumberFormatException | IOException e) {
                        // not ours, or still busy: leave it
                    }
                }
            }
        } catch (IOException e) {
            // no instances directory to tidy
        }
    }

    @Override
    public String method() {
        return "marker";
    }

    /** Writes a marker between two monotonic reads, then finds its time in the ring buffer. */
    @Override
    public Calibration calibrate() throws NativeException, IOException {
        seq++;
        touched.clear();
        touched.set(nat.currentCpu());
        out.clear();
        out.putInt(MARKER_ID).putInt(0).putLong(seq).flip();
        long before = nat.clockNanos(Clock.MONOTONIC);
        nat.write(marker, out);
        long after = nat.clockNanos(Clock.MONOTONIC);
        // the marker lands on the CPU the write ran on: if the thread moved, look there too
        touched.set(nat.currentCpu());
        long[] time = {-1};
        for (int cpu = touched.nextSetBit(0); cpu >= 0; cpu = touched.nextSetBit(cpu + 1)) {
            Fd pipe = pipes.get(cpu);
            if (pipe == null) {
                pipe = nat.open(instance.tracefs().tracePipeRaw(cpu).toString(), Native.Access.READ);
                pipes.put(cpu, pipe);
            }
            for (int i = 0; i < MAX_PAGES_PER_READ; i++) {
                page.clear();
                int n = nat.read(pipe, page);
                if (n <= 0) {
                    break;
                }
                if (n < pageSize) {
                    break; // read() hands out whole pages, the partial one zero-padded
                }
                PageWalker.walk(page, 0, PageFormat.local(pageSize), (t, typeLen, at, length) -> {
                    if (length >= ENTRY_HEADER + 16 && page.getInt(at + ENTRY_HEADER) == MARKER_ID
                            && page.getLong(at + ENTRY_HEADER + 8) == seq) {
                        time[0] = t;
                    }
                });
            }
        }
        if (time[0] < 0) {
            throw new IOException(instance.dir().resolve("trace_marker_raw") + ": sync marker " + seq
                    + " was written but not found in the instance's ring buffer");
        }
        return new Calibration(time[0], before, after);
    }

    @Override
    public void close() {
        marker.close();
        pipes.values().forEach(Fd::close);
        try {
            instance.close();
        } catch (IOException e) {
            Log.warn("%s: cannot remove the clock-sync instance: %s", instance.dir(), e.getMessage());
        }
    }
}
