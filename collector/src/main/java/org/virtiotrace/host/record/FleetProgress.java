package org.virtiotrace.host.record;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live line of a recording of several guests, on a terminal: elapsed time, per guest the MB
 * received and the rate since the last draw (its CPUs summed; "ended" once all of them ended),
 * then the events the guests' kernels lost and the disk the pages take, all guests together.
 * Each guest's recording joins once its ports are being read; the fleet's thread draws.
 */
final class FleetProgress {
    private final boolean enabled;
    private final PrintStream err = System.err;
    private final Map<String, List<CpuCollector>> guests = new LinkedHashMap<>(); // guarded by this
    private final Map<String, Long> lastBytes = new LinkedHashMap<>();
    private final long started = System.nanoTime();
    private long lastNanos = started;
    private int lastWidth;

    FleetProgress(boolean enabled) {
        this.enabled = enabled;
    }

    /** A guest's recording reads its ports now (its own thread). */
    synchronized void joined(String name, List<CpuCollector> cpus) {
        guests.put(name, cpus);
    }

    synchronized void draw() {
        if (!enabled || guests.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        double secs = Math.max(1e-3, (now - lastNanos) / 1e9);
        lastNanos = now;
        StringBuilder b = new StringBuilder(String.format("%7.1f s", (now - started) / 1e9));
        long lost = 0;
        List<CpuCollector> all = new ArrayList<>();
        for (Map.Entry<String, List<CpuCollector>> g : guests.entrySet()) {
            long bytes = 0;
            boolean ended = true;
            for (CpuCollector c : g.getValue()) {
                bytes += c.bytes();
                lost += c.lostEvents();
                ended &= c.ended();
            }
            long before = lastBytes.getOrDefault(g.getKey(), 0L);
            lastBytes.put(g.getKey(), bytes);
            b.append(String.format("  %s %.1f MB %s", g.getKey(), bytes / 1e6,
                    ended ? "(ended)" : String.format("%.1f MB/s", (bytes - before) / 1e6 / secs)));
            all.addAll(g.getValue());
        }
        b.append("  lost ").append(lost).append(String.format("  disk %.1f MB", Progress.disk(all) / 1e6));
        String line = b.toString();
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        err.flush();
        lastWidth = line.length();
    }

    /** Ends the line so the summary starts on its own. */
    synchronized void finish() {
        if (enabled && lastWidth > 0) {
            err.println();
            lastWidth = 0;
        }
    }
}
