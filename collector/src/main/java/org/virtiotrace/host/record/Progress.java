package org.virtiotrace.host.record;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live line on a terminal: elapsed time, per CPU the MB received and the rate since the
 * last draw, the events the guest's kernel marked as lost so far, the disk the pages take, and
 * with --max-size the span of time every CPU's kept pages cover. Redrawn in place
 * (carriage return); nothing at all when stderr is not a terminal (a log keeps the summary).
 */
final class Progress {
    static final int PERIOD_MS = 500;

    private final List<CpuCollector> collectors;
    private final boolean enabled;
    private final boolean bounded;
    private final PrintStream err = System.err;
    private final long[] lastBytes;
    private long lastNanos;
    private int lastWidth;
    private String note = "";

    Progress(List<CpuCollector> collectors, boolean enabled, boolean bounded) {
        this.collectors = collectors;
        this.enabled = enabled;
        this.bounded = bounded;
        this.lastBytes = new long[collectors.size()];
        this.lastNanos = System.nanoTime();
    }

    void draw(long elapsedNanos) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        double secs = Math.max(1e-3, (now - lastNanos) / 1e9);
        lastNanos = now;
        StringBuilder b = new StringBuilder(String.format("%7.1f s", elapsedNanos / 1e9));
        long lost = 0;
        for (int i = 0; i < collectors.size(); i++) {
            CpuCollector c = collectors.get(i);
            long bytes = c.bytes();
            b.append(String.format("  cpu%d %.1f MB %.1f MB/s%s", c.cpu, bytes / 1e6, (bytes - lastBytes[i]) / 1e6 / secs,
                    c.ended() ? " (ended)" : ""));
            lastBytes[i] = bytes;
            lost += c.lostEvents();
        }
        b.append("  lost ").append(lost).append(String.format("  disk %.1f MB", disk(collectors) / 1e6));
        if (bounded) {
            long span = heldSpan(collectors);
            b.append(span < 0 ? "" : String.format("  holds %.1f s", span / 1e9));
        }
        b.append(note);
        String line = b.toString();
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        err.flush();
        lastWidth = line.length();
    }

    /** Bytes of pages on disk now: the spool files (pages kept in a session log are counted there). */
    static long disk(List<CpuCollector> collectors) {
        long n = 0;
        for (CpuCollector c : collectors) {
            var f = c.spoolFile();
            n += f == null ? 0 : f.onDisk();
        }
        return n;
    }

    /**
     * With --max-size: trace-clock nanoseconds from the latest CPU's oldest kept page to the
     * newest page of any CPU, the time every CPU's pages cover; -1 before there is any.
     */
    static long heldSpan(List<CpuCollector> collectors) {
        long from = -1;
        long to = -1;
        for (CpuCollector c : collectors) {
            var f = c.spoolFile();
            long oldest = f == null ? -1 : f.oldestKeptAbout();
            if (oldest >= 0 && (from < 0 || Long.compareUnsigned(oldest, from) > 0)) {
                from = oldest;
            }
            long newest = c.newestTimestamp();
            if (newest >= 0 && (to < 0 || Long.compareUnsigned(newest, to) > 0)) {
                to = newest;
            }
        }
        return from < 0 || to < 0 || Long.compareUnsigned(to, from) < 0 ? -1 : to - from;
    }

    /** Appended to the line from now on ("" for nothing): CPUs whose heartbeats stopped. */
    void note(String text) {
        note = text;
    }

    /** Ends the line so what follows starts on its own. */
    void finish() {
        if (enabled && lastWidth > 0) {
            err.println();
        }
    }

    static String seconds(long nanos) {
        return String.format("%.1f s", nanos / (double) TimeUnit.SECONDS.toNanos(1));
    }
}
