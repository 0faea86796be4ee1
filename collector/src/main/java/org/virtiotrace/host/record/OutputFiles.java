package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.session.SessionLog;
import org.virtiotrace.host.sync.SyncFile;
import org.virtiotrace.host.tracedat.CpuData;
import org.virtiotrace.host.tracedat.TraceDatFormat;
import org.virtiotrace.host.tracedat.TraceDatHeader;
import org.virtiotrace.host.tracedat.TraceDatWriter;

/**
 * The output step, after the recording: the guest's trace.dat (with the clock-sync options), its
 * FILE.sync, --raw's metadata files beside the streams, and --host's host file. Returns what it
 * wrote, as summary lines; a trace.dat that cannot be written is the one failure that ends the
 * command (exit 7, nothing half-written left).
 */
final class OutputFiles {
    private OutputFiles() {
    }

    /**
     * Before the guest is touched: every place this recording will write can take a file (the
     * output's directory, for the file and the spool beside it; --raw; --session's; --host's).
     */
    static void checkWritable(RecordOptions opt) throws ExitException {
        List<Path> dirs = new ArrayList<>();
        for (Path f : new Path[] {opt.output(), opt.session(), opt.timeline().hostOutput()}) {
            if (f != null) {
                dirs.add(f.toAbsolutePath().getParent());
            }
        }
        if (opt.rawDir() != null) {
            dirs.add(opt.rawDir().toAbsolutePath());
        }
        for (Path d : dirs) {
            try {
                Files.createDirectories(d);
                Files.delete(Files.createTempFile(d, ".virtio-trace-", ".check"));
            } catch (IOException e) {
                throw new ExitException(Exit.OUTPUT, d + ": cannot write there (" + reason(e) + "); nothing was "
                        + "recorded, the guest was not touched");
            }
        }
    }

    /** What a file-system exception says, without its class name. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    static List<String> write(RecordOptions opt, Recorded r, HostRecording host, PortLayout ports, SessionLog log)
            throws ExitException {
        List<String> lines = new ArrayList<>();
        if (!r.meta().usable()) {
            lines.add("no trace.dat: no metadata. The raw streams are in " + r.spoolDir());
            return lines;
        }
        if (opt.rawDir() != null) {
            try {
                r.meta().files().writeTo(opt.rawDir());
            } catch (IOException e) {
                throw new ExitException(Exit.OUTPUT, opt.rawDir() + ": cannot write the metadata files: " + e.getMessage());
            }
        }
        if (opt.output() != null) {
            lines.add(traceDat(opt.output(), r, log, opt.fileFormat()));
            lines.addAll(r.sync().summary());
            lines.addAll(syncFile(opt.output(), r.sync()));
        }
        if (opt.rawDir() != null) {
            lines.add("raw streams and metadata in " + opt.rawDir() + " (trace-cmd restore -c -t " + opt.rawDir()
                    + " -k " + opt.rawDir() + "/kallsyms -o head.dat; trace-cmd restore -i head.dat -o trace.dat "
                    + opt.rawDir() + "/cpu*.raw)");
        }
        if (opt.output() != null) {
            host.write(lines, ports, r.cpus().size(), r.sync().guestTraceId(), opt.output(), r.sync().dateOffset(),
                    opt.fileFormat());
        }
        return lines;
    }

    private static String traceDat(Path out, Recorded r, SessionLog log, TraceDatFormat format) throws ExitException {
        List<CpuData> data = CpuData.byCpu(r.data());
        long t0 = System.nanoTime();
        try {
            TraceDatWriter.write(out, TraceDatHeader.from(r.meta().files(), r.meta().info(), data.size())
                    .withTime(r.sync().guestOptions(data.size())), data, format);
            return String.format("wrote %s (%s, %.1f MB) in %d ms; see it with: trace-cmd report %s", out,
                    format.describe(), Files.size(out) / 1e6, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                    out);
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof IOException io ? reason(io) : e.getMessage();
            throw new ExitException(Exit.OUTPUT, out + ": cannot write the trace.dat (" + why + "); no partial file "
                    + "was left; " + RecordingRescue.keep(out, r, log));
        }
    }

    /** FILE.sync beside the trace.dat: the clock-sync samples, for sync-report. */
    private static List<String> syncFile(Path traceDat, TimelineSync sync) {
        try {
            Path f = sync.writeBeside(traceDat);
            return f == null ? List.of()
                    : List.of("clock-sync samples in " + f + " (virtio-trace sync-report " + traceDat + ")");
        } catch (IOException e) {
            return List.of("warning: " + SyncFile.beside(traceDat) + ": cannot write the clock-sync samples: "
                    + e.getMessage());
        }
    }
}
