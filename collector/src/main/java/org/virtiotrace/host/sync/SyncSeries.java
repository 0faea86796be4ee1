package org.virtiotrace.host.sync;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.virtiotrace.host.tracedat.TimeOptions;

/**
 * A recording's clock-sync samples and what happened to them: the gaps where probes went
 * unanswered, and steps of a wall clock (settimeofday on either side). Trace clocks do not
 * step, so the samples' times only go forward; a sample that does not is dropped and said.
 */
public final class SyncSeries {
    /** A wall-clock offset that moves this much more than the bounds allow between two samples is a step. */
    static final long STEP_NS = 1_000_000;

    private final List<SyncSample> samples = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String clock;
    private String method;
    private long gapSince = -1;
    private String gapReason;
    private int gaps;
    private List<CpuClocks.CpuClock> cpuClocks = List.of();
    private boolean cpuClocksApplied;

    /** Adds a sample; returns a note to show now (a step or the end of a gap), or null. */
    public String add(SyncSample s, String guestClock) {
        clock = guestClock;
        method = s.method();
        String said = null;
        if (gapSince >= 0) {
            said = note("clock sync resumed after " + ms(s.hostTime() - gapSince) + " without samples (" + gapReason + ")");
            gapSince = -1;
        }
        if (!samples.isEmpty()) {
            SyncSample last = samples.get(samples.size() - 1);
            if (s.guestTime() <= last.guestTime() || s.hostTime() <= last.hostTime()) {
                return note("a sync sample went back in time (guest " + s.guestTime() + " after " + last.guestTime()
                        + "); dropped");
            }
            long step = s.best().realtimeOffset() - last.best().realtimeOffset();
            if (Math.abs(step) > STEP_NS + s.bound() + last.bound()) {
                said = note("the wall clocks moved " + ms(step) + " against each other between samples (a "
                        + "settimeofday or an NTP step on the guest or the host); trace times are unaffected");
            }
        }
        samples.add(s);
        return said;
    }

    /** A burst that got no answer: the first of a run opens a gap; returns a note to show now, or null. */
    public String missed(long hostNow, String reason) {
        if (gapSince >= 0) {
            return null;
        }
        gapSince = hostNow;
        gapReason = reason;
        gaps++;
        return samples.isEmpty() ? null : note("clock sync: " + reason + "; tracing goes on, the gap is reported");
    }

    private String note(String s) {
        notes.add(s);
        return s;
    }

    public List<SyncSample> samples() {
        return Collections.unmodifiableList(samples);
    }

    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    public boolean isEmpty() {
        return samples.isEmpty();
    }

    public String clock() {
        return clock;
    }

    public String method() {
        return method;
    }

    /**
     * Each CPU's clock against the probed one (see {@link CpuClocks}); with {@code applied}, each
     * CPU's TIME_SHIFT follows its own clock.
     */
    public void cpuClocks(List<CpuClocks.CpuClock> clocks, boolean applied) {
        this.cpuClocks = List.copyOf(clocks);
        this.cpuClocksApplied = applied;
    }

    public List<CpuClocks.CpuClock> cpuClocks() {
        return cpuClocks;
    }

    public boolean cpuClocksApplied() {
        return cpuClocksApplied;
    }

    public int gaps() {
        return gaps;
    }

    /** Rate of the guest's trace clock against the host's, in parts per million (0 with one sample). */
    public double driftPpm() {
        return driftPpm(samples);
    }

    /** The offset's slope from the first sample to the last, in ppm (0 with fewer than two). */
    static double driftPpm(List<SyncSample> samples) {
        if (samples.size() < 2) {
            return 0;
        }
        SyncSample a = samples.get(0);
        SyncSample b = samples.get(samples.size() - 1);
        return (double) (b.offset() - a.offset()) / (b.guestTime() - a.guestTime()) * 1e6;
    }

    /**
     * A guest file's timeline options: its TRACEID and, with samples, TIME_SHIFT to the host
     * (peer {@code hostTraceId}) for each of its {@code cpuCount} CPUs.
     */
    public TimeOptions guestOptions(long guestTraceId, long hostTraceId, int cpuCount) {
        if (samples.isEmpty()) {
            return new TimeOptions(guestTraceId, null, List.of(), null);
        }
        // one control thread took the samples: for a clock that is one clock on every CPU they
        // are every CPU's; a per-CPU clock's CPUs each get them moved onto their own clock
        // (CpuClocks). trace-cmd interpolates between them
        List<List<TimeOptions.Sample>> perCpu = new ArrayList<>(cpuCount);
        for (int cpu = 0; cpu < cpuCount; cpu++) {
            long d = cpuClocksApplied ? CpuClocks.offsetOf(cpuClocks, cpu) : 0;
            perCpu.add(samples.stream().map(x -> new TimeOptions.Sample(x.guestTime() + d, x.offset() - d)).toList());
        }
        return new TimeOptions(guestTraceId, new TimeOptions.TimeShift(hostTraceId, true, perCpu), List.of(), null);
    }

    static String ms(long ns) {
        return String.format("%.3f ms", ns / 1e6);
    }
}
