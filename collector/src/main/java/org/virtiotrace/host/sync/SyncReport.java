package org.virtiotrace.host.sync;

import java.util.ArrayList;
import java.util.List;

/** What clock sync achieved, in words: record's summary and {@code virtio-trace sync-report}. */
public final class SyncReport {
    private SyncReport() {
    }

    /** A few lines: samples, bounds, drift, the wall clocks, gaps. */
    public static List<String> summary(String clock, String method, List<SyncSample> samples, int gaps,
                                       List<String> notes, List<CpuClocks.CpuClock> cpuClocks, boolean applied) {
        List<String> out = new ArrayList<>();
        if (samples.isEmpty()) {
            out.add("clock sync: no sample; the guest file keeps the guest's own " + clock + " times");
            return out;
        }
        long[] bounds = samples.stream().mapToLong(SyncSample::bound).sorted().toArray();
        SyncSample first = samples.get(0);
        SyncSample last = samples.get(samples.size() - 1);
        double drift = SyncSeries.driftPpm(samples);
        int probes = samples.stream().mapToInt(SyncSample::asked).max().orElse(0);
        out.add(String.format("clock sync: guest %s clock (read by %s) -> host CLOCK_MONOTONIC: %d sample%s of %d "
                        + "probes over %.1f s", clock, method, samples.size(), samples.size() == 1 ? "" : "s", probes,
                (last.hostTime() - first.hostTime()) / 1e9));
        out.add(String.format("  error bound: median %s, max %s; drift %+.2f ppm; fastest round trip %s",
                us(bounds[bounds.length / 2]), us(bounds[bounds.length - 1]), drift,
                us(samples.stream().mapToLong(s -> s.best().hostReceived() - s.best().hostSent()).min().orElse(0))));
        out.add(String.format("  at the start: host CLOCK_MONOTONIC = guest %s %+d ns; host CLOCK_REALTIME = host "
                        + "CLOCK_MONOTONIC %+d ns; the guest's wall clock is %s %s the host's", clock, first.offset(),
                first.best().hostRealtimeMinusMono(), us(Math.abs(first.best().realtimeOffset())),
                first.best().realtimeOffset() >= 0 ? "behind" : "ahead of"));
        String perCpu = CpuClocks.describe(cpuClocks, clock, applied);
        if (perCpu != null) {
            out.add(perCpu);
        }
        if (gaps > 0) {
            out.add("  " + gaps + " gap" + (gaps == 1 ? "" : "s") + " without samples (see below)");
        }
        notes.forEach(n -> out.add("  " + n));
        return out;
    }

    /** One line per sample, for sync-report. */
    public static List<String> table(List<SyncSample> samples) {
        List<String> out = new ArrayList<>();
        out.add(String.format("%12s %20s %20s %12s %12s %7s", "host s", "guest time", "offset ns", "bound", "round trip",
                "probes"));
        long t0 = samples.isEmpty() ? 0 : samples.get(0).hostTime();
        for (SyncSample s : samples) {
            out.add(String.format("%12.3f %20d %20d %12s %12s %3d/%-3d", (s.hostTime() - t0) / 1e9, s.guestTime(),
                    s.offset(), us(s.bound()), us(s.best().hostReceived() - s.best().hostSent()), s.probes(), s.asked()));
        }
        return out;
    }

    static String us(long ns) {
        return ns < 1_000_000 ? String.format("%.1f us", ns / 1e3) : String.format("%.3f ms", ns / 1e6);
    }
}
