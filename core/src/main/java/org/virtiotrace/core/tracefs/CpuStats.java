package org.virtiotrace.core.tracefs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * per_cpu/cpuN/stats: "entries: 12", "overrun: 0", "read events: 99", ... The one parser of
 * that file: over text that has been read ({@link #parse}), or where a pump's {@link StatsFile}
 * read it, without strings.
 */
public record CpuStats(long entries, long overrun, long commitOverrun, long droppedEvents, long readEvents) {
    private static final byte[][] NAMES = {name("entries"), name("overrun"), name("commit overrun"),
        name("dropped events"), name("read events")};

    private static byte[] name(String n) {
        return n.getBytes(StandardCharsets.US_ASCII);
    }

    /** The counts in the file's text; one it lacks is 0. */
    public static CpuStats parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        long[] v = counts(ByteBuffer.wrap(b), b.length);
        return new CpuStats(Math.max(0, v[0]), Math.max(0, v[1]), Math.max(0, v[2]), Math.max(0, v[3]),
                Math.max(0, v[4]));
    }

    /**
     * entries, overrun, commit overrun, dropped events and read events in {@code buf[0..n)}, -1
     * for one the text lacks. A line whose value is not a whole number (the timestamps, "oldest
     * event ts: 5713.048932") is no count.
     */
    static long[] counts(ByteBuffer buf, int n) {
        long[] v = {-1, -1, -1, -1, -1};
        for (int line = 0; line < n; ) {
            int colon = line;
            while (colon < n && buf.get(colon) != ':' && buf.get(colon) != '\n') {
                colon++;
            }
            if (colon < n && buf.get(colon) == ':') {
                for (int k = 0; k < NAMES.length; k++) {
                    if (named(buf, line, colon, NAMES[k])) {
                        v[k] = number(buf, colon + 1, n);
                    }
                }
            }
            while (colon < n && buf.get(colon) != '\n') {
                colon++;
            }
            line = colon + 1;
        }
        return v;
    }

    private static boolean named(ByteBuffer buf, int from, int colon, byte[] name) {
        while (from < colon && buf.get(from) == ' ') {
            from++;
        }
        while (colon > from && buf.get(colon - 1) == ' ') {
            colon--;
        }
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

    /** The whole number after "name:", or -1 when the rest of the line is not one. */
    private static long number(ByteBuffer buf, int at, int n) {
        while (at < n && buf.get(at) == ' ') {
            at++;
        }
        long v = 0;
        int digits = 0;
        for (; at < n && buf.get(at) >= '0' && buf.get(at) <= '9'; at++, digits++) {
            v = v * 10 + (buf.get(at) - '0');
        }
        while (at < n && buf.get(at) == ' ') {
            at++;
        }
        return digits > 0 && (at >= n || buf.get(at) == '\n') ? v : -1;
    }

    /** Events the kernel lost for any reason since {@code earlier}. */
    public long lostSince(CpuStats earlier) {
        return (overrun - earlier.overrun) + (commitOverrun - earlier.commitOverrun)
                + (droppedEvents - earlier.droppedEvents);
    }
}
