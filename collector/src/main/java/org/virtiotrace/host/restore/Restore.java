package org.virtiotrace.host.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.tracedat.CpuData;
import org.virtiotrace.host.tracedat.TraceDatFormat;
import org.virtiotrace.host.tracedat.TraceDatHeader;
import org.virtiotrace.host.tracedat.TraceDatWriter;

/**
 * {@code virtio-trace restore DIR}: a trace.dat from what a recording left in a directory (its
 * metadata files and each CPU's pages, {@link KeptPages}), in one step where trace-cmd restore
 * takes two and cannot read pages kept compressed. What it cannot bring back: the clock-sync
 * alignment (the samples are in FILE.sync when the recording wrote one).
 */
public final class Restore {
    private Restore() {
    }

    /** Writes {@code out}; returns the lines to print. */
    public static List<String> run(Path dir, Path out, TraceDatFormat format) throws ExitException {
        if (!Files.isDirectory(dir)) {
            throw new ExitException(Exit.NO_METADATA, dir + ": " + (Files.exists(dir) ? "not a directory"
                    : "no such directory"));
        }
        Metadata m;
        Map<Integer, CpuData> pages;
        try {
            FileSet all = FileSet.readFrom(dir);
            FileSet meta = new FileSet();
            all.files().forEach((name, bytes) -> {
                if (!KeptPages.STREAM.matcher(Path.of(name).getFileName().toString()).matches()) {
                    meta.put(name, bytes);
                }
            });
            Properties info = TraceMetadata.parseInfo(meta.text(TraceMetadata.INFO).orElse(""));
            m = Metadata.of(meta, info, false, 0);
            if (!m.usable()) {
                throw new ExitException(Exit.NO_METADATA, dir + ": no events/header_page, so no metadata to decode "
                        + "the pages with; 'trace-agent export-meta DIR' in the guest writes it");
            }
            pages = KeptPages.in(dir, m.pageSize(), m.format().order());
        } catch (IOException e) {
            throw new ExitException(Exit.NO_METADATA, dir + ": cannot be read: " + e.getMessage());
        }
        if (pages.isEmpty()) {
            throw new ExitException(Exit.NO_METADATA, dir + ": no cpuN.raw or cpuN.zst in it: no pages to restore");
        }
        List<CpuData> data = CpuData.byCpu(pages);
        long t0 = System.nanoTime();
        List<String> lines = new ArrayList<>();
        try {
            long bytes = 0;
            for (var e : pages.entrySet()) {
                long n = e.getValue().size();
                bytes += n;
                lines.add(String.format("cpu%d: %d pages", e.getKey(), n / m.pageSize()));
            }
            TraceDatWriter.write(out, TraceDatHeader.from(m.files(), m.info(), data.size()), data, format);
            lines.add(0, String.format("wrote %s (%s, %.1f MB) from %s: %d CPUs, %.1f MB of pages, in %d ms; see it "
                    + "with: trace-cmd report %s", out, format.describe(), Files.size(out) / 1e6, dir, pages.size(),
                    bytes / 1e6, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), out));
            return lines;
        } catch (IOException | IllegalArgumentException e) {
            throw new ExitException(Exit.OUTPUT, out + ": cannot write the trace.dat: " + e.getMessage()
                    + "; no partial file was left");
        }
    }
}
