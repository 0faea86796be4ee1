package org.virtiotrace.core.pump;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * Tells a pump whether any event was written to its CPU's ring buffer since it last
 * looked: per_cpu/cpuN/stats "entries" + "overrun" + "read events" counts every event
 * ever written (in the buffer, overwritten, or handed out). While it stays the same no
 * page can complete, so a quiet CPU's pump may sleep longer than the page latency allows:
 * an idle agent then wakes about once a second instead of ten times. Three system
 * calls and no allocation per look; on any doubt it answers "not quiet".
 */
final class QuietProbe {
    private static final byte[][] FIELDS = {field("entries: "), field("overrun: "), field("read events: ")};

    private final Native nat;
    private final String statsPath;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1024);
    private long last = -1;
    private long own;

    QuietProbe(Native nat, String statsPath) {
        this.nat = nat;
        this.statsPath = statsPath;
    }

    private static byte[] field(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /** The pump wrote {@code n} events itself (heartbeats): they do not make the CPU busy. */
    void wroteOwn(long n) {
        own += n;
    }

    /** True when no event but the pump's own was written since the previous call (false on the first). */
    boolean quietSinceLastLook() {
        long now = eventsWritten();
        boolean quiet = now >= 0 && now == last + own;
        last = now;
        own = 0;
        return quiet;
    }

    private long eventsWritten() {
        buf.clear();
        int n;
        try (Fd fd = nat.open(statsPath, Native.Access.READ)) {
            n = nat.read(fd, buf);
        } catch (NativeException e) {
            return -1;
        }
        long sum = 0;
        int found = 0;
        for (int line = 0; line < n; ) {
            for (byte[] f : FIELDS) {
                if (startsWith(line, n, f)) {
                    sum += number(line + f.length, n);
                    found++;
                }
            }
            while (line < n && buf.get(line) != '\n') {
                line++;
            }
            line++;
        }
        return found == FIELDS.length ? sum : -1;
    }

    private boolean startsWith(int at, int n, byte[] f) {
        if (at + f.length > n) {
            return false;
        }
        for (int i = 0; i < f.length; i++) {
            if (buf.get(at + i) != f[i]) {
                return false;
            }
        }
        return true;
    }

    private long number(int at, int n) {
        long v = 0;
        for (int i = at; i < n && buf.get(i) >= '0' && buf.get(i) <= '9'; i++) {
            v = v * 10 + (buf.get(i) - '0');
        }
        return v;
    }
}
