package org.virtiotrace.core.pump;

import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.tracefs.CpuStats;
import org.virtiotrace.core.tracefs.StatsFile;

/**
 * Tells a pump whether any event was written to its CPU's ring buffer since it last
 * looked: per_cpu/cpuN/stats "entries" + "overrun" + "read events" counts every event
 * ever written (in the buffer, overwritten, or handed out). While it stays the same no
 * page can complete, so a quiet CPU's pump may sleep longer than the page latency allows:
 * an idle agent then wakes about once a second instead of ten times. On any doubt it
 * answers "not quiet".
 */
final class QuietProbe {
    private final StatsFile stats;
    private long last = -1;
    private long own;

    QuietProbe(Native nat, String statsPath) {
        this.stats = new StatsFile(nat, statsPath);
    }

    /** The pump wrote {@code n} events itself (heartbeats): they do not make the CPU busy. */
    void wroteOwn(long n) {
        own += n;
    }

    /** True when no event but the pump's own was written since the previous call (false on the first). */
    boolean quietSinceLastLook() {
        CpuStats s = stats.read();
        long now = s == null ? -1 : s.entries() + s.overrun() + s.readEvents();
        boolean quiet = now >= 0 && now == last + own;
        last = now;
        own = 0;
        return quiet;
    }
}
