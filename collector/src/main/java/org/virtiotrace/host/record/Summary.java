package org.virtiotrace.host.record;

import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.host.Exit;

/**
 * What a recording says when it ends, and its exit status: one line for the whole, the
 * warnings, one line per CPU, then what the output step wrote.
 */
public record Summary(int exit, List<String> lines) {

    static Summary of(RecordOptions opt, Recorded r, List<String> written) {
        List<String> lines = new ArrayList<>();
        boolean incomplete = r.agentGone() || !r.stopSent() || r.tailCut();
        long total = 0;
        long lost = 0;
        long before = 0;
        long uncounted = 0;
        List<String> perCpu = new ArrayList<>();
        for (CpuCollector c : r.cpus()) {
            incomplete |= c.tornPages() > 0 || c.leftover() > 0 || c.ended() || c.failure() != null;
            long early = r.lostBeforeStart(c);
            perCpu.add(cpuLine(c, r, early) + bounded(c, opt.bounds().maxSize()));
            total += c.pages();
            lost += c.lostEvents() - early;
            before += early;
            uncounted += c.pagesWithUncountedLoss();
        }
        lines.add(String.format("recorded %s from %s: %d CPU%s, %d pages (%.1f MB), %d events lost in the guest%s%s%s",
                Progress.seconds(r.stoppedNanos() - r.startedNanos()), opt.ports().target(), r.cpus().size(),
                r.cpus().size() == 1 ? "" : "s", total, total * r.meta().pageSize() / 1e6, lost,
                before == 0 ? "" : " (" + before + " more before the start: its buffer overflowed while nobody read it)",
                uncounted == 0 ? "" : " (and more on " + pages(uncounted) + " that could not count them)",
                r.meta().answered() ? ", metadata in " + r.meta().fetchMs() + " ms" : ""));
        String marker = opt.bounds().untilMarker();
        if (marker != null) {
            lines.add(r.marker() == null ? "the marker '" + marker + "' did not show; stopped by "
                    + (opt.duration() != null ? "--duration or a signal" : "a signal")
                    : String.format("stopped %.1f s after the marker '%s' arrived: %s", (r.stoppedNanos()
                    - r.marker().seenNanos()) / 1e9, marker, r.marker().describe()));
        }
        r.warnings().forEach(w -> lines.add("warning: " + w));
        lines.addAll(perCpu);
        lines.addAll(written);
        int exit = !r.meta().usable() ? Exit.NO_METADATA : incomplete ? Exit.INCOMPLETE : Exit.OK;
        return new Summary(exit, lines);
    }

    /** With --max-size: what was kept and dropped, and the time the kept pages cover. */
    private static String bounded(CpuCollector c, long maxSize) {
        var f = c.spoolFile();
        if (maxSize <= 0 || f == null) {
            return "";
        }
        int page = c.format().pageSize();
        StringBuilder b = new StringBuilder(String.format("; kept the newest %d pages (%.1f MiB), dropped %d",
                f.kept() / page, f.kept() / 1048576.0, f.dropped() / page));
        try {
            long from = f.firstKeptTimestamp(c.format().order());
            long to = c.newestTimestamp();
            if (from >= 0 && to >= 0) {
                b.append(String.format(", from %s to %s (%.3f s)", time(from), time(to), (to - from) / 1e9));
            }
        } catch (java.io.IOException e) {
            b.append(", their times unreadable (").append(OutputFiles.reason(e)).append(')');
        }
        return b.toString();
    }

    private static String time(long ns) {
        return String.format("%d.%06d", ns / 1_000_000_000L, ns % 1_000_000_000L / 1000);
    }

    /** {@code early}: of the events its pages say were lost, those lost before the start. */
    private static String cpuLine(CpuCollector c, Recorded r, long early) {
        StringBuilder b = new StringBuilder(String.format("cpu%d: %.1f MB, %d pages, %d events lost",
                c.cpu, c.bytes() / 1e6, c.pages(), c.lostEvents() - early));
        if (early > 0) {
            b.append(" (").append(early).append(" before the start)");
        }
        if (c.lastHeartbeat() >= 0) {
            b.append(", heartbeats up to ").append(c.lastHeartbeat());
        }
        if (c.pagesWithUncountedLoss() > 0) {
            b.append(" (and ").append(pages(c.pagesWithUncountedLoss())).append(" with an unknown number)");
        }
        if (c.tornPages() > 0) {
            b.append("; ").append(c.tornPages()).append(" torn pages refused (the first after ")
                    .append(c.firstTear()).append(")");
        }
        if (c.leftover() > 0) {
            b.append("; ").append(c.leftover()).append(" bytes of a page cut short dropped");
        }
        if (r.agentGone()) {
            b.append(c.lastByteNanos() == 0 ? "; nothing came"
                    : String.format("; last data %.1f s after the start", (c.lastByteNanos() - r.startedNanos()) / 1e9));
        }
        if (c.ended()) {
            b.append("; ended early: ").append(c.describe()).append(" closed (the guest or QEMU went away)");
        }
        if (c.failure() != null) {
            b.append("; failed: ").append(c.failure());
        }
        return b.toString();
    }

    private static String pages(long n) {
        return n + (n == 1 ? " page" : " pages");
    }
}
