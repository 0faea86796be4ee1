package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.tracedat.CpuData;
import org.virtiotrace.host.tracedat.TraceDatHeader;
import org.virtiotrace.host.tracedat.TraceDatWriter;

/** The end of a recording: the files written, one line per CPU, and the exit status. */
public record Summary(int exit, List<String> lines) {

    static Summary write(RecordOptions opt, Metadata meta, List<CpuCollector> collectors,
                         List<String> warnings, long startedNanos, long stoppedNanos, boolean agentGone, Path keptRaw,
                         TimelineSync sync) throws RecordException {
        long recordedNanos = stoppedNanos - startedNanos;
        List<String> lines = new ArrayList<>();
        warnings.forEach(w -> lines.add("warning: " + w));
        boolean incomplete = agentGone;
        long total = 0;
        long lost = 0;
        long uncounted = 0;
        for (CpuCollector c : collectors) {
            StringBuilder b = new StringBuilder(String.format("cpu%d: %.1f MB, %d pages, %d events lost",
                    c.cpu, c.bytes() / 1e6, c.pages(), c.lostEvents()));
            if (c.lastHeartbeat() >= 0) {
                b.append(", heartbeats up to ").append(c.lastHeartbeat());
            }
            if (c.pagesWithUncountedLoss() > 0) {
                b.append(" (and ").append(c.pagesWithUncountedLoss()).append(" pages with an unknown number)");
            }
            if (c.tornPages() > 0) {
                b.append("; ").append(c.tornPages()).append(" torn pages refused (the first after ")
                        .append(c.firstTear()).append(")");
                incomplete = true;
            }
            if (c.leftover() > 0) {
                b.append("; ").append(c.leftover()).append(" bytes of a page cut short dropped");
                incomplete = true;
            }
            if (agentGone) {
                b.append(c.lastByteNanos() == 0 ? "; nothing came"
                        : String.format("; last data %.1f s after the start", (c.lastByteNanos() - startedNanos) / 1e9));
            }
            if (c.ended()) {
                b.append("; ended early: ").append(c.describe()).append(" closed (the guest or QEMU went away)");
                incomplete = true;
            }
            if (c.failure() != null) {
                b.append("; failed: ").append(c.failure());
                incomplete = true;
            }
            lines.add(b.toString());
            total += c.pages();
            lost += c.lostEvents();
            uncounted += c.pagesWithUncountedLoss();
        }
        lines.add(0, String.format("recorded %s from %s: %d CPU%s, %d pages (%.1f MB), %d events lost in the guest%s%s",
                Progress.seconds(recordedNanos), opt.ports().target(), collectors.size(),
                collectors.size() == 1 ? "" : "s", total, total * meta.pageSize() / 1e6, lost,
                uncounted == 0 ? "" : " (and more on " + uncounted + " pages that could not count them)",
                meta.answered() ? ", metadata in " + meta.fetchMs() + " ms" : ""));
        int exit = incomplete ? Exit.INCOMPLETE : Exit.OK;
        try {
            if (opt.rawDir() != null && meta.usable()) {
                meta.files().writeTo(opt.rawDir());
            }
        } catch (IOException e) {
            throw new RecordException(Exit.OUTPUT, opt.rawDir() + ": cannot write the metadata files: " + e.getMessage());
        }
        if (!meta.usable()) {
            lines.add("no trace.dat: no metadata. The raw streams are in " + keptRaw);
            return new Summary(Exit.NO_METADATA, lines);
        }
        if (opt.output() != null) {
            lines.add(writeDat(opt.output(), meta, collectors, sync));
            lines.addAll(sync.summary());
            try {
                Path f = sync.writeBeside(opt.output());
                if (f != null) {
                    lines.add("clock-sync samples in " + f + " (virtio-trace sync-report " + opt.output() + ")");
                }
            } catch (IOException e) {
                lines.add("warning: " + org.virtiotrace.host.sync.SyncFile.beside(opt.output()) + ": cannot write the clock-sync samples: "
                        + e.getMessage());
            }
        }
        if (opt.rawDir() != null) {
            lines.add("raw streams and metadata in " + opt.rawDir() + " (trace-cmd restore -c -t " + opt.rawDir()
                    + " -k " + opt.rawDir() + "/kallsyms -o head.dat; trace-cmd restore -i head.dat -o trace.dat "
                    + opt.rawDir() + "/cpu*.raw)");
        }
        return new Summary(exit, lines);
    }

    private static String writeDat(Path out, Metadata meta, List<CpuCollector> collectors, TimelineSync sync)
            throws RecordException {
        java.util.Map<Integer, CpuData> byCpu = new java.util.TreeMap<>();
        collectors.forEach(c -> byCpu.put(c.cpu, c.data()));
        List<CpuData> data = CpuData.byCpu(byCpu);
        int cpuCount = data.size();
        long t0 = System.nanoTime();
        try {
            TraceDatWriter.write(out, TraceDatHeader.from(meta.files(), meta.info(), cpuCount)
                    .withTime(sync.guestOptions(cpuCount)), data);
            return String.format("wrote %s (%.1f MB) in %d ms; see it with: trace-cmd report %s", out,
                    Files.size(out) / 1e6, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), out);
        } catch (IOException | IllegalArgumentException e) {
            throw new RecordException(Exit.OUTPUT, out + ": cannot write the trace.dat: " + e.getMessage()
                    + "; no partial file was left");
        }
    }
}
