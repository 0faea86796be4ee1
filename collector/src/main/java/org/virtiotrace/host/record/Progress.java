package org.virtiotrace.host.record;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live line on a terminal: elapsed time, per CPU the MB received and the rate since the
 * last draw, and the events the guest's kernel marked as lost so far. Redrawn in place
 * (carriage return); nothing at all when stderr is not a terminal (a log keeps the summary).
 */
final class Progress {
    static final int PERIOD_MS = 500;

    private final List<CpuCollector> collectors;
    private final boolean enabled;
    private final PrintStream err = System.err;
    private final long[] lastBytes;
    private long lastNanos;
    private int lastWidth;
    private String note = "";

    Progress(List<CpuCollector> collectors, boolean enabled) {
        this.collectors = collectors;
        this.enabled = enabled;
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
        b.append("  lost ").append(lost).append(note);
        String line = b.toString();
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        err.flush();
        lastWidth = line.length();
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
