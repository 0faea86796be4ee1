package org.virtiotrace.core.tracefs;

import java.nio.ByteBuffer;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * One CPU's {@code per_cpu/cpuN/stats}, read as a pump reads it: often (at every port stall
 * and every quiet look), so with three system calls into a buffer read again each time and
 * parsed where it lies ({@link CpuStats#counts}), no file channel, no strings, no exceptions.
 * Owned by one thread.
 */
public final class StatsFile {
    private final Native nat;
    private final String path;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1024);

    public StatsFile(Native nat, String path) {
        this.nat = nat;
        this.path = path;
    }

    /** The counts now, or null when the file cannot be read or lacks entries, overrun or read events. */
    public CpuStats read() {
        buf.clear();
        int n;
        try (Fd fd = nat.open(path, Native.Access.READ)) {
            n = nat.read(fd, buf);
        } catch (NativeException e) {
            return null;
        }
        long[] v = CpuStats.counts(buf, Math.max(0, n));
        if (v[0] < 0 || v[1] < 0 || v[4] < 0) {
            return null;
        }
        return new CpuStats(v[0], v[1], Math.max(0, v[2]), Math.max(0, v[3]), v[4]);
    }
}
