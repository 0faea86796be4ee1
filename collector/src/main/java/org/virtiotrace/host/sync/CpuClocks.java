package org.virtiotrace.host.sync;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.virtiotrace.core.heartbeat.HeartbeatRecord.Beat;

/**
 * Each guest CPU's trace clock against the one the clock-sync probes read, from the heartbeats in
 * that CPU's stream (docs/clock-sync.md, "Per CPU, from the heartbeats"). The probes are answered
 * on one thread, so they calibrate the trace clock of whichever CPU that thread ran on; a
 * heartbeat is written by the pump pinned to its CPU, carries the guest CLOCK_MONOTONIC read just
 * before the write, and gets that CPU's trace time from the kernel. Its trace-minus-mono, less the
 * nearest probe's (and that probe's half-bracket, see {@link #measure}), is how far that CPU's
 * clock is from the probed one, give or take the difference between two writes' latencies. For a clock that is one clock on every CPU (global, mono, boot ...) that
 * is a check; for per-CPU clocks ({@code local}, {@code perf}) TIME_SHIFT is moved by it.
 */
public final class CpuClocks {
    /** The trace clocks the kernel keeps per CPU (trace_clock_local): their CPUs may disagree. */
    static final Set<String> PER_CPU = Set.of("local", "perf");

    /**
     * One CPU's clock against the probed one.
     *
     * @param beats    heartbeats it was measured with
     * @param offsetNs median of (the CPU's trace clock - the probed trace clock), ns
     * @param spreadNs largest minus smallest of those differences, ns
     */
    public record CpuClock(int cpu, int beats, long offsetNs, long spreadNs) {
    }

    private CpuClocks() {
    }

    /** Whether TIME_SHIFT should follow each CPU's own clock for this trace clock. */
    public static boolean perCpu(String traceClock) {
        return PER_CPU.contains(traceClock);
    }

    /** The CPUs that have heartbeats, in the map's order, measured against {@code samples}; none without samples. */
    public static List<CpuClock> measure(List<SyncSample> samples, Map<Integer, List<Beat>> perCpu) {
        List<CpuClock> out = new ArrayList<>();
        if (samples.isEmpty()) {
            return out;
        }
        long[] sampleMono = samples.stream().mapToLong(s -> s.guestTime() - s.best().traceMinusMono()).toArray();
        for (Map.Entry<Integer, List<Beat>> e : perCpu.entrySet()) {
            List<Beat> beats = e.getValue();
            if (beats.isEmpty()) {
                continue;
            }
            long[] d = new long[beats.size()];
            for (int i = 0; i < d.length; i++) {
                Beat b = beats.get(i);
                SyncSample near = samples.get(nearest(sampleMono, b.monoNs()));
                // the probe's trace-minus-mono is its marker's time less the middle of the
                // bracket around the write, the heartbeat's its time less the start of its write:
                // half the bracket (the probe's clock error) is the difference between the two
                d[i] = b.traceNs() - b.monoNs() - near.best().traceMinusMono() - near.best().clockError();
            }
            Arrays.sort(d);
            out.add(new CpuClock(e.getKey(), d.length, d[d.length / 2], d[d.length - 1] - d[0]));
        }
        return out;
    }

    private static int nearest(long[] sorted, long x) {
        int i = Arrays.binarySearch(sorted, x);
        if (i >= 0) {
            return i;
        }
        int hi = -i - 1;
        if (hi == 0) {
            return 0;
        }
        if (hi == sorted.length) {
            return sorted.length - 1;
        }
        return x - sorted[hi - 1] <= sorted[hi] - x ? hi - 1 : hi;
    }

    /** The CPU's offset to add to the probed clock's times, 0 for a CPU that was not measured. */
    static long offsetOf(List<CpuClock> clocks, int cpu) {
        return clocks.stream().filter(c -> c.cpu() == cpu).mapToLong(CpuClock::offsetNs).findFirst().orElse(0);
    }

    /** One line for the summary and sync-report; null without heartbeats. */
    public static String describe(List<CpuClock> clocks, String traceClock, boolean applied) {
        if (clocks.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder("  each CPU's clock from its heartbeats, against the probed one:");
        for (CpuClock c : clocks) {
            b.append(String.format(" cpu%d %s%s (%d, spread %s)", c.cpu(), c.offsetNs() < 0 ? "-" : "+",
                    SyncReport.us(Math.abs(c.offsetNs())), c.beats(), SyncReport.us(c.spreadNs())));
        }
        b.append(applied ? "; TIME_SHIFT follows each CPU (" + traceClock + " is kept per CPU)"
                : "; a check only (" + traceClock + " is one clock on every CPU)");
        return b.toString();
    }
}
