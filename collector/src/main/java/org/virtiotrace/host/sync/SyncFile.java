package org.virtiotrace.host.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The clock-sync record written next to a guest trace.dat ({@code FILE.sync}, docs/clock-sync.md):
 * every sample's raw probe times, so the bounds and the drift can be recomputed and checked
 * later. trace.dat's TIME_SHIFT keeps only the offsets; this keeps the evidence.
 */
public final class SyncFile {
    static final String MAGIC = "# virtio-trace clock sync 1";

    /** What a .sync file holds. */
    public record Contents(String guestClock, String method, int intervalMs, List<SyncSample> samples,
                           List<String> notes, List<CpuClocks.CpuClock> cpuClocks, boolean cpuClocksApplied) {
    }

    private SyncFile() {
    }

    public static Path beside(Path traceDat) {
        return traceDat.resolveSibling(traceDat.getFileName() + ".sync");
    }

    public static void write(Path file, SyncSeries s, int intervalMs) throws IOException {
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("guest-clock ").append(s.clock()).append('\n');
        b.append("method ").append(s.method()).append('\n');
        b.append("host-clock CLOCK_MONOTONIC\n");
        b.append("interval-ms ").append(intervalMs).append('\n');
        b.append("# probe host_sent guest_received guest_replied host_received guest_realtime_minus_mono "
                + "host_realtime_minus_mono clock_error trace_minus_mono answered asked\n");
        for (SyncSample x : s.samples()) {
            Probe p = x.best();
            b.append("probe ").append(p.hostSent()).append(' ').append(p.guestReceived()).append(' ')
                    .append(p.guestReplied()).append(' ').append(p.hostReceived()).append(' ')
                    .append(p.guestRealtimeMinusMono()).append(' ').append(p.hostRealtimeMinusMono()).append(' ')
                    .append(p.clockError()).append(' ').append(p.traceMinusMono()).append(' ').append(x.probes())
                    .append(' ').append(x.asked()).append('\n');
        }
        if (!s.cpuClocks().isEmpty()) {
            b.append("# cpu-clock cpu heartbeats offset_ns spread_ns applied\n");
        }
        for (CpuClocks.CpuClock c : s.cpuClocks()) {
            b.append("cpu-clock ").append(c.cpu()).append(' ').append(c.beats()).append(' ').append(c.offsetNs())
                    .append(' ').append(c.spreadNs()).append(' ').append(s.cpuClocksApplied() ? 1 : 0).append('\n');
        }
        for (String n : s.notes()) {
            b.append("note ").append(n.replace('\n', ' ')).append('\n');
        }
        Path part = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(part, b, StandardCharsets.UTF_8);
        Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static Contents read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(MAGIC)) {
            throw new IOException(file + ": not a clock-sync file (its first line is not '" + MAGIC + "')");
        }
        String clock = "?";
        String method = "?";
        int interval = 0;
        List<SyncSample> samples = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<CpuClocks.CpuClock> clocks = new ArrayList<>();
        boolean applied = false;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            try {
                switch (key) {
                    case "guest-clock" -> clock = rest;
                    case "method" -> method = rest;
                    case "interval-ms" -> interval = Integer.parseInt(rest);
                    case "note" -> notes.add(rest);
                    case "cpu-clock" -> {
                        String[] f = rest.split(" ");
                        clocks.add(new CpuClocks.CpuClock(Integer.parseInt(f[0]), Integer.parseInt(f[1]),
                                Long.parseLong(f[2]), Long.parseLong(f[3])));
                        applied = f[4].equals("1");
                    }
                    case "probe" -> {
                        String[] f = rest.split(" ");
                        long[] v = new long[10];
                        for (int k = 0; k < 10; k++) {
                            v[k] = Long.parseLong(f[k]);
                        }
                        samples.add(new SyncSample(new Probe(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]),
                                (int) v[8], (int) v[9], method));
                    }
                    default -> {
                        // comments, host-clock and keys of later versions
                    }
                }
            } catch (RuntimeException e) {
                throw new IOException(file + ":" + (i + 1) + ": cannot read '" + line + "'");
            }
        }
        return new Contents(clock, method, interval, samples, notes, clocks, applied);
    }
}
