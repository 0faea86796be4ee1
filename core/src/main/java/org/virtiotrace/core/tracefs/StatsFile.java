package org.virtiotrace.core.tracefs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * One CPU's {@code per_cpu/cpuN/stats}, read as a pump reads it: often (at every port stall
 * and every quiet look), so with three system calls into a buffer read again each time and
 * parsed where it lies, no file channel, no strings, no exceptions. Owned by one thread.
 */
public final class StatsFile {
    private static final byte[] ENTRIES = field("entries");
    private static final byte[] OVERRUN = field("overrun");
    private static final byte[] COMMIT_OVERRUN = field("commit overrun");
    private static final byte[] DROPPED = field("dropped events");
    private static final byte[] READ = field("read events");

    private final Native nat;
    private final String path;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1024);

    public StatsFile(Native nat, String path) {
        this.nat = nat;
        this.path = path;
    }

    private static byte[] field(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /** The counts now, or null when the file cannot be read or lacks one of them. */
    public CpuStats read() {
        buf.clear();
        int n;
        try (Fd fd = nat.open(path, Native.Access.READ)) {
            n = nat.read(fd, buf);
        } catch (NativeException e) {
            return null;
        }
        long entries = -1;
        long overrun = -1;
        long commitOverrun = -1;
        long dropped = -1;
        long read = -1;
        for (int line = 0; line < n; ) {
            int colon = line;
            while (colon < n && buf.get(colon) != ':' && buf.get(colon) != '\n') {
                colon++;
            }
            if (colon < n && buf.get(colon) == ':') {
                long v = number(colon + 1, n);
                if (named(line, colon, ENTRIES)) {
                    entries = v;
                } else if (named(line, colon, OVERRUN)) {
                    overrun = v;
                } else if (named(line, colon, COMMIT_OVERRUN)) {
                    commitOverrun = v;
                } else if (named(line, colon, DROPPED)) {
                    dropped = v;
                } else if (named(line, colon, READ)) {
                    read = v;
                }
            }
            while (colon < n && buf.get(colon) != '\n') {
                colon++;
            }
            line = colon + 1;
        }
        if (entries < 0 || overrun < 0 || read < 0) {
            return null;
        }
        return new CpuStats(entries, overrun, Math.max(0, commitOverrun), Math.max(0, dropped), read);
    }

    private boolean named(int from, int colon, byte[] name) {
        if (colon - from != name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (buf.get(from + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    /** The decimal count after "name:", or -1 when it is not one (a timestamp, say). */
    private long number(int at, int n) {
        while (at < n && buf.get(at) == ' ') {
            at++;
        }
        long v = 0;
        int digits = 0;
        for (; at < n && buf.get(at) >= '0' && buf.get(at) <= '9'; at++, digits++) {
            v = v * 10 + (buf.get(at) - '0');
        }
        boolean ends = at >= n || buf.get(at) == '\n';
        return digits > 0 && ends ? v : -1;
    }
}
