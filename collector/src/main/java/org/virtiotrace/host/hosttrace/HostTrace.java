package org.virtiotrace.host.hosttrace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.tracedat.CpuData;
import org.virtiotrace.host.tracedat.TimeOptions;
import org.virtiotrace.host.tracedat.TraceDatHeader;
import org.virtiotrace.host.tracedat.TraceDatFormat;
import org.virtiotrace.host.tracedat.TraceDatWriter;

/**
 * --host: the host's own trace beside the guest's, on CLOCK_MONOTONIC, written as a host
 * trace.dat that names the guest the way trace-cmd's host files do (TRACEID, GUEST).
 */
public final class HostTrace implements AutoCloseable {
    private static final int BUFFER_KB = 4096;

    private final HostInstance instance;
    private final HostPumps pumps;
    private final TraceMetadata meta;
    private FileSet files;

    private HostTrace(HostInstance instance, HostPumps pumps) throws IOException {
        this.instance = instance;
        this.pumps = pumps;
        this.meta = new TraceMetadata(instance.instance().tracefs(), CpuList.online(), pumps.pageSize());
    }

    /** Sets up the instance and its pumps (paused); the spool files go to {@code spoolDir}. */
    public static HostTrace prepare(Native nat, List<String> events, Path spoolDir) throws HostTraceException {
        HostInstance inst = HostInstance.create(nat, events, BUFFER_KB);
        try {
            HostPumps pumps = HostPumps.start(nat, inst.instance().tracefs(), spoolDir);
            return new HostTrace(inst, pumps);
        } catch (IOException | RuntimeException e) {
            try {
                inst.close();
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            throw new HostTraceException("--host: cannot start the host's pumps: " + e.getMessage());
        }
    }

    /** Starts recording; the metadata is read first so the recording does not wait for it. */
    public void begin() throws IOException {
        files = meta.meta();
        pumps.run();
        instance.tracing(true);
    }

    /** A print event in the host trace (what the collector is about to do). */
    public void mark(String text) {
        instance.mark(text);
    }

    /** Stops: the pumps deliver every page, the partial ones included. */
    public void end() throws IOException, InterruptedException {
        instance.tracing(false);
        pumps.stopAndJoin();
        files.putAll(meta.update());
    }

    /** Writes the host trace.dat naming its {@code guests} (a GUEST option each); returns the summary line. */
    public String write(Path out, long hostTraceId, List<TimeOptions.Guest> guests, Long offsetNs,
                        TraceDatFormat format)
            throws IOException {
        long t0 = System.nanoTime();
        Properties info = TraceMetadata.parseInfo(files.text(TraceMetadata.INFO).orElse(""));
        List<Integer> cpus = pumps.cpus();
        java.util.Map<Integer, CpuData> byCpu = new java.util.TreeMap<>();
        long bytes = 0;
        for (int i = 0; i < cpus.size(); i++) {
            byCpu.put(cpus.get(i), CpuData.of(pumps.files().get(i)));
            bytes += Files.size(pumps.files().get(i));
        }
        List<CpuData> data = CpuData.byCpu(byCpu);
        TraceDatHeader h = TraceDatHeader.from(files, info, data.size())
                .withTime(new TimeOptions(hostTraceId, null, List.copyOf(guests), offsetNs));
        TraceDatWriter.write(out, h, data, format);
        return String.format("wrote %s (the host: %d CPUs, %.1f MB of pages) in %d ms", out, cpus.size(),
                bytes / 1e6, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Removes the instance and the spool files. */
    @Override
    public void close() throws IOException {
        pumps.close();
        try {
            instance.close();
        } finally {
            for (Path f : pumps.files()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
