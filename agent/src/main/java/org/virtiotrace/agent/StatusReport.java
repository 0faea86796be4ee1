package org.virtiotrace.agent;

import java.io.IOException;
import java.util.List;
import org.virtiotrace.core.pump.CpuPump;
import org.virtiotrace.core.pump.Route;
import org.virtiotrace.core.ring.RingStats;
import org.virtiotrace.core.tracefs.CpuStats;
import org.virtiotrace.core.tracefs.Tracefs;

/**
 * The text of `trace-agent status`: per CPU, where pages go, what was moved, how full
 * the ring is, what it overwrote, and the kernel's own overrun count. Columns are
 * whitespace separated, numbers are plain integers: easy for a person and for awk.
 */
final class StatusReport {
    private static final String FORMAT = "%-4s %-12s %-12s %-10s %-12s %-12s %-10s %-12s %-14s %s%n";

    private StatusReport() {
    }

    static String of(boolean running, Tracefs tracefs, int pageSize, List<CpuPump> pumps) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("state: %s; %s; sub-buffer %d bytes%n", running ? "tracing" : "paused (waiting for 1)",
                tracefs, pageSize));
        out.append(String.format(FORMAT, "CPU", "SENT_BYTES", "SENT_PAGES", "TO_MEMORY", "RING_FILL", "RING_SIZE",
                "OVERWROTE", "OVERWROTE_PG", "KERNEL_OVERRUN", "ROUTE"));
        for (CpuPump p : pumps) {
            long sent = p.counters().bytes();
            RingStats r = p.ring().map(ring -> ring.stats()).orElse(null);
            out.append(String.format(FORMAT, p.cpu(), sent, sent / pageSize, p.counters().ringBytes(),
                    r == null ? "-" : r.fill(), r == null ? "-" : r.capacity(),
                    r == null ? "-" : r.overwrittenBytes(), r == null ? "-" : r.overwrittenPages(),
                    overrun(tracefs, p.cpu()), route(p)));
        }
        return out.toString();
    }

    private static String route(CpuPump p) {
        return p.route() == Route.MEMORY ? p.route().words() : p.route().words() + " -> " + p.sinkName();
    }

    private static String overrun(Tracefs tracefs, int cpu) {
        try {
            CpuStats s = tracefs.stats(cpu);
            return Long.toString(s.overrun());
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
